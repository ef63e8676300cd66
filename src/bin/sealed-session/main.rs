//! `sealed-session`: key operations for sealed-session keyrings.
//!
//! `keygen` prints a fresh keyring entry, `rotate` and `retire` edit a key
//! file (atomically with `--in-place`), `check` lists a key file's entries
//! without their bytes, and `inspect` opens a session cookie to show what is
//! inside. Key bytes are printed only where the user asked for a key
//! (`keygen`, and `rotate`/`retire` without `--in-place`, whose output *is*
//! the key file).

mod cbor_json;
mod inspect;
mod keyfile;
mod payload_json;
mod seal;
mod time;

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Parser, Subcommand};
use sealed_session::{Algorithm, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_AGE, DEFAULT_SIZE_LIMIT, Keyring};
use zeroize::Zeroizing;

use crate::inspect::{Opening, inspect};
use crate::keyfile::{KeyFile, refuse_writable_by_others, warn_if_world_readable, write_in_place};
use crate::seal::{Sealing, seal};
use crate::time::{parse_time, rfc3339};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  inspect: the session did not open (invalid, expired, or no cookie of that name)
  2  usage error (bad arguments; for seal, a description a store would not
     open, or one too large for the budget)
  3  key file problem: unreadable, invalid, writable by group or others, or
     world-readable where that is refused (--in-place)
  4  writing failed (the original key file is left intact), or the OS random source failed";

pub(crate) const EXIT_NOT_OPENED: u8 = 1;
const EXIT_KEYS: u8 = 3;
const EXIT_WRITE: u8 = 4;

#[derive(Parser)]
#[command(
    name = "sealed-session",
    version,
    about = "Key operations for sealed-session keyrings: generate, rotate, check, inspect, seal",
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
        /// owner and its owner/group read-write bits (at most 0640); refused
        /// if FILE is world-readable.
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
        store: StoreArgs,
        /// The store's clock skew in seconds (with_clock_skew).
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_CLOCK_SKEW.as_secs())]
        clock_skew: u64,
        /// The store's idle timeout in seconds (with_idle_timeout), if it has one.
        #[arg(long, value_name = "SECONDS")]
        idle_timeout: Option<u64>,
        /// The store's not-before cut-off (with_not_before): Unix seconds or RFC 3339.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        not_before: Option<SystemTime>,
        /// Open as of this moment instead of now, to reproduce a past
        /// decision: Unix seconds or RFC 3339 (2026-11-29T01:30:00Z, +02:00).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<SystemTime>,
        /// A Cookie header (`Cookie:` prefix optional), or a bare sealed
        /// value, or a file holding either; `-` or nothing reads it from
        /// standard input (prefer a file or standard input: a command line
        /// is visible to other users and kept in history).
        #[arg(value_name = "COOKIE_HEADER")]
        cookie: Option<String>,
    },
    /// Seal a session described in JSON (the shape `inspect` prints) and
    /// print the Cookie header that carries it: the writer counterpart of
    /// `inspect`, for checking another implementation both ways.
    #[command(after_help = EXIT_CODES)]
    Seal {
        #[command(flatten)]
        store: StoreArgs,
        /// The max-age in seconds for an `expires_at_unix` the description
        /// leaves out (its `max_age` override first). Default 14 days.
        #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_AGE.as_secs())]
        max_age: u64,
        /// The `issued_at_unix` for a description without one, instead of
        /// now: Unix seconds or RFC 3339.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<SystemTime>,
        /// The nonce in hex, instead of a random one, for reproducible test
        /// vectors. Never with production keys: a nonce used twice under
        /// one key breaks AES-GCM's security.
        #[arg(long, value_name = "HEX")]
        nonce: Option<String>,
        /// The JSON description; `-` or nothing reads it from standard input.
        #[arg(value_name = "JSON")]
        description: Option<String>,
    },
}

/// The store `inspect` opens with and `seal` seals as: its keys, its
/// cookie's name and its size budget.
#[derive(clap::Args)]
pub(crate) struct StoreArgs {
    #[command(flatten)]
    source: KeySource,
    /// The session cookie's name (as given to CookieStore).
    #[arg(long)]
    name: String,
    /// The store's size budget in bytes (with_size_limit): how many cookies
    /// and characters a session may take; a cookie past it does not open.
    /// The default is the store's.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE_LIMIT)]
    size_limit: usize,
}

/// Where `check`, `inspect` and `seal` read the key list from.
#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct KeySource {
    /// The key file (newest entry first).
    #[arg(long, value_name = "FILE")]
    keys: Option<PathBuf>,
    /// Read the key list from this environment variable instead (e.g. SESSION_KEYS).
    #[arg(long, value_name = "VAR")]
    keys_env: Option<String>,
}

impl KeySource {
    pub(crate) fn load(&self) -> Result<Keyring, Fail> {
        let result = match (&self.keys, &self.keys_env) {
            (Some(path), _) => {
                refuse_writable_by_others(path)?;
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
pub(crate) struct Fail {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl Fail {
    pub(crate) fn keys(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_KEYS,
            message: message.into(),
        }
    }

    pub(crate) fn write(message: impl Into<String>) -> Fail {
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
            store:
                StoreArgs {
                    source,
                    name,
                    size_limit,
                },
            clock_skew,
            idle_timeout,
            not_before,
            at,
            cookie,
        } => {
            let opening = Opening {
                name,
                size_limit,
                clock_skew: Duration::from_secs(clock_skew),
                idle_timeout: idle_timeout.map(Duration::from_secs),
                not_before,
                at: at.unwrap_or_else(SystemTime::now),
            };
            inspect(&source, &opening, cookie)
        }
        Command::Seal {
            store:
                StoreArgs {
                    source,
                    name,
                    size_limit,
                },
            max_age,
            at,
            nonce,
            description,
        } => {
            let sealing = Sealing {
                name,
                size_limit,
                max_age,
                at: at.unwrap_or_else(SystemTime::now),
                nonce,
            };
            seal(&source, &sealing, description)
        }
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

pub(crate) fn out(text: &str) -> Result<(), Fail> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Fail::write(format!("cannot write to standard output: {e}")))
}
