//! Key files: reading them with their comments, editing the entry list,
//! permission checks, and the atomic in-place rewrite.

use std::io::{self, Write as _};
use std::path::Path;

use sealed_session::Keyring;
use zeroize::Zeroizing;

use crate::Fail;

/// One keyring entry of a key file, with the comment lines above it and
/// its trailing comment.
pub(crate) struct Item {
    leading: Vec<String>,
    entry: Zeroizing<String>,
    comment: String,
}

/// A key file as lines: entries (newest first) with their comments, and
/// the comment lines after the last entry. Holds secrets: zeroized on drop.
pub(crate) struct KeyFile {
    pub(crate) items: Vec<Item>,
    trailing: Vec<String>,
}

impl KeyFile {
    pub(crate) fn read(path: &Path, in_place: bool) -> Result<KeyFile, Fail> {
        refuse_writable_by_others(path)?;
        if in_place {
            refuse_world_readable(path)?;
        } else {
            warn_if_world_readable(path);
        }
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Fail::keys(format!("cannot read {}: {e}", path.display())))?,
        );
        // As `Keyring::from_file`: a byte-order mark is dropped (and not written back).
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        // Validate with the library's own parser first: its errors name the entry.
        Keyring::from_config(text).map_err(|e| Fail::keys(format!("{}: {e}", path.display())))?;
        Ok(KeyFile::parse(text))
    }

    pub(crate) fn parse(text: &str) -> KeyFile {
        let mut items = Vec::new();
        let mut pending = Vec::new();
        for line in text.lines() {
            let (body, comment) = match line.find('#') {
                Some(at) => line.split_at(at),
                None => (line, ""),
            };
            let entries: Vec<&str> = body
                .split(',')
                .map(|e| e.trim_matches([' ', '\t', '\r']))
                .filter(|e| !e.is_empty())
                .collect();
            if entries.is_empty() {
                pending.push(line.to_owned());
                continue;
            }
            let last = entries.len() - 1;
            for (i, entry) in entries.into_iter().enumerate() {
                items.push(Item {
                    leading: std::mem::take(&mut pending),
                    entry: Zeroizing::new(entry.to_owned()),
                    comment: if i == last {
                        comment.trim().to_owned()
                    } else {
                        String::new()
                    },
                });
            }
        }
        KeyFile {
            items,
            trailing: pending,
        }
    }

    /// Inserts `entry` at `index` (0: the new primary). At the front it goes
    /// below the file's header comments.
    pub(crate) fn add(&mut self, entry: Zeroizing<String>, comment: String, index: usize) {
        let leading = match (index, self.items.first_mut()) {
            (0, Some(first)) => std::mem::take(&mut first.leading),
            _ => Vec::new(),
        };
        let item = Item {
            leading,
            entry,
            comment,
        };
        self.items.insert(index.min(self.items.len()), item);
    }

    /// Swaps the first two entries, leaving the comment lines in place.
    pub(crate) fn promote(&mut self) -> Result<(), String> {
        match self.items.as_mut_slice() {
            [first, second, ..] => {
                std::mem::swap(&mut first.entry, &mut second.entry);
                std::mem::swap(&mut first.comment, &mut second.comment);
                Ok(())
            }
            _ => Err("--promote needs at least two entries (stage one with --stage)".to_owned()),
        }
    }

    /// Keeps the newest `n` entries; returns how many were dropped.
    pub(crate) fn keep(&mut self, n: usize) -> usize {
        let dropped = self.items.len().saturating_sub(n);
        self.items.truncate(n);
        dropped
    }

    pub(crate) fn render(&self) -> Zeroizing<String> {
        // Reserve the exact length first: a growing buffer would leave
        // copies of key text in freed memory.
        let lines = |v: &[String]| v.iter().map(|l| l.len() + 1).sum::<usize>();
        let len = lines(&self.trailing)
            + self
                .items
                .iter()
                .map(|i| lines(&i.leading) + i.entry.len() + 1 + i.comment.len() + 2)
                .sum::<usize>();
        let mut text = Zeroizing::new(String::with_capacity(len));
        for item in &self.items {
            for line in &item.leading {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&item.entry);
            if !item.comment.is_empty() {
                text.push_str("  ");
                text.push_str(&item.comment);
            }
            text.push('\n');
        }
        for line in &self.trailing {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// The permission bits of a key file, following symlinks; `None` where
/// there are none to check (not Unix) or the file cannot be read (reading
/// it reports that).
#[cfg(unix)]
fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(std::fs::metadata(path).ok()?.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode(_path: &Path) -> Option<u32> {
    None
}

/// Refuses a key file that someone other than its owner can write (group-
/// or other-writable): whoever can write it can add a key of their own and
/// forge sessions. Every command that reads a key file checks this.
pub(crate) fn refuse_writable_by_others(path: &Path) -> Result<(), Fail> {
    match mode(path) {
        Some(mode) if mode & 0o022 != 0 => Err(Fail::keys(format!(
            "refusing {}: it is writable by group or others (mode {mode:04o}), so anyone \
             with that access could add a key; `chmod 600 {}` first",
            path.display(),
            path.display()
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn warn_if_world_readable(path: &Path) {
    if let Some(mode) = mode(path).filter(|m| m & 0o004 != 0) {
        let _ = writeln!(
            io::stderr(),
            "sealed-session: warning: {} is world-readable (mode {mode:04o}); `chmod 600` it",
            path.display()
        );
    }
}

fn refuse_world_readable(path: &Path) -> Result<(), Fail> {
    match mode(path) {
        Some(mode) if mode & 0o004 != 0 => Err(Fail::keys(format!(
            "refusing to write keys into {}: it is world-readable (mode {mode:04o}); \
             `chmod 600 {}` first",
            path.display(),
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The mode of a rewritten key file: the original's owner and group read
/// bits and the owner's write bit, nothing else (no execute, setuid,
/// setgid or sticky bits; writes by others were refused before).
const KEEP_MODE: u32 = 0o640;

/// Replaces the file atomically: a temp file in the same directory with the
/// original's owner and mode (masked to [`KEEP_MODE`]), written and fsynced, renamed over the
/// original, then the directory fsynced. On any failure the temp file is
/// removed and the original is untouched; a crash leaves at most a stray
/// `.NAME.tmp-PID` file (mode 0600 until its mode is copied) beside it.
#[cfg(unix)]
pub(crate) fn write_in_place(path: &Path, contents: &[u8]) -> Result<(), Fail> {
    use std::fs::{self, OpenOptions, Permissions};
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _};

    let fail = |what: &str, e: io::Error| {
        Fail::write(format!("{what}: {e}; {} is unchanged", path.display()))
    };
    // Follow a symlink: replace the file it points to, keep the link.
    let target = fs::canonicalize(path).map_err(|e| fail("cannot resolve the path", e))?;
    let original = fs::metadata(&target).map_err(|e| fail("cannot stat the file", e))?;
    let (Some(dir), Some(file_name)) = (target.parent(), target.file_name()) else {
        return Err(Fail::write(format!("{} is not a file", path.display())));
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| fail("cannot create the temporary file", e))?;
        let created = file
            .metadata()
            .map_err(|e| fail("cannot stat the temporary file", e))?;
        if (created.uid(), created.gid()) != (original.uid(), original.gid()) {
            std::os::unix::fs::fchown(&file, Some(original.uid()), Some(original.gid()))
                .map_err(|e| fail("cannot give the new file the original's owner", e))?;
        }
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| fail("cannot write the temporary file", e))?;
        file.set_permissions(Permissions::from_mode(
            original.permissions().mode() & KEEP_MODE,
        ))
        .map_err(|e| fail("cannot set the new file's permissions", e))?;
        drop(file);
        fs::rename(&tmp, &target).map_err(|e| fail("cannot replace the file", e))?;
        // Persist the rename itself.
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| {
            Fail::write(format!(
                "replaced {} but could not fsync its directory: {e}",
                path.display()
            ))
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(not(unix))]
pub(crate) fn write_in_place(_path: &Path, _contents: &[u8]) -> Result<(), Fail> {
    Err(Fail::write(
        "--in-place is supported on Unix only; redirect the output instead",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_keeps_comments_with_their_entries() {
        let file = KeyFile::parse("# header\n\nA  # first\n# about B\nB, C\n# end\n");
        assert_eq!(file.items.len(), 3);
        let mut file = file;
        file.add(Zeroizing::new("N".into()), "# new".into(), 0);
        assert_eq!(
            *file.render(),
            "# header\n\nN  # new\nA  # first\n# about B\nB\nC\n# end\n"
        );
        file.promote().unwrap();
        assert_eq!(file.keep(2), 2);
        let text = file.render();
        assert_eq!(*text, "# header\n\nA  # first\nN  # new\n# end\n");
        assert!(text.capacity() <= text.len() + 2 * file.items.len());
    }
}
