//! Configuration errors: why a key pair, a keyring or a key configuration
//! could not be built. They are the operator's or programmer's to fix, so
//! they are precise (documented enums with hand-written messages) and never
//! carry key material.

use std::fmt;

use super::algorithm::Algorithm;
use super::key_id::KeyId;
use super::limits::{BLOCK_KEY_LEN, MAX_HASH_KEY_LEN, MAX_KEY_PAIRS, MIN_HASH_KEY_LEN};

/// Why a key pair or keyring could not be built.
///
/// ```
/// use sealed_session::{Algorithm, KeyError, KeyPair};
///
/// let err = KeyPair::new(b"too short", None, Algorithm::HmacSha256).unwrap_err();
/// assert_eq!(err, KeyError::HashKeyTooShort { len: 9 });
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The hash key is shorter than 32 bytes.
    HashKeyTooShort {
        /// Its length in bytes.
        len: usize,
    },
    /// The hash key is longer than 512 bytes.
    HashKeyTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The block key is not exactly 32 bytes.
    BlockKeyLength {
        /// Its length in bytes.
        len: usize,
    },
    /// An encrypting algorithm was configured without a block key.
    MissingBlockKey {
        /// The algorithm that needs one.
        algorithm: Algorithm,
    },
    /// A sign-only pair was given a block key.
    UnexpectedBlockKey,
    /// No key pairs at all.
    Empty,
    /// More than 256 key pairs.
    TooManyKeys {
        /// How many were given.
        len: usize,
    },
    /// Two pairs derive the same key id (in practice: the same keys twice).
    DuplicateKeyId {
        /// The colliding id.
        id: KeyId,
        /// The 1-based position of the first pair.
        first: usize,
        /// The 1-based position of the second pair.
        second: usize,
    },
    /// A key's bytes are plainly not random: all zeros (a buffer a failed
    /// key-management call never filled), few distinct bytes, a repeated
    /// pattern, a counting sequence, or printable text such as a password.
    WeakKey {
        /// Which key: `"hash key"` or `"block key"`.
        field: &'static str,
        /// What gave it away.
        reason: &'static str,
    },
    /// [`Keyring::from_pairs`](crate::Keyring::from_pairs) got an odd number
    /// of keys for an encrypting algorithm: a lone hash key is never read as
    /// a sign-only pair (pass [`Algorithm::HmacSha256`] for those).
    OddKeyCount {
        /// How many keys were given.
        len: usize,
    },
    /// The operating system's random source failed.
    Random,
    /// HKDF refused an output length (not reachable with the lengths used).
    Derivation,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::HashKeyTooShort { len } => write!(
                f,
                "hash key is {len} bytes; it must be at least {MIN_HASH_KEY_LEN} bytes"
            ),
            KeyError::HashKeyTooLong { len } => write!(
                f,
                "hash key is {len} bytes; it must be at most {MAX_HASH_KEY_LEN} bytes"
            ),
            KeyError::BlockKeyLength { len } => write!(
                f,
                "block key is {len} bytes; it must be exactly {BLOCK_KEY_LEN} bytes"
            ),
            KeyError::MissingBlockKey { algorithm } => {
                write!(f, "{algorithm} encrypts and needs a 32-byte block key")
            }
            KeyError::UnexpectedBlockKey => {
                f.write_str("a sign-only (hmac-sha256) pair takes no block key")
            }
            KeyError::Empty => f.write_str("no key pairs: a keyring needs at least one"),
            KeyError::TooManyKeys { len } => {
                write!(f, "{len} key pairs; at most {MAX_KEY_PAIRS} are allowed")
            }
            KeyError::DuplicateKeyId { id, first, second } => write!(
                f,
                "key pairs {first} and {second} have the same key id {id} (the same keys listed twice?)"
            ),
            KeyError::WeakKey { field, reason } => write!(
                f,
                "the {field} is not random ({reason}); generate one with `sealed-session keygen`"
            ),
            KeyError::OddKeyCount { len } => write!(
                f,
                "{len} keys for an encrypting algorithm: give hash and block keys in pairs (sign-only pairs only with Algorithm::HmacSha256)"
            ),
            KeyError::Random => f.write_str("the operating system's random source failed"),
            KeyError::Derivation => f.write_str("key derivation failed"),
        }
    }
}

impl std::error::Error for KeyError {}

/// What is wrong with one entry of a key configuration.
///
/// ```
/// use sealed_session::{ConfigErrorKind, Keyring};
///
/// let err = Keyring::from_config("hmac-sha256:not base64!").unwrap_err();
/// assert!(matches!(err.kind(), ConfigErrorKind::BadBase64 { field: "hash key" }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// A key is not valid base64.
    BadBase64 {
        /// Which key: `"hash key"` or `"block key"`.
        field: &'static str,
    },
    /// An entry names an algorithm but no key.
    MissingHashKey,
    /// An entry has more than `algorithm:hash:block`.
    TooManyFields,
    /// An entry is a lone key: sign-only pairs must be named
    /// (`hmac-sha256:<hash key>`), so a missing block key never silently
    /// makes sessions readable.
    MissingAlgorithm,
    /// An entry has three fields and the first is not an algorithm name.
    UnknownAlgorithm,
    /// A key decodes to bytes that are plainly not random (a placeholder
    /// such as 43 `A`s, a repeated pattern, a counting sequence, or
    /// printable text such as a password).
    WeakKey {
        /// Which key: `"hash key"` or `"block key"`.
        field: &'static str,
        /// What gave it away.
        reason: &'static str,
    },
    /// The keys decoded but do not make a valid pair or keyring.
    Key(KeyError),
    /// The environment variable is unset or not UTF-8.
    MissingVariable(String),
    /// The environment variable is set but empty or only blanks:
    /// [`Keyring::from_env_or_generate`](crate::Keyring::from_env_or_generate)
    /// never replaces it with a fresh key.
    BlankVariable(String),
    /// The environment variable is unset and this is a release build:
    /// [`Keyring::from_env_or_generate`](crate::Keyring::from_env_or_generate)
    /// falls back to a fresh key there only with
    /// [`ALLOW_GENERATED_KEY_VAR`](crate::ALLOW_GENERATED_KEY_VAR) set to `1`.
    GeneratedKeyInRelease(String),
    /// The key file could not be read.
    Io(String),
}

/// A key configuration could not be parsed: which entry, and why.
///
/// Never contains key material.
///
/// ```
/// let err = sealed_session::Keyring::from_config("hmac-sha256").unwrap_err();
/// assert_eq!(err.entry(), 1);
/// assert_eq!(err.to_string(), "key entry 1: an algorithm but no hash key");
/// ```
///
/// Its `Debug` form leads with the same message, so `fn main() -> Result<(),
/// Box<dyn Error>>` (which prints the error's `Debug`) tells the operator what
/// to fix rather than a struct dump:
///
/// ```
/// let err = sealed_session::Keyring::from_config("hmac-sha256").unwrap_err();
/// assert!(format!("{err:?}").starts_with("key entry 1: an algorithm but no hash key"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigError {
    entry: usize,
    kind: ConfigErrorKind,
}

impl ConfigError {
    pub(crate) fn new(entry: usize, kind: ConfigErrorKind) -> Self {
        ConfigError { entry, kind }
    }

    /// The 1-based entry at fault, counting only non-blank, non-comment
    /// entries; `0` when the fault is not one entry's (no entries at all).
    ///
    /// ```
    /// let err = sealed_session::Keyring::from_config("").unwrap_err();
    /// assert_eq!(err.entry(), 0);
    /// ```
    #[must_use]
    pub fn entry(&self) -> usize {
        self.entry
    }

    /// What is wrong.
    ///
    /// ```
    /// use sealed_session::{ConfigErrorKind, KeyError};
    /// let err = sealed_session::Keyring::from_config("").unwrap_err();
    /// assert_eq!(err.kind(), &ConfigErrorKind::Key(KeyError::Empty));
    /// ```
    #[must_use]
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self} (entry: {}, kind: {:?})", self.entry, self.kind)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entry > 0 {
            write!(f, "key entry {}: ", self.entry)?;
        } else {
            f.write_str("key configuration: ")?;
        }
        match &self.kind {
            ConfigErrorKind::BadBase64 { field } => {
                write!(f, "{field} is not valid base64")
            }
            ConfigErrorKind::MissingHashKey => f.write_str("an algorithm but no hash key"),
            ConfigErrorKind::TooManyFields => {
                f.write_str("too many ':'-separated fields (expected algorithm:hash[:block])")
            }
            ConfigErrorKind::MissingAlgorithm => f.write_str(
                "a lone key: name the algorithm (hmac-sha256:<key> for a sign-only pair, whose sessions the client can read) or add a block key",
            ),
            ConfigErrorKind::UnknownAlgorithm => f.write_str(
                "unknown algorithm (expected xaes-256-gcm, xchacha20-poly1305, aes-256-gcm or hmac-sha256)",
            ),
            ConfigErrorKind::WeakKey { field, reason } => write!(
                f,
                "the {field} is not random ({reason}); generate one with `sealed-session keygen`"
            ),
            ConfigErrorKind::Key(e) => fmt::Display::fmt(e, f),
            ConfigErrorKind::MissingVariable(var) => {
                write!(f, "environment variable {var} is not set (or not UTF-8)")
            }
            ConfigErrorKind::BlankVariable(var) => write!(
                f,
                "environment variable {var} is set but blank; set it to the session keys (e.g. from `sealed-session keygen`)"
            ),
            ConfigErrorKind::GeneratedKeyInRelease(var) => write!(
                f,
                "environment variable {var} is not set, and a release build does not fall back to a fresh key (every restart would log everyone out); set {var}, or {} to 1 outside production",
                crate::ALLOW_GENERATED_KEY_VAR
            ),
            ConfigErrorKind::Io(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ConfigErrorKind::Key(e) => Some(e),
            _ => None,
        }
    }
}
