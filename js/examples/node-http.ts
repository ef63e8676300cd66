// The smallest server: a visit counter and a flash on plain `node:http`.
//
//   npm run build && SESSION_KEYS="$(node -e "import('sealed-session').then(m => console.log(m.Keyring.generateEntry()))")" \
//     node dist/examples/node-http.js
//
// (From a checkout: `node dist/examples/node-http.js` generates a
// development key when SESSION_KEYS is unset.)

import { createServer } from 'node:http';
import { CookieStore, Keyring } from '../src/index.js';
import { withSessions } from '../src/node.js';

const keys = process.env.SESSION_KEYS ?? Keyring.generateEntry();
if (!process.env.SESSION_KEYS) console.error('SESSION_KEYS unset: a development key for this run only');
// Plain HTTP on loopback: `Secure` off for this demo only (the default is on).
const store = await CookieStore.create({ keyring: await Keyring.fromConfig(keys), secure: false });

const server = createServer(
  withSessions(store, (req, res, session) => {
    const visits = (session.get<number>('visits') ?? 0) + 1;
    session.set('visits', visits);
    const shown = session.flashes<string>();
    if (visits % 5 === 0) session.addFlash(`${visits} visits!`);
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(`visit ${visits}${shown.length ? `\n${shown.join('\n')}` : ''}\n`);
  }),
);
server.listen(Number(process.env.PORT ?? 3002), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
});
