// Cookie injection in a real browser: the cookies an attacker adds beside
// the user's, in Debian's headless Chromium driven by playwright-core.
//
//   node injection.mjs http://127.0.0.1:PORT PAGE COOKIES_JSON
//
// COOKIES_JSON is a list of `[name, value, path]` in creation order; an
// empty name makes an empty-name cookie (`=value`). The script sets each
// with `document.cookie` from a page of the origin, in order, then loads
// `PAGE/echo` (the Cookie header Chromium sends, as the server saw it) and
// `PAGE/whoami`, and prints both bodies as JSON on stdout.
// tests/injection_attacks.rs starts the server and compares.

import { launch } from './chromium.mjs';

const [base, page, cookiesJson] = process.argv.slice(2);
const cookies = JSON.parse(cookiesJson);
const browser = await launch('chromium-injection');
const { context } = browser;
try {
  const tab = await context.newPage();
  await tab.goto(`${base}/`);
  for (const [name, value, path] of cookies) {
    const pair = name === '' ? `=${value}` : `${name}=${value}`;
    await tab.evaluate((c) => { document.cookie = c; }, `${pair}; path=${path}`);
    // Distinct creation times.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const body = async (path) => {
    const response = await tab.goto(`${base}${path}`);
    return response.text();
  };
  const echo = await body(`${page}/echo`);
  const whoami = await body(`${page}/whoami`);
  console.log(JSON.stringify({ echo, whoami }));
} finally {
  await browser.close();
}
