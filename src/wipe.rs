//! A byte buffer wiped on drop, eight bytes per store.
//!
//! `Zeroizing<Vec<u8>>` wipes with one volatile store per byte (the
//! compiler may not merge volatile stores), about 2 µs for the 7 KB
//! plaintext of a large session on every request that opens one. This wipe
//! is the same `zeroize` (volatile stores and a fence, so it is not
//! optimized away), on the buffer viewed as `u64` words where it is
//! aligned (`bytemuck`'s checked view, no `unsafe`), bytes at the ends.

use zeroize::{Zeroize, Zeroizing};

/// Bytes wiped when dropped (and when replaced): the whole allocation,
/// spare capacity included.
#[derive(Clone, Default)]
pub(crate) struct WipedBytes(Vec<u8>);

impl WipedBytes {
    /// Takes the bytes out of `bytes` (which is left empty: nothing to wipe).
    pub(crate) fn take(mut bytes: Zeroizing<Vec<u8>>) -> WipedBytes {
        WipedBytes(std::mem::take(&mut *bytes))
    }
}

impl std::ops::Deref for WipedBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for WipedBytes {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Wipes `bytes` and its spare capacity, then empties it.
pub(crate) fn wipe(bytes: &mut Vec<u8>) {
    wipe_slice(bytes.as_mut_slice());
    // Decrypted in place and trimmed, the tail of the allocation may hold
    // bytes of the plaintext too.
    bytes.spare_capacity_mut().zeroize();
    bytes.clear();
}

/// Wipes `bytes`: its aligned middle as `u64` words, the ends as bytes.
fn wipe_slice(bytes: &mut [u8]) {
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_wiped_whatever_the_alignment_and_length() {
        let mut buffer = vec![1u8; 8200];
        for start in 0..9 {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 7000] {
                buffer.iter_mut().for_each(|b| *b = 0xA5);
                wipe_slice(&mut buffer[start..start + len]);
                assert!(buffer[start..start + len].iter().all(|&b| b == 0));
                // Nothing outside the slice is touched.
                assert!(buffer[..start].iter().all(|&b| b == 0xA5));
                assert!(buffer[start + len..].iter().all(|&b| b == 0xA5));
            }
        }
        let mut v = vec![7u8; 100];
        v.truncate(40);
        wipe(&mut v);
        assert!(v.is_empty());
        assert_eq!(v.capacity(), 100, "the allocation is kept, wiped");
    }
}
