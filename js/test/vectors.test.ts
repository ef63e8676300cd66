// test-vectors/v1 under Node's test runner: one test per vector.

import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cases, type VectorFiles } from './vectors/runner.js';

const dir = fileURLToPath(new URL('../../../test-vectors/v1/', import.meta.url));
const load = (name: string): VectorFiles['positive'] => JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8'));
const files: VectorFiles = {
  positive: load('positive'),
  chunked: load('chunked'),
  negative: load('negative'),
  reader: load('reader'),
  writer: load('writer'),
  payload: load('payload'),
};

for (const c of cases(files)) test(`${c.file}: ${c.name}`, c.run);
