// Debian's headless Chromium for the end-to-end scripts, driven by
// playwright-core (no browser download), with a fresh profile each run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// Without the background-networking flags Chromium keeps calling home,
// which these loopback-only tests must not do.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A browser context on a new profile named `name-*`; `close()` ends it and removes the profile. */
export async function launch(name, options = {}) {
  const userDataDir = mkdtempSync(join(process.env.BROWSER_TMP ?? tmpdir(), `${name}-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
