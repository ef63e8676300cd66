//! The development-key fallback: the keyring from an environment variable,
//! or, in a development build only, a fresh key with a loud warning.

use std::env::VarError;

use super::{ConfigError, ConfigErrorKind, Keyring};
use crate::observe::event;

/// The environment variable that lets a release build of
/// [`Keyring::from_env_or_generate`] fall back to a fresh key: set it to
/// exactly `1`.
///
/// # Security
///
/// With a fresh key every restart and every other instance logs everyone
/// out. Set this only for a release build that is not production (a
/// benchmark, a demo), never on a deployed service.
///
/// ```
/// assert_eq!(sealed_session::ALLOW_GENERATED_KEY_VAR, "SEALED_SESSION_ALLOW_GENERATED_KEY");
/// ```
pub const ALLOW_GENERATED_KEY_VAR: &str = "SEALED_SESSION_ALLOW_GENERATED_KEY";

impl Keyring {
    /// The keyring in the environment variable `var` (the
    /// [`Keyring::from_config`] format), or, when it is not set at all and
    /// this is a development build, a fresh development key.
    ///
    /// The fallback is loud: a warning on standard error and, with the
    /// `tracing` feature, an `error`-level event naming `var`. Sessions
    /// sealed under the fresh key do not survive a restart, and other
    /// instances cannot open them.
    ///
    /// A release build (compiled without `debug_assertions`, as
    /// `cargo build --release` does) refuses to fall back unless
    /// [`ALLOW_GENERATED_KEY_VAR`] is set to `1`: a production service with
    /// a missing variable stops at start-up instead of logging everyone out
    /// on every restart.
    ///
    /// # Security
    ///
    /// For development. In production read the variable strictly, with
    /// [`Keyring::from_env`], which never generates a key.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] if the variable is set but blank
    /// ([`ConfigErrorKind::BlankVariable`]: a deployment that meant to set
    /// it) or not a valid keyring (it is never replaced by a fresh key
    /// then), not UTF-8 ([`ConfigErrorKind::MissingVariable`]), unset in a
    /// release build without the switch
    /// ([`ConfigErrorKind::GeneratedKeyInRelease`]), or if the random
    /// source fails.
    ///
    /// ```
    /// use sealed_session::{ConfigErrorKind, Keyring};
    ///
    /// match Keyring::from_env_or_generate("EXAMPLE_SESSION_KEYS_UNSET") {
    ///     Ok(keyring) => assert_eq!(keyring.len(), 1), // a development build
    ///     Err(e) => assert!(matches!(e.kind(), ConfigErrorKind::GeneratedKeyInRelease(_))),
    /// }
    /// # Ok::<(), sealed_session::ConfigError>(())
    /// ```
    pub fn from_env_or_generate(var: &str) -> Result<Keyring, ConfigError> {
        let allowed = std::env::var(ALLOW_GENERATED_KEY_VAR).is_ok_and(|v| v == "1");
        fallback(var, std::env::var(var), cfg!(debug_assertions) || allowed)
    }
}

/// The decision of [`Keyring::from_env_or_generate`] for the variable's
/// `value`; `may_generate` is false in a release build without the switch.
pub(super) fn fallback(
    var: &str,
    value: Result<String, VarError>,
    may_generate: bool,
) -> Result<Keyring, ConfigError> {
    let fail = |kind| Err(ConfigError::new(0, kind));
    match value {
        Ok(keys) => {
            let keys = zeroize::Zeroizing::new(keys);
            // Set but blank is a deployment that meant to configure keys
            // (an empty secret, a templating gap): never a throwaway key.
            if keys.trim().is_empty() {
                return fail(ConfigErrorKind::BlankVariable(var.to_owned()));
            }
            Keyring::from_config(&keys)
        }
        Err(VarError::NotPresent) if may_generate => {
            event!(
                error,
                variable = var,
                "session keys not configured: using a fresh development key; sessions will not survive a restart and other instances cannot open them"
            );
            eprintln!(
                "warning: {var} is not set: using a fresh development key.\n\
                 warning: sessions will not survive a restart and other instances cannot open them.\n\
                 warning: set {var} (e.g. from `sealed-session keygen`) to keep them."
            );
            let entry = Keyring::generate_entry(crate::Algorithm::default())
                .map_err(|e| ConfigError::new(0, ConfigErrorKind::Key(e)))?;
            Keyring::from_config(&entry)
        }
        Err(VarError::NotPresent) => {
            event!(
                error,
                variable = var,
                "session keys not configured: a release build does not fall back to a fresh key"
            );
            fail(ConfigErrorKind::GeneratedKeyInRelease(var.to_owned()))
        }
        // Set but not Unicode: a mistake to report, not to paper over.
        Err(VarError::NotUnicode(_)) => fail(ConfigErrorKind::MissingVariable(var.to_owned())),
    }
}
