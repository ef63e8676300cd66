//! Stateless, encrypted cookie sessions.
//!
//! The whole session — a map of typed values, flash messages, its id and its
//! lifetimes — travels in the client's cookies, sealed with an AEAD
//! (XAES-256-GCM by default) under a rotating keyring. Any number of server
//! instances share sessions with no Redis, no database and no sticky load
//! balancer: they only share the key configuration.
//!
//! ```
//! use sealed_session::{CookieStore, Keyring};
//! use std::time::Duration;
//!
//! // Keys come from configuration, newest first: the first pair seals,
//! // every pair opens.
//! # let config = Keyring::generate_entry(Default::default())?;
//! # /*
//! let config = std::env::var("SESSION_KEYS")?;
//! # */
//! let keyring = Keyring::from_config(&config)?;
//! let store = CookieStore::builder("__Host-session", keyring)
//!     .with_max_age(Duration::from_secs(12 * 3600))
//!     .with_idle_timeout(Duration::from_secs(30 * 60))
//!     .build()?;
//!
//! // A request's `Cookie` header(s) in; a bad, forged or expired cookie
//! // gives a fresh session and a reason to log.
//! let mut session = store.load(None::<&str>);
//! let count: u32 = session.get("count")?.unwrap_or(0);
//! session.insert("count", &(count + 1))?;
//! session.add_flash("saved")?;
//! // `Set-Cookie` lines out: nothing when nothing changed.
//! for set_cookie in store.save(&mut session)? {
//!     println!("Set-Cookie: {set_cookie}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where to start
//!
//! - [`Keyring`]: keys from configuration text, an environment variable or a
//!   key file; [`CookieStore`] and its [`CookieStoreBuilder`]: cookie
//!   attributes, lifetimes, the size budget; [`Session`]: typed values,
//!   flashes, [`Session::begin_login`], [`Session::destroy`].
//! - A framework: [`axum`] (a tower layer and extractors),
//!   [`actix`] (middleware and extractors),
//!   [`rocket`] (a fairing and request guards), and
//!   [`csrf`] for tokens bound to the session. The labels on
//!   each item say which feature it needs.
//! - The README (in the package and the repository) walks through logging in
//!   and out, signing out of all devices, key rotation with the
//!   `sealed-session` CLI, testing handlers, and the calls of Go's
//!   gorilla/sessions and beego with their counterparts here.
//!
//! # Features
//!
//! | feature | adds | for |
//! |---|---|---|
//! | `axum` | `sealed_session::axum`: `SessionLayer`, `Session` and `Sessions` extractors | axum 0.8 / any tower service |
//! | `actix` | `sealed_session::actix`: `SessionMiddleware`, `Session` and `Sessions` extractors | actix-web 4 |
//! | `rocket` | `sealed_session::rocket`: `SessionFairing`, `Session` and `Sessions` request guards | Rocket 0.5 |
//! | `csrf` | `sealed_session::csrf`: tokens bound to the session, with a layer or middleware for each framework enabled beside it | any of the above |
//! | `tracing` | `tracing` events for load and save outcomes (never key bytes or values) | any |
//! | `cli` | the `sealed-session` binary: `keygen`, staged rotation, `check`, `inspect` | operators |
//!
//! The core ([`CookieStore`], [`Session`]) needs no feature and knows no
//! HTTP types: a `Cookie` header in, `Set-Cookie` lines out.
//!
//! # Security
//!
//! SECURITY.md (in the package) is the normative wire-format specification
//! and threat model; `test-vectors/v1` in the repository pins it. In short:
//! the algorithm is fixed by configuration, never by the cookie; subkeys are
//! derived with HKDF-SHA256 per cookie name and algorithm; the associated
//! data binds the name, key id and chunk count; opening fails opaquely
//! ([`LoadError`]); keys are zeroized on drop and never printed; the crate
//! has no `unsafe` code. Name the cookie `__Host-...` so no sibling
//! subdomain or plain-HTTP page can set a cookie beside the user's.
//!
//! # Limitations
//!
//! - A cookie holds at most 4096 bytes, and a request's cookies must stay
//!   under the header limits of every client, proxy and server on the way
//!   (commonly 8 KiB); the default budget is 6 KiB across all of a
//!   session's cookies ([`CookieStoreBuilder::with_size_limit`]).
//! - A copied cookie opens until the lifetime sealed in it runs out, also
//!   after a logout in the browser it was copied from: keep lifetimes short,
//!   and end copies earlier with [`CookieStoreBuilder::with_not_before`],
//!   [`CookieStoreBuilder::with_revocation_check`] or new keys.
//! - Two concurrent requests of one browser both start from the same
//!   cookies; the response that arrives last wins.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod chunk_set;
#[cfg(feature = "csrf")]
#[cfg_attr(docsrs, doc(cfg(feature = "csrf")))]
pub mod csrf;
mod envelope;
mod error;
#[cfg(any(feature = "axum", feature = "actix", feature = "rocket"))]
mod integrations;
mod keyring;
mod observe;
mod payload;
#[cfg(feature = "reload")]
#[cfg_attr(docsrs, doc(cfg(feature = "reload")))]
pub mod reload;
pub mod revocation;
mod rng;
mod session;
mod store;
mod wipe;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub use integrations::actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use integrations::axum;
#[cfg(feature = "rocket")]
#[cfg_attr(docsrs, doc(cfg(feature = "rocket")))]
pub use integrations::rocket;

// A raw sealer and a rejection oracle: only with the explicitly unstable
// feature (fuzz targets, benchmarks, this crate's tests), never by default.
#[cfg(feature = "unstable-internals")]
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
#[cfg(test)]
mod tests;

/// The README's code, compiled and run as doctests. Its snippets use every
/// framework, so they are tested with all the features (`.ci/test` runs
/// `cargo test --all-features`), and they are plain Rust with no hidden
/// lines, so the README reads the same on any Markdown viewer.
#[cfg(all(
    doctest,
    feature = "axum",
    feature = "actix",
    feature = "rocket",
    feature = "csrf",
    feature = "reload",
    feature = "redis"
))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use error::LoadError;
pub use keyring::{
    ALLOW_GENERATED_KEY_VAR, Algorithm, BLOCK_KEY_LEN, ConfigError, ConfigErrorKind, KeyError,
    KeyId, KeyPair, Keyring, MAX_HASH_KEY_LEN, MAX_KEY_PAIRS, MIN_HASH_KEY_LEN, UnknownAlgorithm,
};
pub use observe::StoreStats;
pub use session::{DEFAULT_FLASH_BUCKET, Session, SessionId, ValueError};
pub use store::{ANCHOR_KEY, BOUND_KEY};
pub use store::{
    COOKIE_HEADER_LIMIT, CookieStore, CookieStoreBuilder, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE,
    DEFAULT_SIZE_LIMIT, HeaderUpdate, MAX_CLOCK_SKEW, MAX_COOKIE_LEN, MIN_SIZE_LIMIT, PrepareError,
    ResponseSession, SameSite, SaveError, StoreError,
};
