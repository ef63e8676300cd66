#![doc = include_str!("../README.md")]
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

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
#[cfg(test)]
mod tests;

pub use error::LoadError;
pub use keyring::{
    Algorithm, BLOCK_KEY_LEN, ConfigError, ConfigErrorKind, KeyError, KeyId, KeyPair, Keyring,
    MAX_HASH_KEY_LEN, MAX_KEY_PAIRS, MIN_HASH_KEY_LEN, UnknownAlgorithm,
};
pub use observe::StoreStats;
pub use session::{DEFAULT_FLASH_BUCKET, Session, SessionId, ValueError};
pub use store::{
    CookieStore, CookieStoreBuilder, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, DEFAULT_SIZE_LIMIT,
    HeaderUpdate, MAX_CLOCK_SKEW, MAX_COOKIE_LEN, MIN_SIZE_LIMIT, PrepareError, ResponseSession,
    SameSite, SaveError, StoreError,
};
