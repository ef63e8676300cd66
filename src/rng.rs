//! Nonces and session ids, drawn from the operating system on every call.
//!
//! A userspace generator seeded once per process (or per thread) repeats its
//! stream in any process that inherits its state and cannot tell it is a copy:
//! fork detection by process id misses a child that gets the same pid (a PID-1
//! process forking into a new PID namespace, a double fork with pid reuse,
//! a restored checkpoint), and a repeated nonce under GCM reveals plaintext
//! XORs and allows forgeries. The kernel's generator has no such state in the
//! process, so every call asks it (`getrandom`; SECURITY.md, "Nonces").
//!
//! Where the C library serves `getrandom()` from the kernel's vDSO (glibc
//! 2.41 or later on Linux 6.11 or later), the `getrandom` crate's call goes
//! there and costs no system call: the kernel keeps that generator's state
//! in memory it wipes in a forked child and reseeds after a VM snapshot is
//! cloned, so it is as fork-safe as the system call
//! (`tests/nonce_pid_reuse.rs` runs the same-pid fork check under such a C
//! library). Elsewhere each call is a system call, about a quarter to half a
//! microsecond.

/// Fills `out` with bytes from the operating system's CSPRNG.
///
/// # Errors
///
/// Only if the operating system's random source fails.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::fill(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item3_outputs_differ_between_calls_and_threads() {
        let mut a = [0u8; 24];
        let mut b = [0u8; 24];
        fill(&mut a).unwrap();
        fill(&mut b).unwrap();
        assert_ne!(a, b);
        let other = std::thread::spawn(|| {
            let mut x = [0u8; 24];
            fill(&mut x).unwrap();
            x
        })
        .join()
        .unwrap();
        assert_ne!(a, other);
        assert_ne!(b, other);
    }
}
