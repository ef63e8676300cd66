//! The key file's watch: its directory (and its symlink target's), and
//! which file-system events can change what the file reads.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::{Message, ReloadError, Trigger};

/// The file-system watch: the key file's directory, and its symlink
/// target's directory when that is elsewhere.
pub(super) struct Watch {
    watcher: RecommendedWatcher,
    /// The target directory watched besides the file's own, if any.
    target_dir: Option<PathBuf>,
}

impl Watch {
    pub(super) fn new(path: &Path, tx: Sender<Message>) -> Result<Watch, ReloadError> {
        let names = watched_names(path);
        let mut watcher =
            notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
                let relevant = match &result {
                    Ok(event) => is_relevant(event, &names),
                    // A lost or failed watch: read the file rather than miss a change.
                    Err(_) => true,
                };
                if relevant {
                    let _ = tx.send(Message::Reload(Trigger::File));
                }
            })
            .map_err(|e| ReloadError::Watch(e.to_string()))?;
        let dir = parent(path);
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|e| ReloadError::Watch(format!("{}: {e}", dir.display())))?;
        let mut watch = Watch {
            watcher,
            target_dir: None,
        };
        watch.follow_target(path);
        Ok(watch)
    }

    /// Watches the directory of the file `path` resolves to, if it is not
    /// the directory of `path` itself (a symlink into another directory).
    pub(super) fn follow_target(&mut self, path: &Path) {
        let own = parent(path).canonicalize().ok();
        let target = path
            .canonicalize()
            .ok()
            .map(|t| parent(&t))
            .filter(|t| Some(t) != own.as_ref());
        if target == self.target_dir {
            return;
        }
        if let Some(old) = self.target_dir.take() {
            let _ = self.watcher.unwatch(&old);
        }
        if let Some(dir) = target
            && self
                .watcher
                .watch(&dir, RecursiveMode::NonRecursive)
                .is_ok()
        {
            self.target_dir = Some(dir);
        }
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The file names whose changes can change what `path` reads: its own and,
/// if it is a symlink, its target's (read once; a swapped link is caught by
/// its own name or by Kubernetes' `..data`).
fn watched_names(path: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = path
        .file_name()
        .map(ToOwned::to_owned)
        .into_iter()
        .collect();
    if let Some(target) = path
        .canonicalize()
        .ok()
        .and_then(|t| t.file_name().map(ToOwned::to_owned))
    {
        names.push(target);
    }
    names
}

/// Whether a file-system event can have changed the key file: a change
/// (not a read: reading the file ourselves must not trigger a reload) to
/// its name, its target's name or a `..`-prefixed name (Kubernetes'
/// `..data` link and its timestamped directories), or a rescan request.
fn is_relevant(event: &notify::Event, names: &[std::ffi::OsString]) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return false,
        _ => {}
    }
    event.need_rescan()
        || event.paths.iter().any(|p| {
            p.file_name().is_some_and(|name| {
                names.iter().any(|n| n == name) || name.as_encoded_bytes().starts_with(b"..")
            })
        })
}
