//! Reader vectors (`reader.json`): which cookies of a request a reader
//! opens, and what it reports (SECURITY.md, "Opening": the most chunks, the
//! Cookie pair grammar, no cookie, occurrences and duplicates, the chunk
//! count from chunk 0, the work bound, and the lifetime and admission rules).
//! Each vector names the rule it pins and the plausible misreading it fails.
//!
//! The sealed values inside are genuine (fixed keys, nonces and ids), so a
//! second implementation checks its reader, not only its opener, against
//! them: load `cookie-headers` (in order, as several header values) with the
//! store configuration at `now`, and compare the outcome and, when a session
//! opens, its id.

use super::misreading::Switch;
use super::model_reader::{Read, ReadConfig, read_cookies, read_header};
use super::*;

/// The file's name and its SHA-256 (pinned like the frozen v1 files:
/// change it only with a deliberate, reviewed regeneration).
pub(super) const READER_FILE: (&str, &str) = (
    "reader.json",
    "67189e423f6b747b354e7afcca3d7c61ad045b6721cdfece8c79b66a8377bd3c",
);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct ReaderFile {
    pub(super) format: String,
    pub(super) description: String,
    pub(super) generated_by: String,
    pub(super) vectors: Vec<ReaderVector>,
}

/// What a load must report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Outcome {
    /// A session opened; `session-id` says which.
    Ok,
    /// No cookie of the store at all: a fresh session and no error.
    Absent,
    Invalid,
    Expired,
    /// A session opened but the reader cannot trust it: `LoadError::Conflict`.
    Conflict,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(super) struct ReaderVector {
    pub(super) name: String,
    pub(super) description: String,
    /// The rule of SECURITY.md "Opening" the vector pins.
    pub(super) rule: String,
    /// A plausible misreading of that rule that this vector fails.
    pub(super) misreading: String,
    pub(super) keys: String,
    pub(super) cookie_name: String,
    pub(super) size_limit: usize,
    pub(super) clock_skew: u64,
    /// The store's idle timeout in seconds, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) idle_timeout: Option<u64>,
    /// The store's not-before cut-off (Unix seconds), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) not_before: Option<u64>,
    pub(super) now: u64,
    /// The request's `Cookie` header values, in order.
    pub(super) cookie_headers: Vec<String>,
    /// Header transport: the request's session header value (the store reads
    /// this header, named `x-session`, instead of cookies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) header_value: Option<String>,
    pub(super) expected: Outcome,
    /// Hex of the opened session's 16-byte id, for `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) session_id: Option<String>,
}

pub(super) fn render_reader(vectors: Vec<ReaderVector>) -> String {
    let file = ReaderFile {
        format: "sealed-session v1 reader".to_owned(),
        description: "Requests and what a reader reports: `ok` with the opened session's id, `absent` (no cookie of the store), `invalid`, `expired` or `conflict` (a session opened but another authentic one, or an untried combination of the cookies, means it cannot be trusted). `rule` names the rule of SECURITY.md \"Opening\" the vector pins; `misreading` a plausible misreading that fails it.".to_owned(),
        generated_by: COMMAND.to_owned(),
        vectors,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

/// Loads each vector with a store built from its fields alone.
pub(super) fn verify_reader(text: &str) {
    let file: ReaderFile = serde_json::from_str(text).unwrap();
    assert_eq!(file.generated_by, COMMAND);
    let mut rules: Vec<&str> = Vec::new();
    for v in &file.vectors {
        let mut builder = CookieStore::builder(
            v.cookie_name.as_str(),
            Keyring::from_config(&v.keys).unwrap(),
        )
        // The vectors' names predate the `__Host-` default; the reader
        // rules are the same for any name.
        .allow_non_host_name()
        .with_size_limit(v.size_limit)
        .allow_large_cookie_header()
        .with_clock_skew(Duration::from_secs(v.clock_skew));
        if let Some(idle) = v.idle_timeout {
            builder = builder
                .with_idle_timeout(Duration::from_secs(idle))
                .with_max_age(Duration::from_secs(idle.max(14 * DAY)));
        }
        if let Some(nb) = v.not_before {
            builder = builder.with_not_before(std::time::UNIX_EPOCH + Duration::from_secs(nb));
        }
        if v.header_value.is_some() {
            builder = builder.with_header_transport("x-session");
        }
        let store = builder.build().unwrap();
        let session = match &v.header_value {
            Some(value) => store.load_header_at(Some(value), v.now),
            None => store.load_at(v.cookie_headers.iter(), v.now),
        };
        let got = match session.load_error() {
            None if session.is_new() => Outcome::Absent,
            None => Outcome::Ok,
            Some(LoadError::Invalid) => Outcome::Invalid,
            Some(LoadError::Expired) => Outcome::Expired,
            Some(LoadError::Conflict) => Outcome::Conflict,
        };
        assert_eq!(got, v.expected, "{}: outcome", v.name);
        // The reference model, from SECURITY.md alone, agrees.
        let config = ReadConfig {
            keys: &v.keys,
            name: &v.cookie_name,
            budget: v.size_limit,
            skew: v.clock_skew,
            idle: v.idle_timeout,
            not_before: v.not_before,
            now: v.now,
        };
        let model = match &v.header_value {
            Some(value) => read_header(&config, Some(value), Switch::default()),
            None => read_cookies(&config, &v.cookie_headers, Switch::default()),
        };
        let (reference, reference_id) = match model.read {
            Read::Opened(p, _) => (Outcome::Ok, Some(hex::encode(p.id))),
            Read::Absent => (Outcome::Absent, None),
            Read::Invalid => (Outcome::Invalid, None),
            Read::Expired => (Outcome::Expired, None),
            Read::Conflict => (Outcome::Conflict, None),
        };
        assert_eq!(reference, v.expected, "{}: reference reader", v.name);
        assert_eq!(reference_id, v.session_id, "{}: reference session", v.name);
        let id = (got == Outcome::Ok).then(|| hex::encode(session.id().to_bytes()));
        assert_eq!(id, v.session_id, "{}: session", v.name);
        // After a conflict the next save of the (empty) session deletes
        // nothing; after `invalid` or `expired` it deletes the cookies.
        let failed = matches!(got, Outcome::Conflict | Outcome::Invalid | Outcome::Expired);
        if v.header_value.is_none() && failed {
            let mut session = session;
            let lines = store.save_at(&mut session, v.now).unwrap();
            let conflict = got == Outcome::Conflict;
            assert_eq!(
                lines.is_empty(),
                conflict,
                "{}: deletions: {lines:?}",
                v.name
            );
            assert_eq!(model.carried, !conflict, "{}: reference deletions", v.name);
        }
        rules.push(&v.rule);
    }
    for rule in [
        "most-chunks",
        "cookie-pairs",
        "no-cookie",
        "occurrences",
        "duplicates",
        "injection",
        "outcome",
        "chunk-count",
        "work-bound",
        "idle-deadline",
        "not-before",
        "header-value",
    ] {
        assert!(rules.contains(&rule), "no reader vector pins {rule}");
    }
}

#[test]
fn vectors_v1_reader() {
    let keys = Keys::new();
    let mut vectors = reader_vectors(&keys);
    vectors.extend(grammar_and_count_vectors(&keys));
    let text = render_reader(vectors);
    check_pinned_file(READER_FILE, &text, verify_reader);
}
