// The node:http integration on a real server on loopback: the session is
// saved when the response ends, Vary is set, the header transport answers
// in the header only, and a session too large for the budget gives a 500
// with no cookie (the client keeps its previous one).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CookieStore, Keyring, StoreConfigError } from '../src/index.js';
import { sessions, withSessions } from '../src/node.js';

const keyring = await Keyring.fromConfig(Keyring.generateEntry());
const store = await CookieStore.create({ keyring, secure: false, sizeLimit: 512, header: 'x-session' });

const server: Server = createServer(
  withSessions(store, async (req, res, session) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/big') session.set('big', 'x'.repeat(2000));
    const n = (session.get<number>('n') ?? 0) + 1;
    session.set('n', n);
    // Ends through writeHead + end, as many handlers do.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(String(n));
  }),
);
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => new Promise((ok) => server.close(ok)));

test('cookies: saved as the response ends, with Vary: Cookie', async () => {
  const first = await fetch(`${base}/`);
  assert.equal(await first.text(), '1');
  assert.equal(first.headers.get('vary'), 'Cookie');
  const lines = first.headers.getSetCookie();
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^session=[A-Za-z0-9_-]+; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/);
  const cookie = lines[0]!.split(';')[0]!;
  const second = await fetch(`${base}/`, { headers: { cookie } });
  assert.equal(await second.text(), '2');
  // Too large: a 500, and no Set-Cookie at all.
  const big = await fetch(`${base}/big`, { headers: { cookie } });
  assert.equal(big.status, 500);
  assert.deepEqual(big.headers.getSetCookie(), []);
  assert.equal(await (await fetch(`${base}/`, { headers: { cookie } })).text(), '2');
});

test('header transport: answered in the header only, with Vary naming it', async () => {
  const first = await fetch(`${base}/`, { headers: { 'x-session': '' } });
  assert.equal(await first.text(), '1');
  assert.deepEqual(first.headers.getSetCookie(), []);
  assert.equal(first.headers.get('vary'), 'x-session');
  const value = first.headers.get('x-session');
  assert.ok(value && value.length > 40);
  const second = await fetch(`${base}/`, { headers: { 'x-session': value } });
  assert.equal(await second.text(), '2');
});

test('a bound store is refused by the integration (it opens only beside its primary session)', async () => {
  const flow = await CookieStore.create({ keyring, name: 'flow', secure: false, boundTo: 'session' });
  assert.throws(() => sessions(flow), StoreConfigError);
  assert.throws(() => withSessions(flow, () => {}), /bound to "session"/);
});
