//! `sealed-session`: key operations for sealed-session keyrings.
//!
//! `keygen` prints a fresh keyring entry, `rotate` and `retire` edit a key
//! file (atomically with `--in-place`), `check` lists a key file's entries
//! without their bytes, and `inspect` opens a session cookie to show what is
//! inside. Key bytes are printed only where the user asked for a key
//! (`keygen`, and `rotate`/`retire` without `--in-place`, whose output *is*
//! the key file).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use ciborium::Value;
use clap::{Parser, Subcommand};
use sealed_session::{Algorithm, CookieStore, Keyring, LoadError};
use serde_json::{Map, Value as Json, json};
use zeroize::Zeroizing;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  inspect: the session did not open (invalid, expired, or no cookie of that name)
  2  usage error (bad arguments)
  3  key file problem: unreadable, invalid, or world-readable where that is refused
  4  writing failed (the original key file is left intact), or the OS random source failed";

const EXIT_NOT_OPENED: u8 = 1;
const EXIT_KEYS: u8 = 3;
const EXIT_WRITE: u8 = 4;

/// The size budget `inspect` opens with: large enough for any chunk count
/// an application's budget allows (the chunk count is authenticated, the
/// budget is not part of the seal).
const INSPECT_SIZE_LIMIT: usize = 200 * 1024;

#[derive(Parser)]
#[command(
    name = "sealed-session",
    version,
    about = "Key operations for sealed-session keyrings: generate, rotate, check, inspect",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one fresh keyring entry (a secret key) in the config format.
    #[command(after_help = EXIT_CODES)]
    Keygen {
        /// Algorithm: xaes-256-gcm (default), xchacha20-poly1305, aes-256-gcm, hmac-sha256.
        #[arg(long, value_name = "ALG")]
        alg: Option<Algorithm>,
        /// A sign-only pair (hmac-sha256): the client can read the session.
        #[arg(long, conflicts_with = "alg")]
        sign_only: bool,
    },
    /// Add a fresh key to a key file: as the new primary (default), or
    /// staged second for a fleet rotation; or promote a staged key.
    ///
    /// Prints the new key file, or rewrites it with --in-place. Comment
    /// lines are kept with the entry that follows them; entries are written
    /// one per line.
    #[command(after_help = EXIT_CODES)]
    Rotate {
        /// The key file (newest entry first).
        #[arg(long, value_name = "FILE")]
        keys: PathBuf,
        /// Algorithm of the new key (default xaes-256-gcm).
        #[arg(long, value_name = "ALG")]
        alg: Option<Algorithm>,
        /// Fleet phase 1: add the new key second (it opens, it does not seal yet).
        #[arg(long, conflicts_with = "promote")]
        stage: bool,
        /// Fleet phase 2: add no key; the second entry becomes the primary.
        #[arg(long, conflicts_with = "alg")]
        promote: bool,
        /// Then keep only the newest N entries.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        retire: Option<u16>,
        /// Rewrite FILE atomically (temp file, fsync, rename), keeping its
        /// permissions and owner; refused if FILE is world-readable.
        #[arg(long)]
        in_place: bool,
    },
    /// Drop old keys: keep only the newest N entries (the last phase of a rotation).
    #[command(after_help = EXIT_CODES)]
    Retire {
        /// The key file (newest entry first).
        #[arg(long, value_name = "FILE")]
        keys: PathBuf,
        /// How many entries to keep, newest first.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        keep: u16,
        /// Rewrite FILE atomically, as for `rotate --in-place`.
        #[arg(long)]
        in_place: bool,
    },
    /// Validate a key file and list each entry's key id, algorithm and mode
    /// (never key bytes).
    #[command(after_help = EXIT_CODES)]
    Check {
        #[command(flatten)]
        source: KeySource,
    },
    /// Open a session cookie and print its payload as JSON, or why it did
    /// not open (`invalid`, `expired` or `absent`, with exit code 1).
    #[command(after_help = EXIT_CODES)]
    Inspect {
        #[command(flatten)]
        source: KeySource,
        /// The session cookie's name (as given to CookieStore).
        #[arg(long)]
        name: String,
        /// A Cookie header (`Cookie:` prefix optional), or a bare sealed
        /// value; `-` or nothing reads it from standard input.
        #[arg(value_name = "COOKIE_HEADER")]
        cookie: Option<String>,
    },
}

/// Where `check` and `inspect` read the key list from.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct KeySource {
    /// The key file (newest entry first).
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// Read the key list from this environment variable instead (e.g. SESSION_KEYS).
    #[arg(long, value_name = "VAR")]
    keys_env: Option<String>,
}

impl KeySource {
    fn load(&self) -> Result<Keyring, Fail> {
        let result = match (&self.keys, &self.keys_env) {
            (Some(path), _) => {
                warn_if_world_readable(path);
                Keyring::from_file(path)
            }
            (None, Some(var)) => Keyring::from_env(var),
            (None, None) => return Err(Fail::keys("no key list given (--keys or --keys-env)")),
        };
        result.map_err(|e| Fail::keys(e.to_string()))
    }
}

/// A failure: the message for stderr and the exit code.
struct Fail {
    code: u8,
    message: String,
}

impl Fail {
    fn keys(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_KEYS,
            message: message.into(),
        }
    }

    fn write(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_WRITE,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(fail) => {
            let _ = writeln!(io::stderr(), "sealed-session: {}", fail.message);
            ExitCode::from(fail.code)
        }
    }
}

fn run(command: Command) -> Result<u8, Fail> {
    match command {
        Command::Keygen { alg, sign_only } => {
            let alg = if sign_only {
                Algorithm::HmacSha256
            } else {
                alg.unwrap_or_default()
            };
            let entry = Keyring::generate_entry(alg)
                .map_err(|e| Fail::write(format!("cannot generate a key: {e}")))?;
            let mut line = Zeroizing::new(String::with_capacity(entry.len() + 1));
            line.push_str(&entry);
            line.push('\n');
            out(&line)?;
            Ok(0)
        }
        Command::Rotate {
            keys,
            alg,
            stage,
            promote,
            retire,
            in_place,
        } => {
            let mut file = KeyFile::read(&keys, in_place)?;
            let summary = if promote {
                file.promote().map_err(Fail::keys)?;
                "promoted the second entry to primary"
            } else {
                let entry = Keyring::generate_entry(alg.unwrap_or_default())
                    .map_err(|e| Fail::write(format!("cannot generate a key: {e}")))?;
                let comment = format!("# added {}", rfc3339(SystemTime::now()));
                file.add(entry, comment, usize::from(stage));
                if stage {
                    "staged a new key second (it opens, the primary still seals)"
                } else {
                    "added a new primary key"
                }
            };
            if let Some(n) = retire {
                file.keep(usize::from(n));
            }
            finish(&keys, &file, in_place, summary)
        }
        Command::Retire {
            keys,
            keep,
            in_place,
        } => {
            let mut file = KeyFile::read(&keys, in_place)?;
            let dropped = file.keep(usize::from(keep));
            let summary = format!(
                "retired {dropped} old key{}",
                if dropped == 1 { "" } else { "s" }
            );
            finish(&keys, &file, in_place, &summary)
        }
        Command::Check { source } => {
            let keyring = source.load()?;
            let mut text = String::from("entry  key id    algorithm           mode       role\n");
            for (index, (id, alg)) in keyring.ids().enumerate() {
                let mode = if alg.encrypts() {
                    "encrypted"
                } else {
                    "sign-only"
                };
                let role = if index == 0 {
                    "primary: seals and opens"
                } else {
                    "opens only"
                };
                // `Algorithm`'s Display ignores width: pad its name.
                let _ = writeln!(
                    text,
                    "{:<6} {id}  {:<19} {mode:<10} {role}",
                    index + 1,
                    alg.name()
                );
            }
            let _ = writeln!(text, "{}; OK", entries(keyring.len()));
            out(&text)?;
            Ok(0)
        }
        Command::Inspect {
            source,
            name,
            cookie,
        } => inspect(&source, &name, cookie),
    }
}

/// Prints the key file, or writes it in place and prints a summary.
fn finish(path: &Path, file: &KeyFile, in_place: bool, summary: &str) -> Result<u8, Fail> {
    let text = file.render();
    // Validate what is about to be written: it must parse, with no duplicate ids.
    let keyring = Keyring::from_config(&text)
        .map_err(|e| Fail::keys(format!("the rotated key list would be invalid: {e}")))?;
    if !in_place {
        out(&text)?;
        return Ok(0);
    }
    write_in_place(path, text.as_bytes())?;
    let (id, alg) = keyring
        .ids()
        .next()
        .ok_or_else(|| Fail::keys("the rotated key list is empty"))?;
    out(&format!(
        "{}: {summary}; {}, primary {id} ({alg})\n",
        path.display(),
        entries(keyring.len())
    ))?;
    Ok(0)
}

fn entries(n: usize) -> String {
    if n == 1 {
        "1 entry".to_owned()
    } else {
        format!("{n} entries")
    }
}

fn out(text: &str) -> Result<(), Fail> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Fail::write(format!("cannot write to standard output: {e}")))
}

/// One keyring entry of a key file, with the comment lines above it and
/// its trailing comment.
struct Item {
    leading: Vec<String>,
    entry: Zeroizing<String>,
    comment: String,
}

/// A key file as lines: entries (newest first) with their comments, and
/// the comment lines after the last entry. Holds secrets: zeroized on drop.
struct KeyFile {
    items: Vec<Item>,
    trailing: Vec<String>,
}

impl KeyFile {
    fn read(path: &Path, in_place: bool) -> Result<KeyFile, Fail> {
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

    fn parse(text: &str) -> KeyFile {
        let mut items = Vec::new();
        let mut pending = Vec::new();
        for line in text.lines() {
            let (body, comment) = match line.find('#') {
                Some(at) => line.split_at(at),
                None => (line, ""),
            };
            let entries: Vec<&str> = body
                .split(',')
                .map(str::trim)
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
    fn add(&mut self, entry: Zeroizing<String>, comment: String, index: usize) {
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
    fn promote(&mut self) -> Result<(), String> {
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
    fn keep(&mut self, n: usize) -> usize {
        let dropped = self.items.len().saturating_sub(n);
        self.items.truncate(n);
        dropped
    }

    fn render(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::new());
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

#[cfg(unix)]
fn world_readable(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o004 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn world_readable(_path: &Path) -> Option<u32> {
    None
}

fn warn_if_world_readable(path: &Path) {
    if let Some(mode) = world_readable(path) {
        let _ = writeln!(
            io::stderr(),
            "sealed-session: warning: {} is world-readable (mode {mode:04o}); `chmod 600` it",
            path.display()
        );
    }
}

fn refuse_world_readable(path: &Path) -> Result<(), Fail> {
    match world_readable(path) {
        Some(mode) => Err(Fail::keys(format!(
            "refusing to write keys into {}: it is world-readable (mode {mode:04o}); \
             `chmod 600 {}` first",
            path.display(),
            path.display()
        ))),
        None => Ok(()),
    }
}

/// Replaces the file atomically: a temp file in the same directory with the
/// original's mode and owner, written and fsynced, renamed over the
/// original, then the directory fsynced. On any failure the temp file is
/// removed and the original is untouched; a crash leaves at most a stray
/// `.NAME.tmp-PID` file (mode 0600 until its mode is copied) beside it.
#[cfg(unix)]
fn write_in_place(path: &Path, contents: &[u8]) -> Result<(), Fail> {
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
            original.permissions().mode() & 0o7777,
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
fn write_in_place(_path: &Path, _contents: &[u8]) -> Result<(), Fail> {
    Err(Fail::write(
        "--in-place is supported on Unix only; redirect the output instead",
    ))
}

fn inspect(source: &KeySource, name: &str, cookie: Option<String>) -> Result<u8, Fail> {
    let keyring = source.load()?;
    let primary = keyring.primary_id();
    let store = CookieStore::builder(name, keyring)
        .with_size_limit(INSPECT_SIZE_LIMIT)
        .build()
        .map_err(|e| Fail {
            code: 2,
            message: format!("--name: {e}"),
        })?;
    let input = match cookie.as_deref() {
        None | Some("-") => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Fail::keys(format!("cannot read standard input: {e}")))?;
            text
        }
        Some(text) => text.to_owned(),
    };
    let header = cookie_header(&input, name);
    let session = store.load(Some(header.as_str()));
    let (status, code) = match session.load_error() {
        Some(LoadError::Expired) => ("expired", EXIT_NOT_OPENED),
        Some(_) => ("invalid", EXIT_NOT_OPENED),
        None if session.is_new() => ("absent", EXIT_NOT_OPENED),
        None => ("ok", 0),
    };
    if code != 0 {
        out(&format!("{}\n", json!({ "status": status })))?;
        let _ = writeln!(
            io::stderr(),
            "sealed-session: no session opened: {status} (the exact reason stays internal: no oracle)"
        );
        return Ok(code);
    }
    let key_id = session.opened_with();
    let data = sealed_session::__private::session_data(&session)
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v)))
        .collect::<Map<_, _>>();
    let flashes = sealed_session::__private::session_flashes(&session)
        .iter()
        .map(|(bucket, values)| {
            (
                bucket.clone(),
                Json::Array(values.iter().map(to_json).collect()),
            )
        })
        .collect::<Map<_, _>>();
    let report = json!({
        "status": status,
        "id": session.id().to_string(),
        "key_id": key_id.map(|id| id.to_string()),
        "primary_key": key_id == Some(primary),
        "issued_at": rfc3339(session.issued_at()),
        "expires_at": rfc3339(session.expires_at()),
        "idle_deadline": session.idle_deadline().map(rfc3339),
        "cookies": session.cookie_count(),
        "data": data,
        "flashes": flashes,
    });
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| Fail::write(format!("cannot format JSON: {e}")))?;
    out(&format!("{text}\n"))?;
    Ok(0)
}

/// The input as a Cookie header: a `Cookie:` prefix is dropped, and a bare
/// sealed value (base64url has no `=`) becomes `NAME=value`.
fn cookie_header(input: &str, name: &str) -> String {
    let text = input.trim();
    let text = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("cookie:") => text.get(7..).unwrap_or(""),
        _ => text,
    };
    let text = text.trim();
    if text.contains('=') {
        text.to_owned()
    } else {
        format!("{name}={text}")
    }
}

/// A CBOR value as JSON: byte strings as `{"bytes_b64": ...}`, tags as
/// `{"tag": N, "value": ...}`, non-text map keys in their JSON text form.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Integer(i) => {
            let n = i128::from(*i);
            if let Ok(n) = i64::try_from(n) {
                Json::from(n)
            } else if let Ok(n) = u64::try_from(n) {
                Json::from(n)
            } else {
                Json::String(n.to_string())
            }
        }
        Value::Bytes(b) => {
            use base64::Engine as _;
            json!({ "bytes_b64": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b) })
        }
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Text(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Tag(tag, inner) => json!({ "tag": tag, "value": to_json(inner) }),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let map: BTreeMap<String, Json> = entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::Text(s) => s.clone(),
                        other => to_json(other).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect();
            Json::Object(map.into_iter().collect())
        }
        _ => Json::Null,
    }
}

/// RFC 3339 in UTC, to the second (`2026-11-22T15:04:05Z`).
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms", civil_from_days), for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_formats_known_instants() {
        let at = |s| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn cookie_header_forms() {
        assert_eq!(cookie_header("Cookie: a=1; s=x", "s"), "a=1; s=x");
        assert_eq!(cookie_header("  abc \n", "s"), "s=abc");
        assert_eq!(cookie_header("s=abc", "s"), "s=abc");
    }

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
        assert_eq!(*file.render(), "# header\n\nA  # first\nN  # new\n# end\n");
    }
}
