//! Registered users and their argon2 password hashes.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::BoxError;

/// Registered users: name -> argon2 PHC string, and each user's latest
/// "sign out of all devices" (Unix seconds). In memory, or in a file that
/// several instances share (appends only) of `name<TAB>hash` lines and
/// `!signed-out<TAB>name<TAB>seconds` lines (`!` is not allowed in a name).
pub(crate) struct Users {
    pub(crate) file: Option<PathBuf>,
    pub(crate) memory: Mutex<HashMap<String, String>>,
    pub(crate) signed_out: Mutex<HashMap<String, u64>>,
}

const SIGNED_OUT: &str = "!signed-out";

impl Users {
    pub(crate) fn lookup(&self, name: &str) -> Result<Option<String>, BoxError> {
        match &self.file {
            Some(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(e.into()),
                };
                // The first registration wins if two instances raced.
                Ok(text
                    .lines()
                    .filter_map(|line| line.split_once('\t'))
                    .find(|(n, _)| *n == name)
                    .map(|(_, hash)| hash.to_owned()))
            }
            None => Ok(self
                .memory
                .lock()
                .map_err(|_| "user table lock poisoned")?
                .get(name)
                .cloned()),
        }
    }

    /// When `name` last signed out of all devices, if ever.
    pub(crate) fn signed_out_at(&self, name: &str) -> Result<Option<SystemTime>, BoxError> {
        let secs = match &self.file {
            Some(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(e.into()),
                };
                text.lines()
                    .filter_map(|line| {
                        let mut fields = line.split('\t');
                        let (kind, user, secs) = (fields.next()?, fields.next()?, fields.next()?);
                        (kind == SIGNED_OUT && user == name).then(|| secs.parse::<u64>().ok())?
                    })
                    .max()
            }
            None => self
                .signed_out
                .lock()
                .map_err(|_| "user table lock poisoned")?
                .get(name)
                .copied(),
        };
        Ok(secs.map(|s| UNIX_EPOCH + Duration::from_secs(s)))
    }

    /// Records that `name` signed out of all devices now: every session of
    /// theirs issued before this second is refused from now on.
    pub(crate) fn sign_out_everywhere(&self, name: &str) -> Result<(), BoxError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        match &self.file {
            Some(path) => {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                file.write_all(format!("{SIGNED_OUT}\t{name}\t{now}\n").as_bytes())?;
            }
            None => {
                self.signed_out
                    .lock()
                    .map_err(|_| "user table lock poisoned")?
                    .insert(name.to_owned(), now);
            }
        }
        Ok(())
    }

    /// Adds a user; `false` if the name is taken.
    pub(crate) fn add(&self, name: &str, hash: String) -> Result<bool, BoxError> {
        match &self.file {
            Some(path) => {
                if self.lookup(name)?.is_some() {
                    return Ok(false);
                }
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                // One short append per user: O_APPEND keeps lines whole.
                file.write_all(format!("{name}\t{hash}\n").as_bytes())?;
                Ok(true)
            }
            None => {
                let mut users = self.memory.lock().map_err(|_| "user table lock poisoned")?;
                if users.contains_key(name) {
                    return Ok(false);
                }
                users.insert(name.to_owned(), hash);
                Ok(true)
            }
        }
    }
}

/// Argon2id with deliberately low cost (8 MiB, 1 pass) so the demo and its
/// tests stay fast on small machines. A real deployment uses at least the
/// OWASP minimum (19 MiB, 2 passes) or `Params::default()`.
fn hasher() -> Result<argon2::Argon2<'static>, BoxError> {
    let params = argon2::Params::new(8 * 1024, 1, 1, None).map_err(|e| e.to_string())?;
    Ok(argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

pub(crate) fn hash_password(password: &str) -> Result<String, BoxError> {
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

pub(crate) fn valid_username(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}
