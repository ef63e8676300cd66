// Runs in the browser page: every vector case, with WebCrypto and the
// compiled package only (no Node API). Results go to `window.vectorResults`.

import { cases, type VectorFiles } from '../vectors/runner.js';

interface Result {
  file: string;
  name: string;
  ok: boolean;
  error?: string;
}

async function main(): Promise<Result[]> {
  const names = ['positive', 'chunked', 'negative', 'reader', 'writer', 'payload'] as const;
  const files = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await (await fetch(`/vectors/${n}.json`)).json()])),
  ) as VectorFiles;
  const results: Result[] = [];
  for (const c of cases(files)) {
    try {
      await c.run();
      results.push({ file: c.file, name: c.name, ok: true });
    } catch (e) {
      results.push({ file: c.file, name: c.name, ok: false, error: String(e) });
    }
  }
  return results;
}

(globalThis as unknown as { vectorResults: Promise<Result[]> }).vectorResults = main();
