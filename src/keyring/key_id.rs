//! The short public id of a key pair, carried in every cookie's header.

use std::fmt;

/// A short public identifier of a key pair, carried in the clear in every
/// cookie so the right key is found without trial decryption.
///
/// It is derived from the keys and the algorithm (HKDF-SHA256), so every
/// instance with the same configuration computes the same ids, and it reveals
/// nothing about the keys.
///
/// `{}` and `{:?}` both print it as on the CLI and in the logs: eight
/// lowercase hex digits (`{:?}` wraps them as `KeyId(0a1b2c3d)`).
///
/// ```
/// use sealed_session::Keyring;
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let id = keyring.primary_id();
/// assert_eq!(id.to_string().len(), 8); // 4 bytes, lowercase hex
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub(crate) [u8; 4]);

impl KeyId {
    /// The four bytes of the id, as on the wire.
    ///
    /// ```
    /// # let keyring = sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?;
    /// let bytes: [u8; 4] = keyring.primary_id().to_bytes();
    /// # let _ = bytes;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::KeyId;

    #[test]
    fn debug_and_display_print_the_same_hex() {
        let id = KeyId([0x0a, 0x1b, 0xc2, 0xff]);
        assert_eq!(id.to_string(), "0a1bc2ff");
        assert_eq!(format!("{id:?}"), "KeyId(0a1bc2ff)");
    }
}
