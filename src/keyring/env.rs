//! The development-key fallback: the keyring from an environment variable,
//! or a fresh key with a loud warning.

use super::{ConfigError, ConfigErrorKind, Keyring};

impl Keyring {
    /// The keyring in the environment variable `var` (the
    /// [`Keyring::from_config`] format), or, when it is unset or blank, a
    /// fresh development key with a warning on standard error: sessions
    /// sealed under it do not survive a restart, and other instances cannot
    /// open them.
    ///
    /// # Security
    ///
    /// For development. In production, a missing variable should stop the
    /// service (`Keyring::from_config(&std::env::var(var)?)`): with a fresh
    /// key every instance and restart logs everyone out.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] if the variable is set but not a valid keyring (it is
    /// never replaced by a fresh key then), or the random source fails.
    ///
    /// ```
    /// use sealed_session::Keyring;
    ///
    /// let keyring = Keyring::from_env_or_generate("EXAMPLE_SESSION_KEYS_UNSET")?;
    /// assert_eq!(keyring.len(), 1);
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn from_env_or_generate(var: &str) -> Result<Keyring, ConfigError> {
        match std::env::var(var) {
            Ok(keys) if !keys.trim().is_empty() => {
                Keyring::from_config(&zeroize::Zeroizing::new(keys))
            }
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                eprintln!(
                    "warning: {var} is not set: using a fresh development key.\n\
                     warning: sessions will not survive a restart and other instances cannot open them.\n\
                     warning: set {var} (e.g. from `sealed-session keygen`) to keep them."
                );
                let entry = Keyring::generate_entry(crate::Algorithm::default())
                    .map_err(|e| ConfigError::new(0, ConfigErrorKind::Key(e)))?;
                Keyring::from_config(&entry)
            }
            // Set but not Unicode: a mistake to report, not to paper over.
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::new(
                0,
                ConfigErrorKind::MissingVariable(var.to_owned()),
            )),
        }
    }
}
