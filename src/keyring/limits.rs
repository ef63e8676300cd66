//! The bounds a key pair and a keyring are checked against.

/// The smallest hash (authentication) key accepted, in bytes.
pub const MIN_HASH_KEY_LEN: usize = 32;
/// The largest hash key accepted, in bytes (a guard against pasting the wrong file).
pub const MAX_HASH_KEY_LEN: usize = 512;
/// The length of a block (encryption) key, in bytes.
pub const BLOCK_KEY_LEN: usize = 32;
/// The most key pairs one keyring may hold.
pub const MAX_KEY_PAIRS: usize = 256;
