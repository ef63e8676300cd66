//! Nonces and session ids: a per-thread ChaCha20 CSPRNG seeded from the OS.
//!
//! A `getrandom` syscall costs about as much as sealing a whole small cookie,
//! so nonces come from a userspace CSPRNG instead (SECURITY.md, "Nonces"):
//! - seeded with 256 bits from the OS (`getrandom`) per thread;
//! - reseeded from the OS after every `RESEED_AFTER` bytes of output, bounding
//!   what a leak of one state could reveal;
//! - reseeded when the process id changes, so a forked child never replays
//!   its parent's nonce stream (the OpenSSL `RAND_bytes` fork rule).

use std::cell::RefCell;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng as _, SeedableRng as _};
use zeroize::Zeroizing;

/// Output bytes after which the thread's generator reseeds from the OS.
const RESEED_AFTER: u64 = 1 << 20;

struct ThreadRng {
    rng: ChaCha20Rng,
    pid: u32,
    used: u64,
}

impl ThreadRng {
    fn from_os() -> Result<Self, getrandom::Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut())?;
        Ok(ThreadRng {
            rng: ChaCha20Rng::from_seed(*seed),
            pid: std::process::id(),
            used: 0,
        })
    }
}

thread_local! {
    static RNG: RefCell<Option<ThreadRng>> = const { RefCell::new(None) };
}

/// Fills `out` with CSPRNG output.
///
/// # Errors
///
/// Only if the operating system's random source fails.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), getrandom::Error> {
    RNG.with(|cell| {
        // A re-entrant borrow cannot happen (nothing here calls back), but if
        // it ever did, the OS source is always a correct answer.
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return getrandom::fill(out);
        };
        let pid = std::process::id();
        let stale = slot
            .as_ref()
            .is_none_or(|s| s.pid != pid || s.used >= RESEED_AFTER);
        if stale {
            *slot = Some(ThreadRng::from_os()?);
        }
        match slot.as_mut() {
            Some(state) => {
                state.rng.fill_bytes(out);
                state.used = state.used.saturating_add(out.len() as u64);
                Ok(())
            }
            None => getrandom::fill(out),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_differ_and_reseed_happens() {
        let mut a = [0u8; 24];
        let mut b = [0u8; 24];
        fill(&mut a).unwrap();
        fill(&mut b).unwrap();
        assert_ne!(a, b);
        let mut big = vec![0u8; usize::try_from(RESEED_AFTER).unwrap() + 1];
        fill(&mut big).unwrap();
        let used_after = RNG.with(|c| c.borrow().as_ref().unwrap().used);
        fill(&mut a).unwrap();
        let used_now = RNG.with(|c| c.borrow().as_ref().unwrap().used);
        assert!(used_after > RESEED_AFTER);
        assert_eq!(used_now, 24, "the generator reseeded after its budget");
    }

    #[test]
    fn threads_get_independent_streams() {
        let other = std::thread::spawn(|| {
            let mut x = [0u8; 32];
            fill(&mut x).unwrap();
            x
        })
        .join()
        .unwrap();
        let mut mine = [0u8; 32];
        fill(&mut mine).unwrap();
        assert_ne!(mine, other);
    }
}
