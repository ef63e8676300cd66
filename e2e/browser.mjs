// Browser end-to-end test of the sealed-session demo, in Debian's headless
// Chromium driven by playwright-core (no browser download).
//
//   node browser.mjs http://127.0.0.1:PORT/ [http://localhost:PORT2/]
//
// The demo must run with a cookie budget of 12 KiB (`--cookie-budget 12288`)
// so the session can span three cookies. The optional second URL is a demo
// started with `--secure-cookies`. tests/e2e_browser.rs starts both.
// Writes a screenshot of the logged-in page to $ARTIFACTS/demo.png
// (default e2e/artifacts/), and to ../docs/demo.png when UPDATE_DOCS=1.

import assert from 'node:assert/strict';
import { mkdirSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const base = new URL(process.argv[2] ?? process.env.DEMO_URL ?? 'http://127.0.0.1:3000/');
const secureBase = process.argv[3] ? new URL(process.argv[3]) : null;
const artifacts = process.env.ARTIFACTS ?? join(here, 'artifacts');
const log = (...args) => console.error('[browser]', ...args);

const COOKIE = 'session';
const isSessionCookie = (c) => c.name === COOKIE || c.name.startsWith(`${COOKIE}.`);
const chunkIndex = (name) => (name === COOKIE ? 0 : Number(name.slice(COOKIE.length + 1)));

const browser = await launch('chromium-profile', {
  viewport: { width: 960, height: 720 },
  deviceScaleFactor: 1,
});
const { context } = browser;

async function sessionCookies() {
  const cookies = (await context.cookies(base.href)).filter(isSessionCookie);
  return cookies.sort((a, b) => chunkIndex(a.name) - chunkIndex(b.name));
}

async function expectChunks(count, when) {
  const cookies = await sessionCookies();
  const expected = Array.from({ length: count }, (_, i) => (i === 0 ? COOKIE : `${COOKIE}.${i}`));
  assert.deepEqual(cookies.map((c) => c.name), expected, `cookies ${when}`);
  // Exactly these: the jar holds no other cookie for the demo's origin.
  const all = (await context.cookies(base.href)).map((c) => c.name).sort();
  assert.deepEqual(all, [...expected].sort(), `all cookies ${when}`);
  for (const c of cookies) {
    assert.equal(c.httpOnly, true, `${c.name} HttpOnly ${when}`);
    assert.equal(c.sameSite, 'Lax', `${c.name} SameSite ${when}`);
    assert.equal(c.path, '/', `${c.name} Path ${when}`);
    assert.equal(c.domain, base.hostname, `${c.name} host-only ${when}`);
    // The demo speaks plain HTTP, so its cookies are not Secure (see
    // examples/demo/); every chunk has a Max-Age, i.e. an expiry.
    assert.equal(c.secure, false, `${c.name} Secure ${when}`);
    assert.ok(c.expires > Date.now() / 1000, `${c.name} expires ${when}`);
  }
  log(`${when}: ${cookies.map((c) => `${c.name} (${c.value.length} B)`).join(', ') || 'none'}`);
  return cookies;
}

const page = await context.newPage();
const text = async (selector) => (await page.locator(selector).innerText()).trim();
const pathOf = () => new URL(page.url()).pathname;

// Submits a form by clicking and waits for the page it leads to. The old
// document is marked first: after a POST that redirects back to the same
// URL, waiting for the URL alone would return before the new page loads.
async function submit(selector) {
  await page.evaluate(() => {
    window.__stale = true;
  });
  await page.click(selector);
  await page.waitForFunction(() => !window.__stale && document.readyState === 'complete');
}

try {
  // Anonymous: the index sends us to the login page.
  await page.goto(new URL('/', base).href);
  assert.equal(pathOf(), '/login');

  // Register, then log in.
  await page.click('text=No account yet? Register');
  assert.equal(pathOf(), '/register');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'correct horse battery');
  await submit('button[type=submit]');
  assert.equal(pathOf(), '/login');
  assert.match(await text('.flash'), /Account created for alice/);

  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'correct horse battery');
  await submit('button[type=submit]');
  assert.equal(pathOf(), '/');
  assert.equal(await text('h1'), 'Hello, alice');
  assert.equal(await text('.flash'), 'Welcome back, alice');
  await expectChunks(1, 'after login');

  // The flash shows once.
  await page.reload();
  assert.equal(await page.locator('.flash').count(), 0, 'flash shown twice');

  // A few short notes, and the screenshot of the logged-in page.
  for (const note of [
    'The whole session lives in these cookies, sealed with XAES-256-GCM.',
    'Three instances behind nginx share it: they only share SESSION_KEYS.',
    'Add long notes to watch it spread over more cookies.',
  ]) {
    await page.fill('textarea[name=note]', note);
    await submit('text=Add note');
  }
  await page.reload();
  assert.equal(await page.locator('ol.notes li').count(), 3);
  mkdirSync(artifacts, { recursive: true });
  const shot = join(artifacts, 'demo.png');
  await page.screenshot({ path: shot, fullPage: true });
  log(`screenshot: ${shot}`);
  if (process.env.UPDATE_DOCS === '1') {
    const docs = join(here, '..', 'docs', 'demo.png');
    mkdirSync(dirname(docs), { recursive: true });
    copyFileSync(shot, docs);
    log(`screenshot copied to ${docs}`);
  }

  // Long notes until the session spans three cookies.
  let n = 0;
  while ((await sessionCookies()).length < 3) {
    assert.ok(n < 40, 'the session never reached three cookies');
    const note = `long note ${n}: ` + 'sealed sessions travel in cookies. '.repeat(40);
    await page.fill('textarea[name=note]', note.slice(0, 1500));
    await submit('text=Add note');
    n += 1;
  }
  await page.reload();
  const three = await expectChunks(3, 'after the long notes');
  assert.equal(await text('#cookie-count'), '3');
  const sealed = Number(await text('#sealed-len'));
  assert.equal(sealed, three.reduce((sum, c) => sum + c.value.length, 0), 'sealed size shown');
  assert.equal(await page.locator('ol.notes li').count(), 3 + n);
  await page.screenshot({ path: join(artifacts, 'demo-three-cookies.png'), fullPage: true });

  // Shrink the session: the stale chunks are deleted.
  await submit('text=Clear notes');
  assert.equal(await text('.flash'), 'Notes cleared');
  await expectChunks(1, 'after clearing the notes');
  await page.reload();
  assert.equal(await page.locator('ol.notes li').count(), 0);
  assert.equal(await text('#cookie-count'), '1');

  // A forged cross-form POST (no CSRF token) is refused.
  const forged = await page.request.post(new URL('/notes', base).href, {
    form: { note: 'forged' },
    maxRedirects: 0,
  });
  assert.equal(forged.status(), 403);
  assert.match(await forged.text(), /id="csrf-reason">missing-token</);

  // Every form carries a masked token, different on every render.
  const tokens = await page.locator('input[name=csrf_token]').evaluateAll((els) => els.map((e) => e.value));
  assert.ok(tokens.length >= 3, `token fields on the page: ${tokens.length}`);
  assert.ok(tokens.every((t) => /^[A-Za-z0-9_-]{86}$/.test(t)), 'tokens are 86 base64url characters');
  await page.reload();
  const reloaded = await page.locator('input[name=csrf_token]').first().inputValue();
  assert.ok(!tokens.includes(reloaded), 'a new mask per render');

  // A script of the page's own origin sends the token in the header.
  const scripted = await page.evaluate(async () => {
    const token = document.querySelector('input[name=csrf_token]').value;
    const res = await fetch('/notes', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': token },
      body: 'note=from+fetch',
      redirect: 'manual',
    });
    return res.type === 'opaqueredirect' ? 303 : res.status;
  });
  assert.equal(scripted, 303, 'fetch with the header token');
  await page.reload();
  assert.equal(await page.locator('ol.notes li').count(), 1);
  const leaked = await page.locator('input[name=csrf_token]').first().inputValue();

  // A form on another site posting to the demo, even with a valid (leaked)
  // token, is refused: Chromium says where it comes from.
  if (secureBase) {
    await page.goto(new URL('/login', secureBase).href);
    await page.evaluate(
      ([action, token]) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        form.id = 'attack';
        form.innerHTML = `<input name="note" value="cross-site"><input name="csrf_token" value="${token}">`;
        document.body.append(form);
      },
      [new URL('/notes', base).href, leaked],
    );
    const [attack] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => document.getElementById('attack').submit()),
    ]);
    assert.equal(attack.status(), 403, 'cross-site form post');
    assert.equal(await text('#csrf-reason'), 'cross-site');
    await page.goto(new URL('/', base).href);
    assert.equal(await page.locator('ol.notes li').count(), 1, 'the cross-site post added nothing');
    log('cross-site form with a leaked token: 403 cross-site');
  }

  // Logout: the session's cookies go away.
  await submit('text=Log out');
  assert.equal(pathOf(), '/login');
  assert.equal(await text('.flash'), 'Logged out');
  const after = await sessionCookies();
  assert.ok(after.every((c) => c.name === COOKIE), 'no chunk cookie after logout');
  // What may remain is a one-cookie anonymous session for the login form's
  // CSRF secret: it holds no user.
  const who = await (await page.request.get(new URL('/whoami', base).href)).json();
  assert.equal(who.user, null, 'logged out');
  assert.equal(who.notes, 0);
  await page.goto(new URL('/', base).href);
  assert.equal(pathOf(), '/login');
  log(`after logout: ${after.map((c) => c.name).join(', ') || 'no session cookie'}`);

  // Secure cookies over plain HTTP on localhost (a secure context for
  // Chromium): set, sent back, and the login works.
  if (secureBase) {
    await page.goto(new URL('/register', secureBase).href);
    await page.fill('input[name=username]', 'bob');
    await page.fill('input[name=password]', 'correct horse battery');
    await submit('button[type=submit]');
    await page.fill('input[name=username]', 'bob');
    await page.fill('input[name=password]', 'correct horse battery');
    await submit('button[type=submit]');
    assert.equal(await text('h1'), 'Hello, bob');
    const cookies = await context.cookies(secureBase.href);
    assert.deepEqual(cookies.map((c) => [c.name, c.secure, c.httpOnly, c.sameSite]), [
      // `--secure-cookies` also names the cookie `__Host-session`.
      [`__Host-${COOKIE}`, true, true, 'Lax'],
    ]);
    log(`--secure-cookies on ${secureBase.host}: Secure cookie kept and sent over http`);
  }
  log('all browser checks passed');
} catch (e) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
  log(`failed on ${page.url()}`);
  throw e;
} finally {
  await browser.close();
}
