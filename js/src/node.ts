// Sessions for Node's `http` servers and for Connect-style middleware
// stacks (Express): the session is loaded before the handler runs and saved
// just before the response goes out, whatever ends it (`res.end`, Express's
// `res.send`, `res.redirect`, ...). Import from `sealed-session/node`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CookieStore } from './store.js';
import { StoreConfigError } from './options.js';
import type { Session } from './session.js';

/** A request that carries its session (set by `sessions`). */
export interface WithSession {
  session: Session;
}

// A bound store's sessions open only beside their primary session
// (`loadBound`): loaded here on their own, every one would be refused.
function unbound(store: CookieStore): CookieStore {
  if (store.boundTo !== null) {
    throw new StoreConfigError(`store ${JSON.stringify(store.name)} is bound to ${JSON.stringify(store.boundTo)}: load it with loadBound beside that store's session`);
  }
  return store;
}

function appendVary(res: ServerResponse, field: string): void {
  const vary = res.getHeader('vary');
  const list = vary === undefined ? [] : String(vary).split(',').map((v) => v.trim()).filter(Boolean);
  if (!list.some((v) => v.toLowerCase() === field.toLowerCase())) res.setHeader('Vary', [...list, field].join(', '));
}

/**
 * Loads the request's session: from the store's transport header when the
 * request carries it (even empty), else from its cookies.
 */
export function loadSession(store: CookieStore, req: IncomingMessage): Promise<Session> {
  const header = store.headerName;
  if (header !== null && req.headers[header] !== undefined) {
    const v = req.headers[header];
    return store.loadHeader(Array.isArray(v) ? v.join(',') : v);
  }
  return store.load(req.headers.cookie);
}

/**
 * Saves `session` into `res`'s headers: `Set-Cookie` lines (appended to any
 * already set) and `Vary: Cookie`, or the transport header and `Vary` naming
 * it. Call before the headers are sent.
 *
 * @throws {SaveError} when the session is too large; nothing is set then, so
 * the client keeps its previous cookies.
 */
export async function saveSession(store: CookieStore, req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> {
  const header = store.headerName;
  if (header !== null && req.headers[header] !== undefined) {
    const answer = await store.saveHeader(session);
    appendVary(res, header);
    if (answer === 'clear') res.setHeader(header, '');
    else if (answer !== 'unchanged') res.setHeader(header, answer.set);
    return;
  }
  const lines = await store.save(session);
  appendVary(res, 'Cookie');
  if (lines.length === 0) return;
  const existing = res.getHeader('set-cookie');
  const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...before, ...lines]);
}

/**
 * Middleware (`(req, res, next)`, as Express and Connect call it): sets
 * `req.session` and saves it when the response ends. A handler that streams
 * with `res.write` before ending must `await saveSession(...)` first: once
 * the headers are out, no cookie can be set.
 *
 * A save that fails (the session too large) turns the response into a 500
 * with nothing of the session set, unless headers were already sent.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { sessions } from 'sealed-session/node';
 * const app = express();
 * app.use(sessions(store));
 * app.get('/', (req, res) => {
 *   const n = (req.session.get<number>('n') ?? 0) + 1;
 *   req.session.set('n', n);
 *   res.send(`visit ${n}`);
 * });
 * ```
 *
 * @throws {StoreConfigError} for a bound store (option `boundTo`): load
 * it with `loadBound` beside its primary store's session.
 */
export function sessions(store: CookieStore) {
  unbound(store);
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    loadSession(store, req).then((session) => {
      (req as IncomingMessage & WithSession).session = session;
      deferEnd(res, () => saveSession(store, req, res, session));
      next();
    }, next);
  };
}

/**
 * A `node:http` request listener that hands `handler` the request's session
 * and saves it when the response ends (or when the handler returns, if it
 * did not end the response).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { withSessions } from 'sealed-session/node';
 * createServer(withSessions(store, (req, res, session) => {
 *   session.set('seen', true);
 *   res.end('hello');
 * })).listen(3000);
 * ```
 *
 * @throws {StoreConfigError} for a bound store (option `boundTo`): load
 * it with `loadBound` beside its primary store's session.
 */
export function withSessions(
  store: CookieStore,
  handler: (req: IncomingMessage, res: ServerResponse, session: Session) => void | Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  unbound(store);
  return async (req, res) => {
    const session = await loadSession(store, req);
    deferEnd(res, () => saveSession(store, req, res, session));
    try {
      await handler(req, res, session);
      if (!res.writableEnded) res.end();
    } catch (error) {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('internal error');
      }
      throw error;
    }
  };
}

// Holds `writeHead` and `end` until `save` has set the session's headers.
function deferEnd(res: ServerResponse, save: () => Promise<void>): void {
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  let held: unknown[] | null = null;
  let saving = false;
  res.writeHead = ((...args: unknown[]) => {
    if (saving || res.headersSent) return writeHead(...args);
    held = args;
    return res;
  }) as typeof res.writeHead;
  res.end = ((...args: unknown[]) => {
    if (saving) return res;
    saving = true;
    save().then(
      () => {
        if (held) writeHead(...held);
        end(...args);
      },
      (error: unknown) => {
        if (res.headersSent) {
          end(...args);
          return;
        }
        // Nothing of the session was set: the client keeps its cookies.
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        end(`session not saved: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return res;
  }) as typeof res.end;
}
