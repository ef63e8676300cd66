//! The keyring: an ordered list of key pairs, newest first.
//!
//! The first pair seals; every pair opens. This is the `keyPairs...`
//! semantics of gorilla/sessions' `NewCookieStore`, so rotating keys is an
//! edit to a configuration list, not a code change.

mod algorithm;
#[cfg(any(test, feature = "reload"))]
mod compare;
mod env;
mod error;
mod key_id;
mod limits;

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use algorithm::{Algorithm, UnknownAlgorithm};
pub use env::ALLOW_GENERATED_KEY_VAR;
pub use error::{ConfigError, ConfigErrorKind, KeyError};
pub use key_id::KeyId;
pub use limits::{BLOCK_KEY_LEN, MAX_HASH_KEY_LEN, MAX_KEY_PAIRS, MIN_HASH_KEY_LEN};

/// The salt of the HKDF-Extract step; see SECURITY.md, "Key derivation".
pub(crate) const HKDF_SALT: &[u8] = b"sealed-session v1";
/// The HKDF-Expand label prefix of a key id.
const KEY_ID_LABEL: &[u8] = b"sealed-session v1;key-id;";

/// A hash (authentication) key: at least 32 bytes, zeroized on drop.
struct HashKey(Zeroizing<Vec<u8>>);

/// A block (encryption) key: exactly 32 bytes, zeroized on drop.
struct BlockKey(Zeroizing<[u8; BLOCK_KEY_LEN]>);

/// One key pair: a hash key, an optional block key and the algorithm they
/// are used with.
///
/// A pair without a block key is sign-only ([`Algorithm::HmacSha256`]), as in
/// gorilla/securecookie. Key bytes are zeroized on drop and never printed.
///
/// ```
/// use sealed_session::{Algorithm, KeyPair};
///
/// // 32 random bytes each, e.g. from a key-management service.
/// let (mut hash, mut block) = ([0u8; 32], [0u8; 32]);
/// getrandom::fill(&mut hash)?;
/// getrandom::fill(&mut block)?;
/// let pair = KeyPair::new(&hash, Some(&block), Algorithm::XChaCha20Poly1305)?;
/// assert_eq!(pair.algorithm(), Algorithm::XChaCha20Poly1305);
/// assert_eq!(format!("{pair:?}"), "KeyPair { algorithm: XChaCha20Poly1305, .. }");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct KeyPair {
    hash: HashKey,
    block: Option<BlockKey>,
    algorithm: Algorithm,
}

impl KeyPair {
    /// Builds a pair from raw key bytes.
    ///
    /// The keys must be random bytes: a key that is plainly a placeholder
    /// (all zeros, as a failed key-management call can leave a buffer; one
    /// byte repeated; a repeated pattern; a counting sequence; printable
    /// text such as a password) is refused, by the same rules as
    /// [`Keyring::from_config`]. A random key is refused with probability
    /// below 2^-45.
    ///
    /// # Errors
    ///
    /// [`KeyError`] if the hash key is shorter than 32 bytes, the block key is
    /// not 32 bytes, an encrypting algorithm has no block key, sign-only
    /// has one, or a key is a placeholder ([`KeyError::WeakKey`]).
    ///
    /// ```
    /// use sealed_session::{Algorithm, KeyError, KeyPair};
    ///
    /// let zeroed = [0u8; 32]; // e.g. a buffer a failed KMS call never filled
    /// let err = KeyPair::new(&zeroed, None, Algorithm::HmacSha256).unwrap_err();
    /// assert!(matches!(err, KeyError::WeakKey { field: "hash key", .. }));
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn new(
        hash_key: &[u8],
        block_key: Option<&[u8]>,
        algorithm: Algorithm,
    ) -> Result<Self, KeyError> {
        if hash_key.len() < MIN_HASH_KEY_LEN {
            return Err(KeyError::HashKeyTooShort {
                len: hash_key.len(),
            });
        }
        if hash_key.len() > MAX_HASH_KEY_LEN {
            return Err(KeyError::HashKeyTooLong {
                len: hash_key.len(),
            });
        }
        let block = match (block_key, algorithm.encrypts()) {
            (Some(b), true) => {
                let bytes: [u8; BLOCK_KEY_LEN] = b
                    .try_into()
                    .map_err(|_| KeyError::BlockKeyLength { len: b.len() })?;
                Some(BlockKey(Zeroizing::new(bytes)))
            }
            (None, false) => None,
            (None, true) => return Err(KeyError::MissingBlockKey { algorithm }),
            (Some(_), false) => return Err(KeyError::UnexpectedBlockKey),
        };
        // The configuration text's placeholder rule, for every constructor:
        // a zeroed buffer or a pasted placeholder must never become a key.
        for (field, key) in [("hash key", Some(hash_key)), ("block key", block_key)] {
            if let Some(reason) = key.and_then(placeholder) {
                return Err(KeyError::WeakKey { field, reason });
            }
        }
        Ok(KeyPair {
            hash: HashKey(Zeroizing::new(hash_key.to_vec())),
            block,
            algorithm,
        })
    }

    /// Generates a fresh pair for `algorithm` from the operating system's CSPRNG.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] if the operating system's random source fails.
    ///
    /// ```
    /// let pair = sealed_session::KeyPair::generate(Default::default())?;
    /// # let _ = pair;
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn generate(algorithm: Algorithm) -> Result<Self, KeyError> {
        let mut hash = Zeroizing::new([0u8; 32]);
        let mut block = Zeroizing::new([0u8; BLOCK_KEY_LEN]);
        // Configuration text refuses placeholder-looking keys, so a generated
        // entry must never be one: a real source yields one about once in
        // 2^45 draws, a broken one (all zeros) every time.
        for _ in 0..4 {
            getrandom::fill(hash.as_mut()).map_err(|_| KeyError::Random)?;
            getrandom::fill(block.as_mut()).map_err(|_| KeyError::Random)?;
            if placeholder(&hash[..]).is_none() && placeholder(&block[..]).is_none() {
                let block = algorithm.encrypts().then_some(&block[..]);
                return KeyPair::new(&hash[..], block, algorithm);
            }
        }
        Err(KeyError::Random)
    }

    /// The algorithm this pair seals and opens with.
    ///
    /// ```
    /// # let pair = sealed_session::KeyPair::generate(Default::default())?;
    /// assert_eq!(pair.algorithm(), sealed_session::Algorithm::Xaes256Gcm);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// This pair as one entry of the [`Keyring::from_config`] format.
    ///
    /// # Security
    ///
    /// The returned string **is the secret key**; it is zeroized when dropped.
    ///
    /// ```
    /// let pair = sealed_session::KeyPair::generate(Default::default())?;
    /// let entry = pair.to_config_entry();
    /// assert!(entry.starts_with("xaes-256-gcm:"));
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn to_config_entry(&self) -> Zeroizing<String> {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // The exact length up front: a `String` that grows while holding key
        // text leaves the old copy in freed memory, out of `Zeroizing`'s reach.
        let encoded = |n: usize| base64::encoded_len(n, false).unwrap_or(0);
        let len = self.algorithm.name().len()
            + 1
            + encoded(self.hash.0.len())
            + self.block.as_ref().map_or(0, |b| 1 + encoded(b.0.len()));
        let mut s = Zeroizing::new(String::with_capacity(len));
        s.push_str(self.algorithm.name());
        s.push(':');
        b64.encode_string(&self.hash.0[..], &mut s);
        if let Some(block) = &self.block {
            s.push(':');
            b64.encode_string(&block.0[..], &mut s);
        }
        s
    }

    /// HKDF-Extract over both keys: the pair's PRK (SECURITY.md, "Key derivation").
    fn extract(&self) -> (Prk, Hkdf<Sha256>) {
        // Length-prefix both keys so the (hash, block) boundary is unambiguous.
        let mut ikm = Zeroizing::new(Vec::with_capacity(4 + self.hash.0.len() + BLOCK_KEY_LEN));
        push_prefixed(&mut ikm, &self.hash.0);
        push_prefixed(&mut ikm, self.block.as_ref().map_or(&[][..], |b| &b.0[..]));
        let (mut raw, hkdf) = Hkdf::<Sha256>::extract(Some(HKDF_SALT), &ikm);
        let mut prk = Prk([0u8; 32]);
        prk.0.copy_from_slice(&raw);
        raw.as_mut_slice().zeroize();
        (prk, hkdf)
    }
}

fn push_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The derived secret of one key pair: its HKDF PRK, zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Prk([u8; 32]);

/// One keyring entry after derivation: id, algorithm and PRK. The raw keys
/// are not kept.
pub(crate) struct Entry {
    pub(crate) id: KeyId,
    pub(crate) algorithm: Algorithm,
    prk: Prk,
}

impl Entry {
    /// HKDF-Expand of this entry's PRK with `info` parts, into `out`.
    pub(crate) fn expand(&self, info: &[&[u8]], out: &mut [u8]) -> bool {
        Hkdf::<Sha256>::from_prk(&self.prk.0)
            .ok()
            .and_then(|h| h.expand_multi_info(info, out).ok())
            .is_some()
    }
}

/// An ordered list of key pairs, newest first: the first seals, all open.
///
/// Build it from configuration text ([`Keyring::from_config`]), from
/// [`KeyPair`]s, or from a flat list of byte strings the way gorilla's
/// `CodecsFromPairs` reads `keyPairs...`. Key ids are derived from the keys
/// and a keyring whose ids collide is refused at construction.
///
/// ```
/// use sealed_session::{Algorithm, Keyring};
///
/// let new = Keyring::generate_entry(Algorithm::Xaes256Gcm)?;
/// let old = Keyring::generate_entry(Algorithm::XChaCha20Poly1305)?;
/// let keyring = Keyring::from_config(&format!("{}\n{}", *new, *old))?;
/// assert_eq!(keyring.len(), 2);
/// assert_eq!(keyring.primary_algorithm(), Algorithm::Xaes256Gcm);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Keyring {
    entries: Vec<Entry>,
}

impl Keyring {
    /// Builds a keyring from pairs, newest first.
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] for no pairs, [`KeyError::TooManyKeys`] past
    /// [`MAX_KEY_PAIRS`], [`KeyError::DuplicateKeyId`] when two pairs derive
    /// the same id (the same keys listed twice, in practice).
    ///
    /// ```
    /// use sealed_session::{KeyPair, Keyring};
    ///
    /// let keyring = Keyring::new(vec![KeyPair::generate(Default::default())?])?;
    /// assert_eq!(keyring.len(), 1);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn new(pairs: Vec<KeyPair>) -> Result<Self, KeyError> {
        if pairs.is_empty() {
            return Err(KeyError::Empty);
        }
        if pairs.len() > MAX_KEY_PAIRS {
            return Err(KeyError::TooManyKeys { len: pairs.len() });
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(pairs.len());
        for (index, pair) in pairs.iter().enumerate() {
            let (prk, hkdf) = pair.extract();
            let mut id = [0u8; 4];
            hkdf.expand_multi_info(&[KEY_ID_LABEL, pair.algorithm.label()], &mut id)
                .map_err(|_| KeyError::Derivation)?;
            let id = KeyId(id);
            if let Some(first) = entries.iter().position(|e| e.id == id) {
                return Err(KeyError::DuplicateKeyId {
                    id,
                    first: first + 1,
                    second: index + 1,
                });
            }
            entries.push(Entry {
                id,
                algorithm: pair.algorithm,
                prk,
            });
        }
        Ok(Keyring { entries })
    }

    /// Builds a keyring from a flat list of keys, as gorilla's
    /// `CodecsFromPairs(keyPairs...)`: hash key, block key, hash key, block
    /// key, ..., newest pair first, each pair encrypting with `algorithm`.
    ///
    /// With [`Algorithm::HmacSha256`] every key is the hash key of a
    /// sign-only pair (gorilla's `nil` block key): the sessions are signed,
    /// not encrypted, and the client can read them. Sign-only is never
    /// implied: with an encrypting algorithm an odd count is an error, not
    /// a trailing sign-only pair.
    ///
    /// # Errors
    ///
    /// [`KeyError::OddKeyCount`] for an odd count with an encrypting
    /// algorithm, else as [`KeyPair::new`] (placeholder keys included) and
    /// [`Keyring::new`].
    ///
    /// ```
    /// use sealed_session::{Algorithm, KeyError, Keyring};
    ///
    /// // 32 random bytes each, e.g. from a key-management service.
    /// let (mut hash, mut block) = ([0u8; 32], [0u8; 32]);
    /// getrandom::fill(&mut hash)?;
    /// getrandom::fill(&mut block)?;
    /// let keyring = Keyring::from_pairs(&[&hash, &block], Algorithm::Xaes256Gcm)?;
    /// assert_eq!(keyring.primary_algorithm(), Algorithm::Xaes256Gcm);
    ///
    /// // A lone hash key is sign-only only when asked for by name.
    /// let err = Keyring::from_pairs(&[&hash], Algorithm::Xaes256Gcm).unwrap_err();
    /// assert_eq!(err, KeyError::OddKeyCount { len: 1 });
    /// let signed = Keyring::from_pairs(&[&hash], Algorithm::HmacSha256)?;
    /// assert_eq!(signed.primary_algorithm(), Algorithm::HmacSha256);
    ///
    /// // A zeroed buffer is refused, as in configuration text.
    /// let err = Keyring::from_pairs(&[&[0u8; 32], &block], Algorithm::Xaes256Gcm).unwrap_err();
    /// assert!(matches!(err, KeyError::WeakKey { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pairs(keys: &[&[u8]], algorithm: Algorithm) -> Result<Self, KeyError> {
        let pairs = if algorithm.encrypts() {
            if !keys.len().is_multiple_of(2) {
                return Err(KeyError::OddKeyCount { len: keys.len() });
            }
            keys.chunks_exact(2)
                .map(|pair| match pair {
                    [hash, block] => KeyPair::new(hash, Some(block), algorithm),
                    _ => Err(KeyError::OddKeyCount { len: keys.len() }),
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            keys.iter()
                .map(|hash| KeyPair::new(hash, None, algorithm))
                .collect::<Result<Vec<_>, _>>()?
        };
        Keyring::new(pairs)
    }

    /// Parses the configuration format: one entry per line (or separated by
    /// commas, for environment variables), newest first. SECURITY.md, "Key
    /// configuration text", is the exact grammar.
    ///
    /// ```text
    /// # comments run from '#' to the end of the line; blank lines are ignored
    /// xaes-256-gcm:<hash key>:<block key>   # encrypting pair
    /// <hash key>:<block key>                # encrypting pair, always xaes-256-gcm
    /// hmac-sha256:<hash key>                # sign-only pair: must be named
    /// ```
    ///
    /// Keys are base64 (URL-safe or standard alphabet, not mixed; padding
    /// optional): a hash key of at least 32 bytes and a block key of exactly
    /// 32 bytes. A lone key is refused rather than read as sign-only, and so
    /// is a key whose bytes are plainly a placeholder (few distinct bytes, a
    /// repeated pattern, a counting sequence, printable text).
    /// [`Keyring::generate_entry`] prints a fresh entry. Errors name the entry
    /// (1-based) and what is wrong, and never echo key material.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] naming the entry and the problem.
    ///
    /// ```
    /// use sealed_session::{ConfigErrorKind, Keyring};
    ///
    /// let err = Keyring::from_config("xaes-256-gcm:c2hvcnQ:c2hvcnQ").unwrap_err();
    /// assert_eq!(err.entry(), 1);
    /// assert!(err.to_string().contains("at least 32 bytes"));
    ///
    /// let placeholder = format!("xaes-256-gcm:{}:{}", "A".repeat(43), "A".repeat(43));
    /// let err = Keyring::from_config(&placeholder).unwrap_err();
    /// assert!(matches!(err.kind(), ConfigErrorKind::WeakKey { .. }));
    /// ```
    pub fn from_config(config: &str) -> Result<Self, ConfigError> {
        let mut pairs = Vec::new();
        // Comments end at the end of their line, so a comma inside one
        // does not split it into a bogus entry.
        let entries = config
            .strip_prefix('\u{feff}')
            .unwrap_or(config)
            .split('\n')
            .flat_map(|line| line.split('#').next().unwrap_or("").split(','))
            .map(trim_blank)
            .filter(|entry| !entry.is_empty());
        for (index, entry) in entries.enumerate() {
            let fail = |kind| ConfigError::new(index + 1, kind);
            pairs.push(parse_entry(entry).map_err(fail)?);
        }
        if pairs.is_empty() {
            return Err(ConfigError::new(0, ConfigErrorKind::Key(KeyError::Empty)));
        }
        Keyring::new(pairs).map_err(|e| {
            let entry = match &e {
                KeyError::DuplicateKeyId { second, .. } => *second,
                _ => 0,
            };
            ConfigError::new(entry, ConfigErrorKind::Key(e))
        })
    }

    /// Reads [`Keyring::from_config`] text from the environment variable `var`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] with [`ConfigErrorKind::MissingVariable`] if the
    /// variable is unset or not UTF-8, else as [`Keyring::from_config`].
    ///
    /// ```
    /// # // SAFETY-free: a doctest runs in its own process.
    /// let err = sealed_session::Keyring::from_env("SEALED_SESSION_DOC_UNSET").unwrap_err();
    /// assert!(err.to_string().contains("SEALED_SESSION_DOC_UNSET"));
    /// ```
    pub fn from_env(var: &str) -> Result<Self, ConfigError> {
        let value =
            Zeroizing::new(std::env::var(var).map_err(|_| {
                ConfigError::new(0, ConfigErrorKind::MissingVariable(var.to_owned()))
            })?);
        Keyring::from_config(&value)
    }

    /// Reads [`Keyring::from_config`] text from a file (which, like any
    /// configuration text, may start with a UTF-8 byte-order mark).
    ///
    /// # Errors
    ///
    /// [`ConfigErrorKind::Io`] if the file cannot be read, else as
    /// [`Keyring::from_config`].
    ///
    /// ```
    /// let err = sealed_session::Keyring::from_file("/nonexistent/keys").unwrap_err();
    /// assert!(err.to_string().contains("/nonexistent/keys"));
    /// ```
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(
                0,
                ConfigErrorKind::Io(format!("cannot read {}: {e}", path.display())),
            )
        })?);
        Keyring::from_config(&text)
    }

    /// A fresh configuration entry for `algorithm`, from the OS CSPRNG, in
    /// the [`Keyring::from_config`] format. Prepend it to rotate.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] if the operating system's random source fails.
    ///
    /// ```
    /// use sealed_session::{Algorithm, Keyring};
    ///
    /// let entry = Keyring::generate_entry(Algorithm::HmacSha256)?;
    /// assert!(entry.starts_with("hmac-sha256:"));
    /// assert!(Keyring::from_config(&entry).is_ok());
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn generate_entry(algorithm: Algorithm) -> Result<Zeroizing<String>, KeyError> {
        Ok(KeyPair::generate(algorithm)?.to_config_entry())
    }

    /// A keyring of one freshly generated pair, in one call: for tests and
    /// examples that need a store and no particular keys.
    ///
    /// Sessions sealed under it open only while it lives (in this process,
    /// through stores built from it or its clones): never use it where
    /// sessions must survive a restart or be shared between instances;
    /// [`Keyring::from_env`] or [`Keyring::from_file`] are for those.
    ///
    /// # Errors
    ///
    /// [`KeyError::Random`] if the operating system's random source fails.
    ///
    /// ```
    /// use sealed_session::{Algorithm, CookieStore, Keyring};
    ///
    /// let store = CookieStore::new("__Host-session", Keyring::generate(Algorithm::default())?)?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate(algorithm: Algorithm) -> Result<Keyring, KeyError> {
        Keyring::new(vec![KeyPair::generate(algorithm)?])
    }

    /// The number of key pairs.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::new(vec![sealed_session::KeyPair::generate(Default::default())?])?;
    /// assert_eq!(keyring.len(), 1);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always `false`: a keyring holds at least one pair.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::new(vec![sealed_session::KeyPair::generate(Default::default())?])?;
    /// assert!(!keyring.is_empty());
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The id of the sealing (first) pair.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::new(vec![sealed_session::KeyPair::generate(Default::default())?])?;
    /// assert_eq!(keyring.primary_id(), keyring.ids().next().unwrap().0);
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn primary_id(&self) -> KeyId {
        self.primary().id
    }

    /// The algorithm of the sealing (first) pair.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::new(vec![sealed_session::KeyPair::generate(Default::default())?])?;
    /// assert!(keyring.primary_algorithm().encrypts());
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    #[must_use]
    pub fn primary_algorithm(&self) -> Algorithm {
        self.primary().algorithm
    }

    /// Each pair's id and algorithm, newest first. Never key bytes.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::new(vec![sealed_session::KeyPair::generate(Default::default())?])?;
    /// for (id, algorithm) in keyring.ids() {
    ///     println!("{id} {algorithm}");
    /// }
    /// # Ok::<(), sealed_session::KeyError>(())
    /// ```
    pub fn ids(&self) -> impl ExactSizeIterator<Item = (KeyId, Algorithm)> + '_ {
        self.entries.iter().map(|e| (e.id, e.algorithm))
    }

    fn primary(&self) -> &Entry {
        // Construction refuses an empty keyring, so the first entry exists;
        // `entries` is private and never shrinks.
        #[allow(clippy::indexing_slicing)]
        &self.entries[0]
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{}/{}", e.id, e.algorithm))
            .collect();
        f.debug_struct("Keyring")
            .field("keys", &ids)
            .finish_non_exhaustive()
    }
}

/// Lenient base64 for configuration (trusted input): either alphabet, padding optional.
const CONFIG_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const CONFIG_B64_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn decode_key(text: &str, field: &'static str) -> Result<Zeroizing<Vec<u8>>, ConfigErrorKind> {
    let engine = if text.contains(['+', '/']) {
        &CONFIG_B64_STD
    } else {
        &CONFIG_B64
    };
    engine
        .decode(text)
        .map(Zeroizing::new)
        .map_err(|_| ConfigErrorKind::BadBase64 { field })
}

/// Trims the blanks a configuration may carry around entries and fields:
/// space, tab and carriage return (a CRLF file's line ends). Nothing else:
/// other whitespace is part of the field, and fails as base64.
fn trim_blank(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r'])
}

fn parse_entry(entry: &str) -> Result<KeyPair, ConfigErrorKind> {
    let fields: Vec<&str> = entry.split(':').map(trim_blank).collect();
    let named = |field: &str| field.parse::<Algorithm>().ok();
    let (algorithm, hash, block) = match fields[..] {
        [only] if named(only).is_some() => return Err(ConfigErrorKind::MissingHashKey),
        // A lone key once meant sign-only, so a missing block key silently
        // made sessions readable: sign-only must now be named.
        [_] => return Err(ConfigErrorKind::MissingAlgorithm),
        [first, hash] => match named(first) {
            Some(algorithm) => (algorithm, hash, None),
            // Fixed, not `Algorithm::default()`: the meaning of a key file
            // must not move with the library's default.
            None => (Algorithm::Xaes256Gcm, first, Some(hash)),
        },
        [first, hash, block] => (
            named(first).ok_or(ConfigErrorKind::UnknownAlgorithm)?,
            hash,
            Some(block),
        ),
        _ => return Err(ConfigErrorKind::TooManyFields),
    };
    let hash = decode_key(hash, "hash key")?;
    let block = block.map(|b| decode_key(b, "block key")).transpose()?;
    KeyPair::new(&hash, block.as_deref().map(|b| &b[..]), algorithm).map_err(|e| match e {
        KeyError::WeakKey { field, reason } => ConfigErrorKind::WeakKey { field, reason },
        e => ConfigErrorKind::Key(e),
    })
}

/// Why `key` is plainly not random bytes, if it is not.
///
/// Each test rejects a uniformly random 32-byte key with probability below
/// 2^-45 (fewer than 16 distinct values: about 2^-53; a period of at most
/// half the length: 2^-128; constant steps: 2^-248; all printable ASCII:
/// (95/256)^32, about 2^-45), so a real key is never refused, while the
/// placeholders people paste (43 `A`s, `abcabc...`, `0123...`, a base64'd
/// password) all are.
pub(crate) fn placeholder(key: &[u8]) -> Option<&'static str> {
    let mut seen = [false; 256];
    for &b in key {
        if let Some(slot) = seen.get_mut(usize::from(b)) {
            *slot = true;
        }
    }
    if seen.iter().filter(|&&s| s).count() < 16 {
        return Some("fewer than 16 distinct byte values");
    }
    if (1..=key.len() / 2).any(|p| key.iter().zip(key.iter().skip(p)).all(|(a, b)| a == b)) {
        return Some("a repeated pattern");
    }
    let step = |w: &[u8]| w.get(1).zip(w.first()).map(|(b, a)| b.wrapping_sub(*a));
    let first_step = step(key);
    if key.windows(2).all(|w| step(w) == first_step) {
        return Some("a counting sequence");
    }
    if key.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Some("printable text, such as a password");
    }
    None
}

#[cfg(test)]
mod tests;
