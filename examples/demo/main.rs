//! The sealed-session demo: an axum app with registration, login, a
//! protected page, flash messages and notes that live in the session, its
//! forms guarded by the `csrf` feature (`CsrfLayer`, a token per render) — with
//! no Redis and no database for sessions. Run several instances with the same
//! `SESSION_KEYS` behind a load balancer and they share every session.
//!
//! ```sh
//! cargo run --example demo                 # then open http://127.0.0.1:3000
//! SESSION_KEYS="$(cargo run -q --features cli -- keygen)" cargo run --example demo -- --port 3001
//! ```
//!
//! Options (each also as an environment variable):
//!
//! - `--port N` / `PORT` (default 3000; `0` picks a free port). The demo
//!   prints `listening on http://127.0.0.1:PORT` once it accepts connections.
//! - `--keys-file PATH` / `SESSION_KEYS_FILE`: read the keyring from a key
//!   file (newest first) and keep reading it: a change to the file (written
//!   in place, renamed over it, or a Kubernetes secret update) or `SIGHUP`
//!   rotates the keys without a restart (`sealed_session::reload`).
//! - `SESSION_KEYS`: the keyring, in the config format (newest first), when
//!   there is no key file. When neither is set, a fresh development key is
//!   generated and sessions do not survive a restart.
//! - `--users FILE` / `USERS_FILE`: keep registered users and their
//!   "sign out of all devices" times in a file that instances on one
//!   machine share (default: in memory, per instance).
//! - `--redis URL` / `REDIS_URL`: keep accounts in Redis and sign-outs in
//!   a revocation list shared through Redis (`sealed_session::revocation`),
//!   for instances on several machines. `GET /revocation-status` shows the
//!   list's connection and counters.
//! - `--instance NAME` / `INSTANCE`: a name sent in the `X-Instance`
//!   response header and shown on the page.
//! - `--cookie-budget BYTES` / `COOKIE_BUDGET`: the size budget for all of
//!   a session's cookies (default 6144: at most 2 cookies).
//! - `--secure-cookies` / `SECURE_COOKIES=1`: mark the cookies `Secure` and
//!   name them `__Host-session` (SECURITY.md, "Cookie injection").
//!   The demo itself speaks plain HTTP, so by default its cookies are not
//!   `Secure`: browsers other than Chromium and Firefox, curl and HTTP
//!   client libraries do not send `Secure` cookies over `http://`. Behind an
//!   HTTPS proxy, turn it on (the library's default is `Secure`).

mod csrf;
mod errors;
mod handlers;
mod options;
mod pages;
mod shared;
mod signed_in;
mod users;

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post};
use sealed_session::axum::SessionLayer;
use sealed_session::csrf::axum::CsrfLayer;
use sealed_session::reload::KeyReloader;
use sealed_session::revocation::{RevocationList, RevocationOptions};
use sealed_session::{CookieStore, DEFAULT_MAX_AGE, Keyring, StoreError};

use handlers::{
    add_note, clear_notes, index, login, login_page, logout, register, register_page,
    revocation_status, sign_out_everywhere, whoami,
};
use options::Config;
use shared::{Accounts, SignOuts};
use users::Users;

/// The session keys the demo uses.
pub(crate) const USER: &str = "user";
pub(crate) const NOTES: &str = "notes";
/// The longest note accepted, in characters.
pub(crate) const MAX_NOTE: usize = 2000;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let config = Config::from_args()?;
    // The store's warnings and key reloads (`info`) on stderr.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();

    // A key file is watched; otherwise `SESSION_KEYS`, or (unset) a fresh
    // development key, with a warning on stderr.
    let keyring = match &config.keys_file {
        Some(path) => Keyring::from_file(path)?,
        None => Keyring::from_env_or_generate("SESSION_KEYS")?,
    };
    let primary = keyring.primary_id();
    let key_count = keyring.len();
    // With `Secure` cookies the name takes the `__Host-` prefix, which keeps
    // sibling subdomains and plain-HTTP pages from setting a cookie of that
    // name (SECURITY.md, "Cookie injection"); it requires `Secure`, so the
    // plain-HTTP default keeps a plain name.
    let name = if config.secure_cookies {
        "__Host-session"
    } else {
        "session"
    };
    let mut builder = CookieStore::builder(name, keyring)
        .with_secure(config.secure_cookies)
        .with_max_age(DEFAULT_MAX_AGE);
    if let Some(budget) = config.cookie_budget {
        builder = builder.with_size_limit(budget);
        // An explicit budget is the operator's choice: past about 8 KiB it
        // needs every hop configured for the longer Cookie header (the
        // end-to-end tests' nginx is), so the demo says so and opts in.
        if let Err(e @ StoreError::CookieHeaderTooLarge { .. }) = builder.clone().build() {
            eprintln!("demo: --cookie-budget {budget}: {e}; opting in");
            builder = builder.allow_large_cookie_header();
        }
    }
    // Sign-outs: the users file as before, or a revocation list (in this
    // process, or shared through Redis) that the store itself checks.
    let revocation = RevocationOptions::new(DEFAULT_MAX_AGE);
    let (accounts, sign_outs) = match (&config.redis_url, &config.users_file) {
        (Some(url), _) => (
            shared::redis_accounts(url).await?,
            SignOuts::List(RevocationList::redis(url, revocation).await?),
        ),
        (None, Some(_)) => (Accounts::Local, SignOuts::File),
        (None, None) => (
            Accounts::Local,
            SignOuts::List(RevocationList::in_process(revocation)),
        ),
    };
    if let SignOuts::List(list) = &sign_outs {
        builder =
            builder.with_revocation_check(list.check(|s| s.get::<String>(USER).ok().flatten()));
    }
    let store = builder.build()?;
    // Rotation without a restart: the key file is re-read when it changes
    // and on SIGHUP; a bad file is refused (logged) and the keys stay.
    let _reloader = match &config.keys_file {
        Some(path) => Some(KeyReloader::builder(path).store(&store).start()?),
        None => None,
    };

    let app = Arc::new(App {
        users: Users {
            file: config.users_file.clone(),
            memory: Mutex::new(HashMap::new()),
            signed_out: Mutex::new(HashMap::new()),
        },
        accounts,
        sign_outs,
        instance: config.instance.clone(),
        budget: store.size_limit(),
    });
    let instance_header = HeaderValue::from_str(&config.instance)?;

    let router = Router::new()
        .route("/", get(index))
        .route("/register", get(register_page).post(register))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/sign-out-everywhere", post(sign_out_everywhere))
        .route("/notes", post(add_note))
        .route("/notes/clear", post(clear_notes))
        .route("/whoami", get(whoami))
        .route("/revocation-status", get(revocation_status))
        .with_state(app)
        // Inside the session layer: it checks the request's session.
        .layer(CsrfLayer::new())
        .layer(SessionLayer::new(store))
        .layer(axum::middleware::map_response(csrf::render_refusal))
        .layer(axum::middleware::map_response(move |mut res: Response| {
            let value = instance_header.clone();
            async move {
                res.headers_mut().insert("x-instance", value);
                res
            }
        }));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    let addr = listener.local_addr()?;
    eprintln!(
        "instance {:?}: {key_count} session key(s), sealing with key id {primary}; Secure cookies {}; users {}",
        config.instance,
        if config.secure_cookies {
            "on"
        } else {
            "off (plain-HTTP demo)"
        },
        match (&config.redis_url, &config.users_file) {
            (Some(_), _) => "and sign-outs in Redis".to_owned(),
            (None, Some(path)) => format!("in {}", path.display()),
            (None, None) => "in memory".to_owned(),
        }
    );
    if let Some(path) = &config.keys_file {
        eprintln!(
            "keys from {}: reloaded when it changes and on SIGHUP",
            path.display()
        );
    }
    // Tests read this line to learn the port when started with `--port 0`.
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(listener, router).await?;
    Ok(())
}

/// What every handler shares.
pub(crate) struct App {
    pub(crate) users: Users,
    pub(crate) accounts: Accounts,
    pub(crate) sign_outs: SignOuts,
    pub(crate) instance: String,
    pub(crate) budget: usize,
}
