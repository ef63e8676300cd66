// One session, two languages: the Rust demo (`cargo run --example demo`)
// and the Express example behind one nginx, sharing one key configuration.
// A user registers and logs in on the Rust side; the Node side reads the
// session, writes notes until it spans three cookies and adds a flash; the
// Rust side shows both; keys rotate (add, then promote) with both sides
// opening throughout; a tampered cookie is refused by both alike.
//
//   cargo build --example demo --all-features && npm run test:e2e

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CookieJar } from 'tough-cookie';
import { Keyring } from '../../src/index.js';
import { freePort, startListening, startNginx, stop, type Running } from './procs.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const demoBin = process.env.DEMO_BIN ?? join(repo, 'target/debug/examples/demo');
const expressApp = fileURLToPath(new URL('../../examples/express.js', import.meta.url));
const BUDGET = '12288';
const dir = mkdtempSync(join(tmpdir(), 'shared-sessions-'));

let rust: Running | null = null;
let node: Running | null = null;
let nginx: Running | null = null;
let base = '';

async function startBoth(keys: string): Promise<void> {
  await stop(rust);
  await stop(node);
  const env = { SESSION_KEYS: keys, COOKIE_BUDGET: BUDGET, PORT: '0' };
  [rust, node] = await Promise.all([
    startListening('demo', demoBin, ['--instance', 'rust'], env),
    startListening('express', process.execPath, [expressApp], env),
  ]);
  await stop(nginx);
  const port = nginx?.port ?? (await freePort());
  nginx = await startNginx(dir, port, rust!.port, node!.port);
  base = `http://127.0.0.1:${port}`;
}

after(async () => {
  await Promise.all([stop(rust), stop(node), stop(nginx)]);
  rmSync(dir, { recursive: true, force: true });
});

/** A browser-like client: one cookie jar, no automatic redirects. */
class Client {
  jar = new CookieJar();

  async request(method: string, path: string, body?: { form?: Record<string, string>; json?: unknown }): Promise<{ status: number; text: string; location: string | null }> {
    const url = base + path;
    const headers: Record<string, string> = {};
    const cookie = await this.jar.getCookieString(url);
    if (cookie) headers.cookie = cookie;
    let payload: string | undefined;
    if (body?.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body.form).toString();
    } else if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    const res = await fetch(url, { method, headers, body: payload, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) await this.jar.setCookie(line, url);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async json(path: string): Promise<Record<string, unknown>> {
    const r = await this.request('GET', path);
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text);
  }

  async csrf(path: string): Promise<string> {
    const r = await this.request('GET', path);
    const m = /name="csrf_token" value="([^"]+)"/.exec(r.text);
    assert.ok(m, `no CSRF token on ${path}:\n${r.text}`);
    return m[1]!;
  }

  async sessionCookies(): Promise<string[]> {
    return (await this.jar.getCookies(base)).filter((c) => /^session(\.\d+)?$/.test(c.key)).map((c) => c.key).sort();
  }
}

const [k1, k2] = [Keyring.generateEntry(), Keyring.generateEntry()];
const id1 = (await Keyring.fromConfig(k1)).primaryId;
const id2 = (await Keyring.fromConfig(k2)).primaryId;
const client = new Client();
const note = (i: number): string => `note ${i} from Node: ${'n'.repeat(1790)}`;

test('log in on Rust, read the session on Node', async () => {
  await startBoth(k1);
  const user = 'alice';
  const reg = await client.request('POST', '/register', { form: { username: user, password: 'correct horse', csrf_token: await client.csrf('/register') } });
  assert.equal(reg.status, 303, reg.text);
  const login = await client.request('POST', '/login', { form: { username: user, password: 'correct horse', csrf_token: await client.csrf('/login') } });
  assert.equal(login.status, 303, login.text);
  const rustView = await client.json('/whoami');
  const nodeView = await client.json('/node/whoami');
  assert.equal(rustView.user, user);
  assert.equal(nodeView.user, user);
  assert.equal(nodeView.session_id, rustView.session_id);
  assert.equal(nodeView.load_error, null);
  assert.equal(nodeView.opened_with, id1);
  assert.equal(rustView.opened_with, id1);
  assert.equal(nodeView.key_id, id1);
});

test('write on Node (an L session over three cookies, and a flash), read back on Rust', async () => {
  for (let i = 1; i <= 4; i++) {
    const r = await client.request('POST', '/node/notes', { json: { note: note(i) } });
    assert.equal(r.status, 200, r.text);
  }
  const flash = await client.request('POST', '/node/flash', { json: { message: 'Saved by the Node server' } });
  assert.equal(flash.status, 200, flash.text);
  assert.deepEqual(await client.sessionCookies(), ['session', 'session.1', 'session.2']);
  const rustView = await client.json('/whoami');
  assert.equal(rustView.notes, 4);
  assert.equal(rustView.cookie_count, 3);
  assert.equal(rustView.load_error, null);
  // The demo's page shows the flash once, and Node's notes in order.
  const page = await client.request('GET', '/');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes('Saved by the Node server'), 'the flash is shown');
  assert.ok(page.text.indexOf('note 1 from Node') < page.text.indexOf('note 4 from Node'));
  assert.ok(!(await client.request('GET', '/')).text.includes('Saved by the Node server'), 'shown once');
  // A write on Rust (a fifth note via the demo's form) is read on Node.
  const token = await client.csrf('/');
  const add = await client.request('POST', '/notes', { form: { note: 'from Rust', csrf_token: token } });
  assert.equal(add.status, 303, add.text);
  const nodeView = await client.json('/node/whoami');
  assert.equal(nodeView.notes, 5);
  assert.equal(nodeView.cookie_count, 3);
  assert.equal(nodeView.user, 'alice');
});

test('rotate keys (add, then promote): both keep opening, and each opens what the other re-sealed', async () => {
  // Step 1, add: the new key second everywhere; the old one still seals.
  await startBoth(`${k1}\n${k2}`);
  assert.equal((await client.json('/whoami')).opened_with, id1);
  assert.equal((await client.json('/node/whoami')).opened_with, id1);
  // Step 2, promote: Node re-seals the session with the new key...
  await startBoth(`${k2}\n${k1}`);
  const nodeView = await client.json('/node/whoami');
  assert.equal(nodeView.opened_with, id1);
  assert.equal(nodeView.key_id, id2);
  // ...which the Rust side opens with it.
  const rustView = await client.json('/whoami');
  assert.equal(rustView.opened_with, id2);
  assert.equal(rustView.user, 'alice');
  assert.equal(rustView.notes, 5);
  // Step 3, retire: only the new key; the session lives on.
  await startBoth(k2);
  assert.equal((await client.json('/node/whoami')).user, 'alice');
  assert.equal((await client.json('/whoami')).user, 'alice');
});

test('a tampered cookie is refused by both, with the same outcome', async () => {
  const cookies = await client.jar.getCookies(base);
  // The same tampered cookies in two jars, one per side: each side answers
  // a refused cookie by deleting it.
  const tampered = async (): Promise<Client> => {
    const c = new Client();
    for (const { key, value } of cookies) {
      const v = key === 'session.1' ? value.slice(0, 100) + (value[100] === 'A' ? 'B' : 'A') + value.slice(101) : value;
      await c.jar.setCookie(`${key}=${v}; Path=/`, base);
    }
    return c;
  };
  const [toRust, toNode] = [await tampered(), await tampered()];
  assert.deepEqual(await toRust.sessionCookies(), ['session', 'session.1', 'session.2']);
  const rustView = await toRust.json('/whoami');
  const nodeView = await toNode.json('/node/whoami');
  assert.equal(rustView.user, null);
  assert.equal(nodeView.user, null);
  assert.equal(rustView.is_new, true);
  assert.equal(nodeView.is_new, true);
  assert.equal(rustView.load_error, 'session cookie invalid');
  assert.equal(nodeView.load_error, 'invalid');
  // Both deleted the chunks the request carried (all three), and only those:
  // no deletion of a name the budget allows but the client did not send.
  const deleted = async (c: Client, path: string): Promise<string[]> => {
    const r = await fetch(base + path, { headers: { cookie: await c.jar.getCookieString(base + path) } });
    return r.headers
      .getSetCookie()
      .filter((l) => /^session(\.\d+)?=;/.test(l) && /Max-Age=0/i.test(l))
      .map((l) => l.slice(0, l.indexOf('=')))
      .sort();
  };
  const [again1, again2] = [await tampered(), await tampered()];
  assert.deepEqual(await deleted(again1, '/whoami'), ['session', 'session.1', 'session.2']);
  assert.deepEqual(await deleted(again2, '/node/whoami'), ['session', 'session.1', 'session.2']);
  assert.deepEqual(await toRust.sessionCookies(), []);
  assert.deepEqual(await toNode.sessionCookies(), []);
  // The untouched cookies still open on both.
  assert.equal((await client.json('/whoami')).user, 'alice');
  assert.equal((await client.json('/node/whoami')).user, 'alice');
});

test('an injected session beside the user\'s is a conflict on both sides; nothing is deleted, and the session opens again once it is gone', async () => {
  // The attacker's own, genuine session (logged in as mallory)...
  const attacker = new Client();
  const reg = await attacker.request('POST', '/register', { form: { username: 'mallory', password: 'correct horse', csrf_token: await attacker.csrf('/register') } });
  assert.equal(reg.status, 303, reg.text);
  const login = await attacker.request('POST', '/login', { form: { username: 'mallory', password: 'correct horse', csrf_token: await attacker.csrf('/login') } });
  assert.equal(login.status, 303, login.text);
  assert.equal((await attacker.json('/node/whoami')).user, 'mallory');
  const tossed = (await attacker.jar.getCookies(base)).find((c) => c.key === 'session')!.value;
  // ...set in the victim's jar on more specific paths (as a sibling
  // subdomain or a plain-HTTP page could): the jar sends it first.
  for (const path of ['/node', '/whoami']) await client.jar.setCookie(`session=${tossed}; Path=${path}`, base);
  const nodeView = await client.json('/node/whoami');
  const rustView = await client.json('/whoami');
  for (const view of [nodeView, rustView]) {
    assert.equal(view.user, null);
    assert.equal(view.is_new, true);
  }
  assert.equal(nodeView.load_error, 'conflict');
  assert.match(String(rustView.load_error), /ambiguous/);
  // Neither side deleted the user's cookies.
  assert.deepEqual(
    (await client.jar.getCookies(base)).filter((c) => c.path === '/' && /^session(\.\d+)?$/.test(c.key)).map((c) => c.key).sort(),
    ['session', 'session.1', 'session.2'],
  );
  // The injected cookies gone, the user's session opens again on both.
  for (const path of ['/node', '/whoami']) await client.jar.setCookie(`session=; Max-Age=0; Path=${path}`, base);
  assert.equal((await client.json('/node/whoami')).user, 'alice');
  assert.equal((await client.json('/whoami')).user, 'alice');
});
