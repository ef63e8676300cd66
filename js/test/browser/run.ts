// Every test vector inside headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core): the package runs on the browser's WebCrypto,
// as it would in an edge runtime. Prints the counts per file; fails on any
// failed vector.
//
//   npm run test:browser

import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../support/static.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const vectors = fileURLToPath(new URL('../../../../test-vectors/v1/', import.meta.url));

const page = `<!doctype html><meta charset="utf-8"><title>sealed-session vectors</title>
<script type="importmap">{"imports": {"@noble/ciphers/": "/node_modules/@noble/ciphers/"}}</script>
<script type="module" src="/dist/test/browser/page.js"></script>`;

const { url, server } = await serveStatic({ '/vectors/': vectors, '/': root }, page);
const profile = mkdtempSync(join(tmpdir(), 'chromium-vectors-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // Loopback only: no background calls home.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.error('[page error]', e));
  await tab.goto(url);
  const ua = await tab.evaluate(() => navigator.userAgent);
  const results = (await tab.evaluate('window.vectorResults')) as { file: string; name: string; ok: boolean; error?: string }[];
  const byFile = new Map<string, [number, number]>();
  for (const r of results) {
    const [pass, total] = byFile.get(r.file) ?? [0, 0];
    byFile.set(r.file, [pass + (r.ok ? 1 : 0), total + 1]);
    if (!r.ok) {
      failed++;
      console.error(`FAIL ${r.file}: ${r.name}: ${r.error}`);
    }
  }
  console.log(`Chromium (${ua.match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? ua}):`);
  for (const [file, [pass, total]] of byFile) console.log(`  ${file}: ${pass}/${total} vectors pass`);
  console.log(`  all: ${results.length - failed}/${results.length}`);
  if (results.length === 0) failed = 1;
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
