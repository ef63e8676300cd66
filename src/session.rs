//! The session: the user's typed map, flash messages, id and lifetimes.
//!
//! A [`Session`] knows nothing of HTTP or cookies; a
//! [`CookieStore`](crate::CookieStore) loads it from a request and saves it
//! into response headers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ciborium::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::chunk_set::ChunkSet;
use crate::error::LoadError;
use crate::keyring::KeyId;

use crate::payload::{self, Payload};

/// The bucket [`Session::add_flash`] and [`Session::flashes`] use, as in
/// gorilla/sessions.
///
/// ```
/// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
/// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
/// let mut session = store.load(None::<&str>);
/// session.add_flash("saved")?;
/// let flashes: Vec<String> = session.flashes_from(sealed_session::DEFAULT_FLASH_BUCKET)?;
/// assert_eq!(flashes, ["saved"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_FLASH_BUCKET: &str = "_flash";

/// A session's random 128-bit identifier.
///
/// It comes from the OS-seeded CSPRNG, is sealed inside the cookie (never
/// derived from user data), and changes on [`Session::regenerate_id`].
/// `Display` prints 32 lowercase hex digits.
///
/// ```
/// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
/// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
/// let session = store.load(None::<&str>);
/// assert_eq!(session.id().to_string().len(), 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub(crate) [u8; 16]);

impl SessionId {
    /// The id's 16 bytes.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let bytes: [u8; 16] = store.load(None::<&str>).id().to_bytes();
    /// # let _ = bytes;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// A stored value could not be written or read as the requested type.
///
/// Names the key and the Rust type, and the CBOR kind that was found; it
/// never quotes the stored value, so logging it leaks no session contents.
///
/// ```
/// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
/// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
/// let mut session = store.load(None::<&str>);
/// session.insert("name", "alice")?;
/// let err = session.get::<u32>("name").unwrap_err();
/// assert_eq!(err.key(), "name");
/// assert_eq!(err.to_string(), "session value \"name\": a stored text cannot be read as u32");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    key: String,
    type_name: &'static str,
    found: Option<&'static str>,
}

impl ValueError {
    /// The key (or flash bucket) concerned.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// # session.insert("n", &1)?;
    /// assert_eq!(session.get::<String>("n").unwrap_err().key(), "n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            Some(found) => write!(
                f,
                "session value {:?}: a stored {found} cannot be read as {}",
                self.key, self.type_name
            ),
            None => write!(
                f,
                "session value {:?}: a {} cannot be stored (serde refused it, it nests deeper than 32 levels counting itself, it holds a NaN other than the plain one, or a map in it repeats a key)",
                self.key, self.type_name
            ),
        }
    }
}

impl std::error::Error for ValueError {}

fn refused<T: ?Sized>(key: &str) -> ValueError {
    ValueError {
        key: key.to_owned(),
        type_name: std::any::type_name::<T>(),
        found: None,
    }
}

/// `value`'s CBOR bytes, checked with the strict decoder's rules: what it
/// would refuse on the next request (nesting past its depth limit, a
/// repeated map key) is refused here, since stored anyway it would seal fine
/// and then never open, a silent logout.
fn to_bytes<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>, ValueError> {
    let mut bytes = Vec::new();
    if ciborium::into_writer(value, &mut bytes).is_ok() && payload::check_value(&bytes).is_ok() {
        return Ok(bytes);
    }
    // A `Serialize` that gives no length up front (`serialize_seq(None)`,
    // `#[serde(flatten)]`) is written with an indefinite length, which the
    // payload format refuses: collected into a tree first, it gets one.
    let tree = Value::serialized(value).map_err(|_| refused::<T>(key))?;
    bytes.clear();
    ciborium::into_writer(&tree, &mut bytes).map_err(|_| refused::<T>(key))?;
    payload::check_value(&bytes).map_err(|_| refused::<T>(key))?;
    Ok(bytes)
}

/// Reads a `T` from a stored value's CBOR bytes, in place: text and byte
/// strings are borrowed from them, so no copy of the value is left to wipe.
fn from_bytes<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, ValueError> {
    payload::read(bytes).map_err(|_| ValueError {
        key: key.to_owned(),
        type_name: std::any::type_name::<T>(),
        found: Some(payload::kind(bytes.first().copied())),
    })
}

/// Browsers cap cookie lifetimes at 400 days (RFC 6265bis §5.5); so do we.
pub(crate) const MAX_MAX_AGE_SECS: u64 = 400 * 24 * 3600;

pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn system_time(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH)
}

/// A session: a map of typed values, flash messages, a random id and its
/// lifetimes, loaded from and saved to cookies by a
/// [`CookieStore`](crate::CookieStore).
///
/// Values are anything serde can serialize; they are stored as CBOR, so no
/// type registry is needed (gorilla's gob registration failures cannot
/// happen). Changes are tracked: saving an unchanged session writes nothing.
///
/// ```
/// use sealed_session::{CookieStore, Keyring};
///
/// let keyring = Keyring::from_config(&Keyring::generate_entry(Default::default())?)?;
/// let store = CookieStore::new("__Host-session", keyring)?;
///
/// let mut session = store.load(None::<&str>); // no cookie yet: a fresh session
/// let count: u32 = session.get("count")?.unwrap_or(0);
/// session.insert("count", &(count + 1))?;
/// session.add_flash("saved")?;
/// let set_cookies = store.save(&mut session)?;
///
/// // The next request carries the cookie back.
/// let cookie = set_cookies[0].split(';').next().unwrap();
/// let mut again = store.load(Some(cookie));
/// assert_eq!(again.get::<u32>("count")?, Some(1));
/// assert_eq!(again.flashes::<String>()?, ["saved"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) payload: Payload,
    pub(crate) is_new: bool,
    pub(crate) modified: bool,
    pub(crate) destroyed: bool,
    pub(crate) load_error: Option<LoadError>,
    pub(crate) opened_with: Option<(KeyId, bool)>,
    pub(crate) chunks_loaded: usize,
    /// The store's cookies the client may hold: the chunk indices the
    /// request carried (opened or not) and those a save of this session
    /// wrote. A save deletes only these (SECURITY.md, "Writing").
    pub(crate) client_chunks: ChunkSet,
    pub(crate) sealed_len: usize,
    pub(crate) store_name: Arc<str>,
}

impl fmt::Debug for Session {
    // Keys only: values may be secrets (tokens, personal data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &SessionId(self.payload.id))
            .field("name", &self.store_name)
            .field("keys", &self.payload.keys().collect::<Vec<_>>())
            .field("is_new", &self.is_new)
            .field("modified", &self.modified)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn fresh(store_name: Arc<str>, id: [u8; 16], now: u64, max_age: u64) -> Session {
        Session {
            payload: Payload::fresh(now, now.saturating_add(max_age), id),
            is_new: true,
            modified: false,
            destroyed: false,
            load_error: None,
            opened_with: None,
            chunks_loaded: 0,
            client_chunks: ChunkSet::default(),
            sealed_len: 0,
            store_name,
        }
    }

    /// The session's random id (gorilla's `session.ID`).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let a = store.load(None::<&str>);
    /// let b = store.load(None::<&str>);
    /// assert_ne!(a.id(), b.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> SessionId {
        SessionId(self.payload.id)
    }

    /// The cookie name of the store this session belongs to.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// assert_eq!(store.load(None::<&str>).name(), "__Host-s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.store_name
    }

    /// Reads the value under `key` as a `T`; `Ok(None)` if there is none.
    ///
    /// The value is read in place from the opened cookie's bytes (its text
    /// and byte strings borrowed, never copied to a scratch buffer) and
    /// reads as `ciborium::from_reader` would read it: integers within the
    /// type's range (128-bit ones from bignums), floats from any width,
    /// structs from maps, enums from a text or a one-entry map, tags skipped
    /// (or captured by `ciborium::tag` types).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if the stored value is not a valid `T`.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("roles", &["admin", "dev"])?;
    /// let roles: Option<Vec<String>> = session.get("roles")?;
    /// assert_eq!(roles.unwrap(), ["admin", "dev"]);
    /// assert_eq!(session.get::<u8>("missing")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.payload
            .get(key)
            .map(|bytes| from_bytes(key, bytes))
            .transpose()
    }

    /// Stores `value` under `key` (gorilla's `session.Values[key] = v`).
    /// Storing a value equal to the current one does not mark the session
    /// modified.
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value (a failing custom
    /// `Serialize`), or if the value could not be read back from the cookie:
    /// an item nested deeper than 32 levels (the value itself is level 1),
    /// a NaN other than `f64::NAN` and its negation, or a map with a repeated
    /// key. Maps with non-string keys are fine.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user_id", &42u64)?;
    /// assert!(session.is_modified());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), ValueError> {
        let bytes = to_bytes(key, value)?;
        if self.payload.insert(key, bytes) {
            self.touch();
        }
        Ok(())
    }

    /// Removes `key`; returns whether it was there (gorilla's `Delete`).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("k", "v")?;
    /// assert!(session.remove("k"));
    /// assert!(!session.remove("k"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> bool {
        let removed = self.payload.remove(key).is_some();
        if removed {
            self.touch();
        }
        removed
    }

    /// Removes `key` and returns its value as a `T`.
    ///
    /// # Errors
    ///
    /// [`ValueError`] if the value is not a valid `T`; it is removed anyway.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("next", "/account")?;
    /// assert_eq!(session.take::<String>("next")?.as_deref(), Some("/account"));
    /// assert!(!session.contains_key("next"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, ValueError> {
        let Some(value) = self.payload.remove(key) else {
            return Ok(None);
        };
        self.touch();
        from_bytes(key, self.payload.bytes(&value)).map(Some)
    }

    /// Removes every value and flash (gorilla's `Clear`; on save the
    /// session's cookies are deleted, i.e. the user is logged out). The id
    /// and lifetime options are kept.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// session.clear();
    /// assert!(session.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&mut self) {
        if !self.payload.is_empty() {
            self.payload.clear();
            self.touch();
        }
    }

    /// Whether a value is stored under `key`.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.insert("k", &true)?;
    /// assert!(session.contains_key("k"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.payload.contains_key(key)
    }

    /// The stored keys, in sorted order.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.insert("b", &1)?;
    /// session.insert("a", &2)?;
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.payload.keys()
    }

    /// The number of stored values (flashes not counted).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.insert("a", &1)?;
    /// assert_eq!(session.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.payload.len()
    }

    /// Whether there are no values and no flashes.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// assert!(session.is_empty());
    /// session.add_flash("hi")?;
    /// assert!(!session.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.payload.is_empty()
    }

    /// Adds a flash message to the default bucket (gorilla's `AddFlash(v)`).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.add_flash("Welcome back")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_flash<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.add_flash_to(DEFAULT_FLASH_BUCKET, value)
    }

    /// Adds a flash message to a named bucket (gorilla's `AddFlash(v, bucket)`).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if serde cannot serialize the value.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.add_flash_to("errors", "Wrong password")?;
    /// assert_eq!(session.flashes_from::<String>("errors")?, ["Wrong password"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_flash_to<T: Serialize + ?Sized>(
        &mut self,
        bucket: &str,
        value: &T,
    ) -> Result<(), ValueError> {
        let bytes = to_bytes(bucket, value)?;
        self.payload.add_flash(bucket, bytes);
        self.touch();
        Ok(())
    }

    /// Returns and removes the default bucket's flashes (gorilla's
    /// `Flashes()`). The removal is a change like any other and is saved, so
    /// a flash is shown once.
    ///
    /// # Errors
    ///
    /// [`ValueError`] if a flash is not a valid `T`; the bucket is consumed anyway.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// session.add_flash("one")?;
    /// session.add_flash("two")?;
    /// assert_eq!(session.flashes::<String>()?, ["one", "two"]);
    /// assert!(session.flashes::<String>()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flashes<T: DeserializeOwned>(&mut self) -> Result<Vec<T>, ValueError> {
        self.flashes_from(DEFAULT_FLASH_BUCKET)
    }

    /// Returns and removes a named bucket's flashes (gorilla's `Flashes(bucket)`).
    ///
    /// # Errors
    ///
    /// [`ValueError`] if a flash is not a valid `T`; the bucket is consumed anyway.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// # let mut session = store.load(None::<&str>);
    /// assert!(session.flashes_from::<String>("none")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flashes_from<T: DeserializeOwned>(
        &mut self,
        bucket: &str,
    ) -> Result<Vec<T>, ValueError> {
        let Some(values) = self.payload.take_flashes(bucket) else {
            return Ok(Vec::new());
        };
        self.touch();
        self.payload
            .flash_items(&values)
            .map(|bytes| from_bytes(bucket, bytes))
            .collect()
    }

    /// Gives the session a new random id, keeping its data and options
    /// (beego's `SessionRegenerateID`), and returns the old id. Use it at
    /// privilege changes within one login; at login itself use
    /// [`Session::begin_login`], which also drops what the session carried
    /// before (an attacker may have planted it).
    ///
    /// Copies of the cookie taken before the call keep opening, under the
    /// old id, until they expire: deny the returned id
    /// ([`with_revocation_check`](crate::CookieStoreBuilder::with_revocation_check))
    /// to refuse them.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// let before = session.id();
    /// let old = session.regenerate_id();
    /// assert_eq!(old, before);
    /// assert_ne!(session.id(), before);
    /// assert_eq!(session.get::<String>("user")?.as_deref(), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn regenerate_id(&mut self) -> SessionId {
        let old = self.id();
        let mut id = [0u8; 16];
        if crate::rng::fill(&mut id).is_ok() {
            self.payload.id = id;
        } else {
            // Never keep the old id silently: an id an attacker may know is
            // worse than a session that cannot be saved. The all-zero id
            // makes `save` fail with `SaveError::Random`.
            self.payload.id = [0; 16];
        }
        self.touch();
        old
    }

    /// Empties the session and makes the next save delete every cookie of it
    /// (beego's `DestroySession`); returns the id it had. Values inserted
    /// afterwards start a new session with a new id and fresh lifetimes.
    ///
    /// It ends the session in this browser only: a copy of the cookie
    /// taken earlier keeps opening until it expires (README "Logging
    /// out"). To refuse copies, deny the returned id in
    /// [`with_revocation_check`](crate::CookieStoreBuilder::with_revocation_check)
    /// (`session.id()` afterwards is already the new id).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// let before = session.id();
    /// assert_eq!(session.destroy(), before);
    /// assert!(session.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn destroy(&mut self) -> SessionId {
        self.payload.clear();
        self.payload.max_age = None;
        let old = self.regenerate_id();
        self.destroyed = true;
        old
    }

    /// Overrides the store's max-age for this session (hertz's
    /// `Options(MaxAge)`: e.g. a longer "remember me" lifetime). It is sealed
    /// in the session, so it drives both the envelope's expiry and the
    /// cookie's `Max-Age` on every later save too; the expiry is recomputed
    /// from now on the next save. Capped at 400 days, the browsers' limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// session.set_max_age(Duration::from_secs(30 * 24 * 3600));
    /// let cookies = store.save(&mut session)?;
    /// assert!(cookies[0].contains("Max-Age=2592000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_max_age(&mut self, max_age: Duration) {
        let secs = max_age.as_secs().min(MAX_MAX_AGE_SECS);
        if self.payload.max_age != Some(secs) {
            self.payload.max_age = Some(secs);
            // Recompute the expiry from the new lifetime at the next save.
            self.payload.expires_at = 0;
            self.touch();
        }
    }

    /// Whether no valid session cookie came with the request.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// assert!(store.load(Some("__Host-s=forged")).is_new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_new(&self) -> bool {
        self.is_new
    }

    /// Whether the session changed since it was loaded or last saved.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// assert!(!session.is_modified());
    /// session.insert("a", &1)?;
    /// assert!(session.is_modified());
    /// store.save(&mut session)?;
    /// assert!(!session.is_modified());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Why the request's session cookie was not used, if one was sent but
    /// could not be opened: [`LoadError::Invalid`] or [`LoadError::Expired`],
    /// or [`LoadError::Conflict`] when the request carried cookies of the
    /// name that the reader cannot trust (cookie injection: answer with
    /// `Clear-Site-Data: "cookies"`, README "Cookie injection"). Log it; the
    /// session is fresh either way.
    ///
    /// ```
    /// use sealed_session::LoadError;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// assert_eq!(store.load(Some("__Host-s=AAAA")).load_error(), Some(LoadError::Invalid));
    /// assert_eq!(store.load(None::<&str>).load_error(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn load_error(&self) -> Option<LoadError> {
        self.load_error
    }

    /// The id of the key that opened the session from the request's cookie,
    /// or, once the session has been saved, of the key that sealed it (the
    /// primary); `None` for a session that has neither been opened nor saved.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// assert_eq!(store.load(None::<&str>).opened_with(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn opened_with(&self) -> Option<KeyId> {
        self.opened_with.map(|(id, _)| id)
    }

    /// When the session was first issued.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let session = store.load(None::<&str>);
    /// assert!(session.issued_at() <= std::time::SystemTime::now());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn issued_at(&self) -> SystemTime {
        system_time(self.payload.issued_at)
    }

    /// When the session expires absolutely (the idle deadline, if any, may
    /// come first; see [`Session::idle_deadline`]).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let session = store.load(None::<&str>);
    /// assert!(session.expires_at() > session.issued_at());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        system_time(self.payload.expires_at)
    }

    /// The idle deadline, when the store has an idle timeout.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// assert_eq!(store.load(None::<&str>).idle_deadline(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn idle_deadline(&self) -> Option<SystemTime> {
        self.payload.idle_deadline.map(system_time)
    }

    /// How many cookies the session occupied when it was loaded or last
    /// saved (0 for a session that has none).
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// assert_eq!(session.cookie_count(), 0);
    /// session.insert("notes", &"x".repeat(4000))?; // ~5.4 KB sealed
    /// store.save(&mut session)?;
    /// assert_eq!(session.cookie_count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cookie_count(&self) -> usize {
        self.chunks_loaded
    }

    /// The length of the sealed value (all chunks' values together, in
    /// bytes) when the session was loaded or last saved; 0 if none.
    ///
    /// ```
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("user", "alice")?;
    /// store.save(&mut session)?;
    /// assert!(session.sealed_len() > 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn sealed_len(&self) -> usize {
        self.sealed_len
    }

    fn touch(&mut self) {
        self.modified = true;
    }

    /// Starts a logged-in session in place of this one, for a login (or
    /// any change of who the session belongs to); returns the old id.
    ///
    /// The session keeps only the values under `keep` (a key that is not
    /// there is skipped); every other value, every flash and a per-session
    /// max-age are dropped. It gets a new random id, and the next save
    /// seals it with fresh lifetimes: issued now, expiring one store
    /// max-age from now (call [`Session::set_max_age`] afterwards for
    /// "remember me"). The caller then inserts the user.
    ///
    /// Why not [`Session::regenerate_id`] alone: a session that existed
    /// before login may be an attacker's (a cookie set by a sibling
    /// subdomain or over plain HTTP opens as the victim's when the victim
    /// has none, SECURITY.md "Cookie injection"), and everything in it
    /// would survive into the victim's account: a redirect target, an
    /// OAuth `state`, a 400-day max-age. Its `issued_at` would also predate
    /// the login, so a "sign out of all devices" done between the visit
    /// and the login would end the new login at once. Keep only what the
    /// login flow needs and validates anyway (e.g. a `return_to` path it
    /// checks is local).
    ///
    /// ```
    /// use std::time::Duration;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let mut session = store.load(None::<&str>);
    /// session.insert("return_to", "/account")?;
    /// session.insert("oauth_state", "planted")?;
    /// session.add_flash("planted")?;
    /// session.set_max_age(Duration::from_secs(400 * 24 * 3600));
    /// let before = session.id();
    ///
    /// assert_eq!(session.begin_login(&["return_to"]), before);
    /// session.insert("user", "alice")?;
    /// assert_ne!(session.id(), before);
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["return_to", "user"]);
    /// assert!(session.flashes::<String>()?.is_empty());
    /// let cookies = store.save(&mut session)?;
    /// assert!(cookies[0].contains("Max-Age=1209600")); // the store's 14 days
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn begin_login(&mut self, keep: &[&str]) -> SessionId {
        // Copied out at their exact length before `destroy` wipes the opened
        // buffer they may lie in; each copy becomes the stored value as it is.
        let kept: Vec<(&str, Vec<u8>)> = keep
            .iter()
            .filter_map(|&key| {
                let value = self.payload.remove(key)?;
                Some((key, self.payload.bytes(&value).to_vec()))
            })
            .collect();
        let old = self.destroy();
        for (key, bytes) in kept {
            self.payload.insert(key, bytes);
        }
        old
    }

    /// Whether the session was issued before `cutoff`, compared in whole
    /// seconds as `issued_at` is sealed: the test of "sign out of all
    /// devices", with `cutoff` the user's sign-out time. A session issued
    /// in the same second as `cutoff` is not before it, so a login right
    /// after signing out everywhere keeps working.
    ///
    /// The instances' clocks must agree: a session stamped by a clock
    /// running ahead of the one that took `cutoff` looks younger than it
    /// is. Keep them synchronised (NTP), as the lifetimes need anyway.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_config(
    /// #     &sealed_session::Keyring::generate_entry(Default::default())?)?)?;
    /// let session = store.load(None::<&str>);
    /// assert!(session.issued_before(SystemTime::now() + Duration::from_secs(2)));
    /// assert!(!session.issued_before(session.issued_at()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn issued_before(&self, cutoff: SystemTime) -> bool {
        self.payload.issued_at < unix_secs(cutoff)
    }
}
