#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod envelope;
mod error;
mod keyring;
mod payload;
mod rng;

pub use error::{ConfigError, ConfigErrorKind, KeyError, LoadError};
pub use keyring::{
    Algorithm, BLOCK_KEY_LEN, KeyId, KeyPair, Keyring, MAX_HASH_KEY_LEN, MAX_KEY_PAIRS,
    MIN_HASH_KEY_LEN, UnknownAlgorithm,
};
