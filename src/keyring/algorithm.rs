//! The algorithms a key pair may use, fixed by configuration.

use std::fmt;

/// How a key pair protects a session.
///
/// The algorithm is fixed by configuration and never chosen by a cookie: a
/// cookie whose header names another algorithm than its key's is rejected.
///
/// ```
/// use sealed_session::Algorithm;
///
/// assert_eq!(Algorithm::default(), Algorithm::Xaes256Gcm);
/// assert_eq!("xchacha20-poly1305".parse::<Algorithm>(), Ok(Algorithm::XChaCha20Poly1305));
/// assert!(!Algorithm::HmacSha256.encrypts());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// XAES-256-GCM: AES-256-GCM with 192-bit random nonces and a derived
    /// per-nonce key. The default: a 192-bit nonce at AES-instruction speed.
    #[default]
    Xaes256Gcm,
    /// XChaCha20-Poly1305: 192-bit random nonces, fast without AES instructions.
    XChaCha20Poly1305,
    /// AES-256-GCM with 96-bit random nonces.
    ///
    /// # Security
    ///
    /// A 96-bit random nonce limits one key to about 2^32 seals before the
    /// chance of a nonce collision reaches 2^-32 (SECURITY.md, "Nonces").
    /// Rotate keys well before that, or prefer a 192-bit-nonce algorithm.
    Aes256Gcm,
    /// Sign-only HMAC-SHA256: authenticated but **not encrypted**, so the
    /// client can read the session. For gorilla parity (a pair with no block key).
    ///
    /// # Security
    ///
    /// Everything stored in the session is readable by the client.
    HmacSha256,
}

impl Algorithm {
    /// Every algorithm, in wire-id order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Xaes256Gcm,
        Algorithm::XChaCha20Poly1305,
        Algorithm::Aes256Gcm,
        Algorithm::HmacSha256,
    ];

    /// The configuration name of the algorithm (also its `Display` and `FromStr` form).
    ///
    /// ```
    /// assert_eq!(sealed_session::Algorithm::Aes256Gcm.name(), "aes-256-gcm");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Xaes256Gcm => "xaes-256-gcm",
            Algorithm::XChaCha20Poly1305 => "xchacha20-poly1305",
            Algorithm::Aes256Gcm => "aes-256-gcm",
            Algorithm::HmacSha256 => "hmac-sha256",
        }
    }

    /// Whether the algorithm encrypts (every one but [`Algorithm::HmacSha256`]).
    ///
    /// ```
    /// assert!(sealed_session::Algorithm::Xaes256Gcm.encrypts());
    /// ```
    #[must_use]
    pub const fn encrypts(self) -> bool {
        !matches!(self, Algorithm::HmacSha256)
    }

    /// The algorithm's byte in the envelope header.
    pub(crate) const fn wire_id(self) -> u8 {
        match self {
            Algorithm::Xaes256Gcm => 1,
            Algorithm::XChaCha20Poly1305 => 2,
            Algorithm::Aes256Gcm => 3,
            Algorithm::HmacSha256 => 4,
        }
    }

    /// The label bound into key ids, subkeys and associated data.
    pub(crate) const fn label(self) -> &'static [u8] {
        match self {
            Algorithm::Xaes256Gcm => b"XAES-256-GCM",
            Algorithm::XChaCha20Poly1305 => b"XCHACHA20-POLY1305",
            Algorithm::Aes256Gcm => b"AES-256-GCM",
            Algorithm::HmacSha256 => b"HMAC-SHA256",
        }
    }

    /// Nonce length in the envelope header, in bytes.
    pub(crate) const fn nonce_len(self) -> usize {
        match self {
            Algorithm::Xaes256Gcm | Algorithm::XChaCha20Poly1305 => 24,
            Algorithm::Aes256Gcm => 12,
            Algorithm::HmacSha256 => 0,
        }
    }

    /// Tag length at the end of the envelope, in bytes.
    pub(crate) const fn tag_len(self) -> usize {
        match self {
            Algorithm::HmacSha256 => 32,
            _ => 16,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| {
                a.name().eq_ignore_ascii_case(s)
                    || (s.eq_ignore_ascii_case("sign-only") && !a.encrypts())
            })
            .ok_or(UnknownAlgorithm)
    }
}

/// The error of parsing an [`Algorithm`] name that is not one.
///
/// ```
/// assert!("rot13".parse::<sealed_session::Algorithm>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownAlgorithm;

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "unknown algorithm (expected xaes-256-gcm, xchacha20-poly1305, aes-256-gcm or hmac-sha256)",
        )
    }
}

impl std::error::Error for UnknownAlgorithm {}
