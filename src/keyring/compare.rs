//! Whether two keyrings hold the same keys, in the same order: a reloader
//! that re-reads an unchanged key file replaces nothing.

use subtle::ConstantTimeEq as _;

use super::Keyring;

impl Keyring {
    /// The same pairs (keys and algorithms) in the same order. The
    /// extracted key material is compared in constant time (`subtle`), so
    /// the comparison's duration does not depend on where keys differ.
    pub(crate) fn same_keys(&self, other: &Keyring) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| {
                a.algorithm == b.algorithm && a.id == b.id && bool::from(a.prk.0.ct_eq(&b.prk.0))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    #[test]
    fn same_keys_compares_every_pair_in_order() {
        let a = Keyring::generate_entry(Algorithm::Xaes256Gcm).unwrap();
        let b = Keyring::generate_entry(Algorithm::XChaCha20Poly1305).unwrap();
        let ring = |text: String| Keyring::from_config(&text).unwrap();
        let ab = ring(format!("{}\n{}", *a, *b));
        assert!(ab.same_keys(&ring(format!("# comment\n{}, {}\n", *a, *b))));
        assert!(!ab.same_keys(&ring(format!("{}\n{}", *b, *a))));
        assert!(!ab.same_keys(&ring(a.to_string())));
        assert!(!ring(a.to_string()).same_keys(&ring(b.to_string())));
    }
}
