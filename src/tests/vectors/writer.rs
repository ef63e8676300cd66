//! Writer vectors (`writer.json`): for a store configuration, a session (as
//! created or as loaded from a request, then changed), a time, a fixed id
//! and nonce, the exact `Set-Cookie` lines a save emits, deletions included
//! (SECURITY.md, "Writing" and "Header transport").
//!
//! The test replays each vector from the file's fields alone through
//! [`CookieStore`] (its id and nonce injected: the id set on the fresh
//! session, the nonce through the envelope's test-only `NEXT_NONCE`), and
//! recomputes the lines from `payload-cbor` with the independent reference
//! sealer and SECURITY.md's split, attribute and deletion rules.

use std::collections::BTreeSet;

use super::writer_cases::writer_vectors;
use super::*;
use crate::envelope::NEXT_NONCE;
use crate::store::{HeaderUpdate, SameSite, SaveError};

/// The file's name and its SHA-256 (pinned like the frozen v1 files:
/// change it only with a deliberate, reviewed regeneration).
pub(super) const WRITER_FILE: (&str, &str) = (
    "writer.json",
    "cc69ae8cba2e94990ecb4b7c0a31f442e2759a164fff59294056836bc4c3c2ad",
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct WriterFile {
    pub(super) format: String,
    pub(super) description: String,
    pub(super) generated_by: String,
    pub(super) vectors: Vec<WriterVector>,
}

/// The store's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct StoreConfig {
    pub(super) keys: String,
    pub(super) cookie_name: String,
    pub(super) size_limit: usize,
    /// The clock-skew allowance in seconds (it decides whether the
    /// request's session opens).
    pub(super) clock_skew: u64,
    pub(super) max_age: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) idle_timeout: Option<u64>,
    pub(super) rolling: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) domain: Option<String>,
    pub(super) path: String,
    pub(super) secure: bool,
    pub(super) http_only: bool,
    pub(super) same_site: String,
    pub(super) partitioned: bool,
    /// The header-transport header name, for header-transport vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) header: Option<String>,
}

/// One change to the session, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub(super) enum Change {
    /// Store the JSON value (serialized by serde) under `key`.
    Insert {
        key: String,
        value: serde_json::Value,
    },
    Remove {
        key: String,
    },
    AddFlash {
        bucket: String,
        value: serde_json::Value,
    },
    /// Read (and so consume) a bucket's flashes.
    TakeFlashes {
        bucket: String,
    },
    Clear,
    /// `regenerate_id`, whose random id is `new-id` (hex).
    RegenerateId {
        #[serde(rename = "new-id")]
        new_id: String,
    },
    /// `destroy`, whose random id is `new-id` (hex).
    Destroy {
        #[serde(rename = "new-id")]
        new_id: String,
    },
    SetMaxAge {
        seconds: u64,
    },
}

/// What a header-transport save answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum HeaderResponse {
    /// Send no header.
    Unchanged,
    /// Send the header with an empty value.
    Clear,
    /// Send the header with this value.
    Set(String),
}

/// The lifetimes sealed by the write, in readable form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct SealedFields {
    pub(super) id: String,
    pub(super) issued_at: u64,
    pub(super) expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) idle_deadline: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) max_age: Option<u64>,
}

/// A refused save: `TooLarge` with its figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct TooLarge {
    pub(super) needed: usize,
    pub(super) allowed: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct WriterVector {
    pub(super) name: String,
    pub(super) description: String,
    /// The rule of SECURITY.md "Writing" the vector pins.
    pub(super) rule: String,
    pub(super) store: StoreConfig,
    /// When the session is loaded (or created), Unix seconds.
    pub(super) loaded_at: u64,
    /// The request's `Cookie` header values (cookie transport).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) request_cookies: Vec<String>,
    /// The request's header-transport value (header transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) request_header: Option<String>,
    /// Hex of the session's id once loaded: the id a fresh session gets,
    /// or the id of the session the request opens.
    pub(super) session_id: String,
    pub(super) changes: Vec<Change>,
    /// When the session is saved, Unix seconds.
    pub(super) saved_at: u64,
    /// Hex of the nonce a seal uses.
    pub(super) nonce: String,
    /// Hex of the payload sealed, when the save seals one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) payload_cbor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) sealed: Option<SealedFields>,
    /// The `Set-Cookie` lines, in order (cookie transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) set_cookie: Option<Vec<String>>,
    /// The header-transport answer (header transport).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) header_response: Option<HeaderResponse>,
    /// The save's error, when it refuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) too_large: Option<TooLarge>,
}

pub(super) fn render_writer(vectors: Vec<WriterVector>) -> String {
    let file = WriterFile {
        format: "sealed-session v1 writer".to_owned(),
        description: "Saves and what a writer emits: for a store configuration, a session (created or loaded at `loaded-at`, then `changes`), a save at `saved-at` with a fixed id and nonce, the exact `Set-Cookie` lines (deletions included), the header-transport answer, or the TooLarge figures. `rule` names the rule of SECURITY.md \"Writing\" the vector pins.".to_owned(),
        generated_by: COMMAND.to_owned(),
        vectors,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

fn same_site(text: &str) -> SameSite {
    match text {
        "Strict" => SameSite::Strict,
        "Lax" => SameSite::Lax,
        "None" => SameSite::None,
        other => panic!("SameSite {other}"),
    }
}

pub(super) fn build_store(c: &StoreConfig) -> CookieStore {
    let mut b = CookieStore::builder(
        c.cookie_name.as_str(),
        Keyring::from_config(&c.keys).unwrap(),
    )
    // The vectors' names predate the `__Host-` default; the writer rules
    // are the same for any name.
    .allow_non_host_name()
    .with_size_limit(c.size_limit)
    .allow_large_cookie_header()
    .with_clock_skew(Duration::from_secs(c.clock_skew))
    .with_max_age(Duration::from_secs(c.max_age))
    .with_rolling(c.rolling)
    .with_path(c.path.as_str())
    .with_secure(c.secure)
    .with_http_only(c.http_only)
    .with_same_site(same_site(&c.same_site))
    .with_partitioned(c.partitioned);
    if let Some(idle) = c.idle_timeout {
        b = b.with_idle_timeout(Duration::from_secs(idle));
    }
    if let Some(domain) = &c.domain {
        b = b.with_domain(domain.as_str());
    }
    if let Some(header) = &c.header {
        b = b.with_header_transport(header.as_str());
    }
    b.build().unwrap()
}

fn id_bytes(hex_id: &str) -> [u8; 16] {
    hex::decode(hex_id).unwrap().try_into().unwrap()
}

fn apply(session: &mut crate::Session, change: &Change) {
    match change {
        Change::Insert { key, value } => session.insert(key, value).unwrap(),
        Change::Remove { key } => {
            session.remove(key);
        }
        Change::AddFlash { bucket, value } => session.add_flash_to(bucket, value).unwrap(),
        Change::TakeFlashes { bucket } => {
            session.flashes_from::<serde_json::Value>(bucket).unwrap();
        }
        Change::Clear => session.clear(),
        Change::RegenerateId { new_id } => {
            session.regenerate_id();
            session.payload.id = id_bytes(new_id);
        }
        Change::Destroy { new_id } => {
            session.destroy();
            session.payload.id = id_bytes(new_id);
        }
        Change::SetMaxAge { seconds } => session.set_max_age(Duration::from_secs(*seconds)),
    }
}

/// What one vector's save produced through the store.
pub(super) struct Replay {
    pub(super) set_cookie: Option<Vec<String>>,
    pub(super) header_response: Option<HeaderResponse>,
    pub(super) too_large: Option<TooLarge>,
    /// The payload sealed, decoded from the emitted value.
    pub(super) payload: Option<Vec<u8>>,
}

/// Replays a vector's request, changes and save through [`CookieStore`].
pub(super) fn replay(v: &WriterVector) -> Replay {
    let store = build_store(&v.store);
    let header = v.store.header.is_some();
    let mut session = if header {
        store.load_header_at(v.request_header.as_deref(), v.loaded_at)
    } else {
        store.load_at(v.request_cookies.iter(), v.loaded_at)
    };
    // A request whose cookies do not open gives a fresh session (whose id
    // is the vector's `session-id`); what the save emits still depends on
    // whether it carried any.
    if session.is_new() {
        session.payload.id = id_bytes(&v.session_id);
    }
    assert_eq!(
        hex::encode(session.id().to_bytes()),
        v.session_id,
        "{}",
        v.name
    );
    for change in &v.changes {
        apply(&mut session, change);
    }
    NEXT_NONCE.with(|n| *n.borrow_mut() = Some(hex::decode(&v.nonce).unwrap()));
    let mut replay = Replay {
        set_cookie: None,
        header_response: None,
        too_large: None,
        payload: None,
    };
    let text = if header {
        match store.save_header_at(&mut session, v.saved_at) {
            Ok(HeaderUpdate::Set(value)) => {
                replay.header_response = Some(HeaderResponse::Set(value.clone()));
                Some(value)
            }
            Ok(HeaderUpdate::Clear) => {
                replay.header_response = Some(HeaderResponse::Clear);
                None
            }
            Ok(_) => {
                replay.header_response = Some(HeaderResponse::Unchanged);
                None
            }
            Err(SaveError::TooLarge { needed, allowed }) => {
                replay.too_large = Some(TooLarge { needed, allowed });
                None
            }
            Err(e) => panic!("{}: {e}", v.name),
        }
    } else {
        match store.save_at(&mut session, v.saved_at) {
            Ok(lines) => {
                let text: String = lines
                    .iter()
                    .map(|l| l.split(';').next().unwrap().split_once('=').unwrap().1)
                    .collect();
                replay.set_cookie = Some(lines);
                (!text.is_empty()).then_some(text)
            }
            Err(SaveError::TooLarge { needed, allowed }) => {
                replay.too_large = Some(TooLarge { needed, allowed });
                None
            }
            Err(e) => panic!("{}: {e}", v.name),
        }
    };
    let left = NEXT_NONCE.with(|n| n.borrow_mut().take());
    assert_eq!(
        left.is_none(),
        text.is_some(),
        "{}: the nonce is used iff a value is sealed",
        v.name
    );
    if let Some(text) = text {
        // The store opens what it wrote: the sealed payload, from the value.
        let opened = store
            .envelope()
            .open(&text, chunk_count_of(&text), store.max_text_len());
        replay.payload = Some(opened.unwrap().payload.to_vec());
    }
    replay
}

fn chunk_count_of(text: &str) -> usize {
    let head = URL_SAFE_NO_PAD.decode(text.get(..12).unwrap()).unwrap();
    usize::from(head[6])
}

/// The most chunks, by SECURITY.md's formula.
pub(super) fn most_chunks(name: &str, size_limit: usize) -> usize {
    size_limit.div_ceil(MAX_COOKIE_LEN - name.len() - 5).max(1)
}

/// The attributes after `Max-Age`, in SECURITY.md's order.
pub(super) fn reference_attributes(c: &StoreConfig) -> String {
    let mut a = String::new();
    if let Some(domain) = &c.domain {
        a += &format!("; Domain={domain}");
    }
    a += &format!("; Path={}", c.path);
    if c.secure {
        a += "; Secure";
    }
    if c.http_only {
        a += "; HttpOnly";
    }
    a += &format!("; SameSite={}", c.same_site);
    if c.partitioned {
        a += "; Partitioned";
    }
    a
}

/// The output SECURITY.md "Writing" prescribes for the vector's sealed
/// payload (or its deletions), from the reference sealer: the `Set-Cookie`
/// lines, or the header-transport answer.
fn reference_output(v: &WriterVector) -> (Option<Vec<String>>, Option<HeaderResponse>) {
    let c = &v.store;
    let name = c.cookie_name.as_str();
    let maxc = most_chunks(name, c.size_limit);
    let attributes = reference_attributes(c);
    let deletion = |i: usize| format!("{}=; Max-Age=0{attributes}", chunk_name(name, i));
    let carried = carried_indices(&v.request_cookies, name, maxc);
    let Some(cbor) = &v.payload_cbor else {
        // Nothing sealed: nothing, or (after a cookie) deletions only.
        return match (&v.set_cookie, &v.header_response) {
            (Some(lines), _) if !lines.is_empty() => {
                (Some(carried.iter().map(|&i| deletion(i)).collect()), None)
            }
            (lines, header) => (lines.clone(), header.clone()),
        };
    };
    let cbor = hex::decode(cbor).unwrap();
    let nonce = hex::decode(&v.nonce).unwrap();
    let pair = reference::parse(c.keys.lines().next().unwrap());
    if c.header.is_some() {
        let value = reference::seal_genuine(&pair, name, 1, &nonce, &cbor);
        return (None, Some(HeaderResponse::Set(value)));
    }
    let tag_len = if nonce.is_empty() { 32 } else { 16 };
    let text_len = (4 * (7 + nonce.len() + cbor.len() + tag_len)).div_ceil(3);
    let mut lens = Vec::new();
    let mut left = text_len;
    while left > 0 {
        let take = left.min(MAX_COOKIE_LEN - chunk_name(name, lens.len()).len() - 1);
        lens.push(take);
        left -= take;
    }
    assert!(lens.len() <= maxc, "{}: within the budget", v.name);
    let chunks = u8::try_from(lens.len()).unwrap();
    let text = reference::seal_genuine(&pair, name, chunks, &nonce, &cbor);
    assert_eq!(text.len(), text_len, "{}", v.name);
    let expires_at = Payload::decode(&cbor).unwrap().expires_at;
    let max_age = expires_at.saturating_sub(v.saved_at);
    let mut lines: Vec<String> = split_cookies(name, &text, &lens)
        .into_iter()
        .map(|pair| format!("{pair}; Max-Age={max_age}{attributes}"))
        .collect();
    lines.extend(
        carried
            .iter()
            .filter(|&&i| i >= lens.len())
            .map(|&i| deletion(i)),
    );
    (Some(lines), None)
}

/// The store's chunk indices among the request's cookies, in order, by
/// SECURITY.md's "Cookie pairs" rule (split at `;`, then at the first `=`,
/// names trimmed of spaces and tabs; `NAME` is 0, `NAME.i` is `i` for
/// `1 <= i < MAXC` in decimal without leading zeros).
fn carried_indices(headers: &[String], name: &str, maxc: usize) -> BTreeSet<usize> {
    let pairs = headers.iter().flat_map(|h| h.split(';'));
    let names = pairs.filter_map(|p| p.split_once('=').map(|(n, _)| n.trim_matches([' ', '\t'])));
    names
        .filter_map(|n| {
            if n == name {
                return Some(0);
            }
            let digits = n.strip_prefix(name)?.strip_prefix('.')?;
            let canonical = !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit());
            let i: usize = digits.parse().ok().filter(|_| canonical)?;
            (1..maxc).contains(&i).then_some(i)
        })
        .collect()
}

/// The rules the file must pin (test-vectors/README.md has the table).
pub(super) const WRITER_RULES: [&str; 13] = [
    "creation",
    "no-write-unchanged",
    "empty",
    "chunks",
    "too-large",
    "attributes",
    "max-age",
    "set-max-age",
    "idle",
    "rolling",
    "reseal",
    "id",
    "header-transport",
];

/// Replays each vector from the file's fields alone and recomputes its
/// output with the reference writer.
pub(super) fn verify_writer(text: &str) {
    let file: WriterFile = serde_json::from_str(text).unwrap();
    assert_eq!(file.generated_by, COMMAND);
    let mut rules: Vec<&str> = Vec::new();
    for v in &file.vectors {
        let r = replay(v);
        assert_eq!(r.set_cookie, v.set_cookie, "{}: Set-Cookie lines", v.name);
        assert_eq!(r.header_response, v.header_response, "{}: header", v.name);
        assert_eq!(r.too_large, v.too_large, "{}: TooLarge", v.name);
        assert_eq!(
            r.payload.map(hex::encode),
            v.payload_cbor,
            "{}: payload",
            v.name
        );
        if let Some(cbor) = &v.payload_cbor {
            let p = Payload::decode(&hex::decode(cbor).unwrap()).unwrap();
            let sealed = SealedFields {
                id: hex::encode(p.id),
                issued_at: p.issued_at,
                expires_at: p.expires_at,
                idle_deadline: p.idle_deadline,
                max_age: p.max_age,
            };
            assert_eq!(Some(sealed), v.sealed, "{}: lifetimes", v.name);
        }
        if v.too_large.is_none() {
            let (lines, header) = reference_output(v);
            assert_eq!(lines, v.set_cookie, "{}: reference writer", v.name);
            assert_eq!(header, v.header_response, "{}: reference writer", v.name);
        }
        rules.push(&v.rule);
    }
    for rule in WRITER_RULES {
        assert!(rules.contains(&rule), "no writer vector pins {rule}");
    }
}

#[test]
fn vectors_v1_writer() {
    let text = render_writer(writer_vectors(&Keys::new()));
    check_pinned_file(WRITER_FILE, &text, verify_writer);
}
