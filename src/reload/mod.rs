//! Keys that change without a restart: [`KeyReloader`] re-reads a key file
//! when it changes, and on `SIGHUP`, and replaces the keyring of every store
//! it was given ([`CookieStore::replace_keyring`]). It needs no framework:
//! the axum, actix-web and Rocket integrations hold the same stores, so a
//! reload reaches them all.
//!
//! What is watched is the key file's directory (and, when the path is a
//! symlink, its target's), so each of these is seen:
//!
//! - an atomic replacement (a temporary file renamed over the key file, as
//!   `sealed-session rotate --in-place` does);
//! - an in-place rewrite (an editor, `cat > keys.conf`): reloads wait until
//!   writes have paused for the debounce interval, and a half-written file
//!   that does not parse is refused and read again on the next change;
//! - a Kubernetes secret or config-map update: the volume's `..data`
//!   symlink is swapped to a new directory, so the file's own path never
//!   changes but the directory does.
//!
//! A new keyring is checked exactly as at build time
//! ([`Keyring::from_file`], then the store's derivation). A key file that
//! does not read or parse, or keys a store refuses, leave every store
//! serving with the keys it had: the refusal is counted
//! ([`StoreStats::reloads_refused`](crate::StoreStats::reloads_refused)) and
//! logged (`warn`, with the `tracing` feature). A file whose keys did not
//! change replaces nothing.

#[cfg(unix)]
mod signal;
mod watch;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::keyring::{ConfigError, KeyId, Keyring};
use crate::observe::event;
use crate::store::{CookieStore, StoreError};

#[cfg(unix)]
use signal::SignalThread;
use watch::Watch;

/// How long writes to the key file must pause before it is read (default).
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(50);

/// The longest a reload waits for writes to pause: a file rewritten without
/// end is still read this often.
const MAX_DEBOUNCE_WAIT: Duration = Duration::from_secs(2);

/// Why a reload (or starting a reloader) did not happen. The stores keep
/// the keys they had.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sealed_session::reload::{KeyReloader, ReloadError};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("keys.conf");
/// std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
/// let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
/// let reloader = KeyReloader::builder(&path).store(&store).with_sighup(false).start()?;
///
/// std::fs::write(&path, "not a key\n")?;
/// assert!(matches!(reloader.reload_now(), Err(ReloadError::Config(_))));
/// assert_eq!(store.stats().reloads_refused, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ReloadError {
    /// The key file did not read, or is not a valid key list (the error
    /// names the entry; never key bytes).
    Config(ConfigError),
    /// A store refused the new keyring.
    Store(StoreError),
    /// The reloader was given no store.
    NoStores,
    /// The key file's directory could not be watched.
    Watch(String),
    /// The `SIGHUP` handler could not be installed.
    Signal(String),
}

impl fmt::Display for ReloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReloadError::Config(e) => write!(f, "key file refused: {e}"),
            ReloadError::Store(e) => write!(f, "keyring refused by the store: {e}"),
            ReloadError::NoStores => f.write_str("a key reloader needs at least one store"),
            ReloadError::Watch(e) => write!(f, "cannot watch the key file: {e}"),
            ReloadError::Signal(e) => write!(f, "cannot handle SIGHUP: {e}"),
        }
    }
}

impl std::error::Error for ReloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReloadError::Config(e) => Some(e),
            ReloadError::Store(e) => Some(e),
            _ => None,
        }
    }
}

/// What a reload did.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("keys.conf");
/// use sealed_session::{CookieStore, Keyring, reload::{KeyReloader, Reloaded}};
/// let (old, new) = (Keyring::generate_entry(Default::default())?, Keyring::generate_entry(Default::default())?);
/// std::fs::write(&path, format!("{}\n", *old))?;
/// let store = CookieStore::new("__Host-s", Keyring::from_file(&path)?)?;
/// let reloader = KeyReloader::builder(&path).store(&store).with_file_watch(false).with_sighup(false).start()?;
/// std::fs::write(&path, format!("{}\n{}\n", *new, *old))?;
/// let primary = Keyring::from_config(&new)?.primary_id();
/// assert_eq!(reloader.reload_now()?, Reloaded::Applied { primary, keys: 2 });
/// assert_eq!(reloader.reload_now()?, Reloaded::Unchanged);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reloaded {
    /// The stores now seal with `primary`, and open with `keys` pairs.
    Applied {
        /// The key id of the new primary.
        primary: KeyId,
        /// How many pairs the new keyring holds.
        keys: usize,
    },
    /// The file holds the keys the stores already have: nothing replaced.
    Unchanged,
}

/// What triggered a reload (for the logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trigger {
    File,
    #[cfg_attr(not(unix), allow(dead_code))]
    Signal,
    Request,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::File => "file change",
            Trigger::Signal => "SIGHUP",
            Trigger::Request => "reload_now",
        }
    }
}

enum Message {
    Reload(Trigger),
    Stop,
}

/// The state the reloading thread and [`KeyReloader::reload_now`] share.
struct Shared {
    path: PathBuf,
    stores: Vec<CookieStore>,
    /// One reload at a time: a slower reload must not apply an older read
    /// after a faster one applied a newer one.
    reloading: Mutex<()>,
}

impl Shared {
    fn reload(&self) -> Result<Reloaded, ReloadError> {
        let _one_at_a_time = self
            .reloading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let keyring = match Keyring::from_file(&self.path) {
            Ok(keyring) => Arc::new(keyring),
            Err(error) => {
                for store in &self.stores {
                    store.refuse_reload(&error);
                }
                return Err(ReloadError::Config(error));
            }
        };
        let mut outcome = Reloaded::Unchanged;
        let mut refused = None;
        for store in &self.stores {
            if store.keyring().same_keys(&keyring) {
                continue;
            }
            match store.replace_keyring(Arc::clone(&keyring)) {
                Ok(()) => {
                    outcome = Reloaded::Applied {
                        primary: keyring.primary_id(),
                        keys: keyring.len(),
                    };
                }
                Err(error) => refused = Some(error),
            }
        }
        match refused {
            Some(error) => Err(ReloadError::Store(error)),
            None => Ok(outcome),
        }
    }
}

/// Builds a [`KeyReloader`]: the key file, the stores to keep in step with
/// it, and whether `SIGHUP` reloads too.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("keys.conf");
/// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
/// use std::time::Duration;
/// use sealed_session::{CookieStore, Keyring, reload::KeyReloader};
/// let store = CookieStore::new("__Host-s", Keyring::from_file(&path)?)?;
/// let reloader = KeyReloader::builder(&path)
///     .store(&store)
///     .with_debounce(Duration::from_millis(20))
///     .with_sighup(false)
///     .start()?;
/// # drop(reloader);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct KeyReloaderBuilder {
    path: PathBuf,
    stores: Vec<CookieStore>,
    sighup: bool,
    file_watch: bool,
    debounce: Duration,
}

impl KeyReloaderBuilder {
    /// Keeps `store`'s keyring in step with the key file (a clone of the
    /// store: clones share their keys). Give every store built from the
    /// file, including those made with [`CookieStore::for_name`].
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # use sealed_session::{CookieStore, Keyring, reload::KeyReloader};
    /// let auth = CookieStore::new("__Host-auth", Keyring::from_file(&path)?)?;
    /// let prefs = auth.for_name("__Host-prefs")?;
    /// let _reloader = KeyReloader::builder(&path).store(&auth).store(&prefs).with_sighup(false).start()?;
    /// # Ok(()) }
    /// ```
    pub fn store(mut self, store: &CookieStore) -> Self {
        self.stores.push(store.clone());
        self
    }

    /// Reload on `SIGHUP` too (default `true`; Unix only, ignored
    /// elsewhere). Installing the handler replaces `SIGHUP`'s default
    /// action (ending the process) for the whole process, also after the
    /// reloader is dropped.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// let builder = sealed_session::reload::KeyReloader::builder(&path).store(&store).with_sighup(false);
    /// # drop(builder);
    /// # Ok(()) }
    /// ```
    pub fn with_sighup(mut self, sighup: bool) -> Self {
        self.sighup = sighup;
        self
    }

    /// Watch the key file for changes (default `true`). Without it, only
    /// `SIGHUP` and [`KeyReloader::reload_now`] reload: for file systems
    /// that do not report changes (some network file systems), or where
    /// keys must change only when an operator says so.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// let reloader = sealed_session::reload::KeyReloader::builder(&path)
    ///     .store(&store)
    ///     .with_file_watch(false)
    ///     .start()?;
    /// # drop(reloader);
    /// # Ok(()) }
    /// ```
    pub fn with_file_watch(mut self, file_watch: bool) -> Self {
        self.file_watch = file_watch;
        self
    }

    /// How long writes to the key file must pause before it is read
    /// (default [`DEFAULT_DEBOUNCE`]). A rewrite in place fires several
    /// events; reading after the last one avoids refusing a half-written
    /// file. This is most of the delay between a write and the new keys.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// let builder = sealed_session::reload::KeyReloader::builder(&path)
    ///     .store(&store)
    ///     .with_debounce(std::time::Duration::from_millis(200));
    /// # drop(builder);
    /// # Ok(()) }
    /// ```
    pub fn with_debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// Reads the key file once (so a change made since the stores were
    /// built is not missed), then starts watching it and, if enabled,
    /// listening for `SIGHUP`, on a background thread.
    ///
    /// # Errors
    ///
    /// [`ReloadError::NoStores`] without a store; [`ReloadError::Config`]
    /// or [`ReloadError::Store`] when the key file cannot be used now (a
    /// configuration error is caught at start, not at the first change);
    /// [`ReloadError::Watch`] or [`ReloadError::Signal`] when the watch or
    /// the signal handler cannot be set up.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// use sealed_session::reload::{KeyReloader, ReloadError};
    /// let err = KeyReloader::builder(dir.path().join("missing.conf")).start().unwrap_err();
    /// assert!(matches!(err, ReloadError::NoStores));
    /// # Ok(()) }
    /// ```
    pub fn start(self) -> Result<KeyReloader, ReloadError> {
        if self.stores.is_empty() {
            return Err(ReloadError::NoStores);
        }
        let shared = Arc::new(Shared {
            path: self.path,
            stores: self.stores,
            reloading: Mutex::new(()),
        });
        let (tx, rx) = mpsc::channel();
        let watch = if self.file_watch {
            Some(Watch::new(&shared.path, tx.clone())?)
        } else {
            None
        };
        // After the watch is in place: a change from here on is seen, one
        // made before is read now.
        shared.reload()?;
        #[cfg(unix)]
        let signal = if self.sighup {
            Some(SignalThread::start(tx.clone())?)
        } else {
            None
        };
        let worker = {
            let shared = Arc::clone(&shared);
            let debounce = self.debounce;
            std::thread::Builder::new()
                .name("sealed-session key reloader".to_owned())
                .spawn(move || run(&shared, watch, &rx, debounce))
                .map_err(|e| ReloadError::Watch(format!("cannot start its thread: {e}")))?
        };
        event!(
            info,
            path = %shared.path.display(),
            stores = shared.stores.len(),
            sighup = self.sighup,
            file_watch = self.file_watch,
            "key reloader started"
        );
        Ok(KeyReloader {
            shared,
            tx,
            worker: Some(worker),
            #[cfg(unix)]
            signal,
        })
    }
}

/// Keeps stores' keyrings in step with a key file, without a restart: the
/// file is watched (atomic replacements, in-place rewrites and Kubernetes'
/// symlink swaps) and, on Unix, `SIGHUP` reloads it too. See the
/// [module docs](self). Dropping the reloader stops it; the stores keep
/// the keys they have.
///
/// # Security
///
/// Whoever can write the key file (or replace its directory's entries)
/// can add a key of their own and forge sessions, now within moments
/// instead of at the next restart: keep the file and its directory
/// writable by their owner only (`sealed-session` refuses key files that
/// group or others can write).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::{Duration, Instant};
/// use sealed_session::{CookieStore, Keyring, reload::KeyReloader};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("keys.conf");
/// let old = Keyring::generate_entry(Default::default())?;
/// std::fs::write(&path, format!("{}\n", *old))?;
/// let store = CookieStore::new("__Host-s", Keyring::from_file(&path)?)?;
/// let _reloader = KeyReloader::builder(&path).store(&store).with_sighup(false).start()?;
///
/// // Promote a new key: written beside the file, then renamed over it.
/// let new = Keyring::generate_entry(Default::default())?;
/// std::fs::write(dir.path().join("keys.tmp"), format!("{}\n{}\n", *new, *old))?;
/// std::fs::rename(dir.path().join("keys.tmp"), &path)?;
///
/// let new_id = Keyring::from_config(&new)?.primary_id();
/// let deadline = Instant::now() + Duration::from_secs(10);
/// // (The keyring is swapped, then the reload counted: wait for both.)
/// while (store.keyring().primary_id() != new_id || store.stats().reloads_applied == 0)
///     && Instant::now() < deadline
/// {
///     std::thread::sleep(Duration::from_millis(10));
/// }
/// assert_eq!(store.keyring().primary_id(), new_id);
/// assert_eq!(store.stats().reloads_applied, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct KeyReloader {
    shared: Arc<Shared>,
    tx: Sender<Message>,
    worker: Option<JoinHandle<()>>,
    #[cfg(unix)]
    signal: Option<SignalThread>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("path", &self.path)
            .field("stores", &self.stores.len())
            .finish_non_exhaustive()
    }
}

impl KeyReloader {
    /// A builder for a reloader of the key file at `path` (give it the
    /// same path the stores' keyring was read from).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// let reloader = sealed_session::reload::KeyReloader::builder(&path).store(&store).start()?;
    /// assert_eq!(reloader.path(), path);
    /// # Ok(()) }
    /// ```
    pub fn builder(path: impl Into<PathBuf>) -> KeyReloaderBuilder {
        KeyReloaderBuilder {
            path: path.into(),
            stores: Vec::new(),
            sighup: true,
            file_watch: true,
            debounce: DEFAULT_DEBOUNCE,
        }
    }

    /// The key file's path.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// # let reloader = sealed_session::reload::KeyReloader::builder(&path).store(&store).with_sighup(false).start()?;
    /// assert!(reloader.path().ends_with("keys.conf"));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Reads the key file now and replaces the stores' keyrings if the keys
    /// changed (for an admin endpoint, or where file events do not arrive,
    /// such as some network file systems). Counted and logged as any
    /// reload.
    ///
    /// # Errors
    ///
    /// [`ReloadError::Config`] when the file does not read or parse,
    /// [`ReloadError::Store`] when a store refuses the keys: the stores
    /// keep the keys they had.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("keys.conf");
    /// # std::fs::write(&path, format!("{}\n", *sealed_session::Keyring::generate_entry(Default::default())?))?;
    /// # let store = sealed_session::CookieStore::new("__Host-s", sealed_session::Keyring::from_file(&path)?)?;
    /// # let reloader = sealed_session::reload::KeyReloader::builder(&path).store(&store).with_sighup(false).start()?;
    /// use sealed_session::reload::Reloaded;
    /// assert_eq!(reloader.reload_now()?, Reloaded::Unchanged);
    /// # Ok(()) }
    /// ```
    pub fn reload_now(&self) -> Result<Reloaded, ReloadError> {
        let outcome = self.shared.reload();
        log_outcome(&self.shared.path, Trigger::Request, &outcome);
        outcome
    }
}

impl Drop for KeyReloader {
    fn drop(&mut self) {
        #[cfg(unix)]
        drop(self.signal.take());
        let _ = self.tx.send(Message::Stop);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The reloading thread: waits for a trigger, lets writes pause, reloads.
fn run(shared: &Shared, mut watch: Option<Watch>, rx: &Receiver<Message>, debounce: Duration) {
    while let Ok(Message::Reload(trigger)) = rx.recv() {
        let started = Instant::now();
        loop {
            let left = MAX_DEBOUNCE_WAIT.saturating_sub(started.elapsed());
            match rx.recv_timeout(debounce.min(left)) {
                Ok(Message::Reload(_)) if !left.is_zero() => {}
                Ok(Message::Reload(_)) | Err(RecvTimeoutError::Timeout) => break,
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let outcome = shared.reload();
        log_outcome(&shared.path, trigger, &outcome);
        // A symlink may point somewhere else now (a swapped volume).
        if let Some(watch) = &mut watch {
            watch.follow_target(&shared.path);
        }
    }
}

fn log_outcome(path: &Path, trigger: Trigger, outcome: &Result<Reloaded, ReloadError>) {
    let by = trigger.as_str();
    match outcome {
        Ok(Reloaded::Applied { primary, keys }) => {
            event!(info, path = %path.display(), trigger = by, primary = %primary, keys, "key file reloaded");
            let _ = (primary, keys);
        }
        // Asked for (a signal, a call): say it was done. A file event
        // (comments edited, a sibling file renamed) is routine.
        Ok(Reloaded::Unchanged) if trigger == Trigger::File => {
            event!(debug, path = %path.display(), trigger = by, "key file read: keys unchanged");
        }
        Ok(Reloaded::Unchanged) => {
            event!(info, path = %path.display(), trigger = by, "key file read: keys unchanged");
        }
        Err(error) => {
            event!(warn, path = %path.display(), trigger = by, error = %error, "key file reload refused");
            let _ = error;
        }
    }
    let _ = (path, by);
}
