// An Express server that shares sessions with the Rust demo
// (`cargo run --example demo`): same SESSION_KEYS, same cookie name and
// attributes, behind one origin (README "Sharing sessions with Node").
// A user logs in on the Rust side; these routes read and write the same
// session, and the Rust side sees what they wrote.
//
//   SESSION_KEYS=... COOKIE_BUDGET=12288 PORT=3001 node dist/examples/express.js
//
// Routes (under /node/, which the load balancer sends here):
//   GET  /node/whoami  what this side sees of the session, as JSON
//   POST /node/notes   {"note": "..."}: appends to the demo's `notes`
//   POST /node/flash   {"message": "..."}: a flash the demo shows once
//
// Writes take JSON only: a cross-site form cannot send
// `Content-Type: application/json` without a CORS preflight, which this
// server never answers, and the cookie is SameSite=Lax (CSRF).

import express, { type Request, type Response } from 'express';
import { CookieStore, Keyring, SaveError, type Session } from '../src/index.js';
import { sessions } from '../src/node.js';

const keys = process.env.SESSION_KEYS;
if (!keys) throw new Error('set SESSION_KEYS to the Rust demo\'s keys');
const keyring = await Keyring.fromConfig(keys);
// The demo's cookie: `session`, not Secure (it speaks plain HTTP), HttpOnly,
// SameSite=Lax, Path=/; the same budget as the demo's --cookie-budget.
const store = await CookieStore.create({
  keyring,
  name: 'session',
  secure: false,
  sizeLimit: Number(process.env.COOKIE_BUDGET ?? 6144),
});

const app = express();
app.use(express.json({ limit: '64kb' }));
app.use(sessions(store));

const sessionOf = (req: Request): Session => (req as Request & { session: Session }).session;
const json = (req: Request): boolean => req.is('application/json') === 'application/json';

app.get('/node/whoami', (req, res) => {
  const session = sessionOf(req);
  res.json({
    user: session.get<string>('user') ?? null,
    session_id: session.id,
    is_new: session.isNew,
    load_error: session.loadError,
    opened_with: session.openedWith,
    cookie_count: session.cookieCount,
    sealed_len: session.sealedLength,
    notes: (session.get<string[]>('notes') ?? []).length,
    key_id: keyring.primaryId,
  });
});

function signedIn(req: Request, res: Response): Session | null {
  const session = sessionOf(req);
  if (typeof session.get('user') !== 'string') {
    res.status(401).json({ error: 'log in on the demo first' });
    return null;
  }
  if (!json(req)) {
    res.status(415).json({ error: 'send JSON' });
    return null;
  }
  return session;
}

app.post('/node/notes', (req, res) => {
  const session = signedIn(req, res);
  if (!session) return;
  const note = typeof req.body?.note === 'string' ? req.body.note.trim() : '';
  if (note.length === 0 || note.length > 2000) {
    res.status(422).json({ error: 'a note has 1 to 2000 characters' });
    return;
  }
  const notes = session.get<string[]>('notes') ?? [];
  session.set('notes', [...notes, note]);
  res.json({ notes: notes.length + 1 });
});

app.post('/node/flash', (req, res) => {
  const session = signedIn(req, res);
  if (!session) return;
  const message = typeof req.body?.message === 'string' ? req.body.message : '';
  if (message.length === 0 || message.length > 500) {
    res.status(422).json({ error: 'a message has 1 to 500 characters' });
    return;
  }
  session.addFlash(message);
  res.json({ ok: true });
});

// A save that does not fit the budget is answered by the middleware (500,
// no cookie set: the browser keeps its session); say so in the log.
app.use((error: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
  if (error instanceof SaveError) console.error(error.message);
  next(error);
});

const server = app.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  const address = server.address();
  // Tests read this line to learn the port when started with PORT=0.
  if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
  console.error(`sealing with key id ${keyring.primaryId} (${keyring.length} key(s))`);
});
