//! One-time tokens: stored as SHA-256 digests (a dump of the store gives
//! no usable token), consumed at most once within their lifetime.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::session::unix_secs;

/// The digest a token is stored under.
pub(crate) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The in-process backend's consumed tokens, each with its expiry (Unix
/// seconds).
#[derive(Debug, Default)]
pub(crate) struct LocalTokens {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    tokens: HashMap<[u8; 32], u64>,
    /// The size at which the next sweep runs (amortised: a sweep walks the
    /// whole map, so it runs only after the map has doubled).
    sweep_at: usize,
}

impl LocalTokens {
    /// `true` if `digest` was not consumed within its lifetime (and
    /// consumes it for `ttl_secs`).
    pub(crate) fn consume(&self, digest: [u8; 32], ttl_secs: u64) -> bool {
        let now = unix_secs(SystemTime::now());
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.tokens.len() >= seen.sweep_at {
            seen.tokens.retain(|_, &mut expires| expires > now);
            seen.sweep_at = (seen.tokens.len() * 2).max(1024);
        }
        match seen.tokens.get(&digest) {
            Some(&expires) if expires > now => false,
            _ => {
                seen.tokens.insert(digest, now.saturating_add(ttl_secs));
                true
            }
        }
    }
}
