//! The mutation check: the reference models (`model_reader`,
//! `model_writer`, `model_payload`), written from SECURITY.md alone, must
//! pass every vector of every file as written; and each plausible
//! misreading of a rule (`misreading::ALL`), switched on alone, must fail at
//! least one vector. A misreading that passes every vector is a rule the
//! vectors do not pin: a second implementation could get it wrong and never
//! know.
//!
//! The result is `test-vectors/v1/misreadings.json` (each misreading, its
//! rule and the vectors that fail it) and the table generated from it in
//! `test-vectors/README.md`; both are checked like the vector files and
//! rewritten by the same command.

use super::misreading::{ALL, M, Part, Switch};
use super::model_reader::{Read, ReadConfig, read_cookies, read_header};
use super::model_writer::write;
use super::payload_rules::{PAYLOAD_FILE, PayloadFile};
use super::reader::{Outcome, READER_FILE, ReaderFile};
use super::writer::{WRITER_FILE, WriterFile};
use super::*;

/// The file's name and its SHA-256 (pinned like the other vector files).
const MISREADINGS_FILE: (&str, &str) = (
    "misreadings.json",
    "4c1c9f14f038e70ea5c721f52f733246c28889d4ef1533346b1ba26fdd0710de",
);

/// Where the generated table goes in the README.
const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/README.md");
const BEGIN: &str = "<!-- misreadings table: generated, do not edit -->";
const END: &str = "<!-- end of the misreadings table -->";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct MisreadingsFile {
    format: String,
    description: String,
    generated_by: String,
    misreadings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Entry {
    name: String,
    rule: String,
    /// `reader`, `writer` or `payload`: the section of SECURITY.md.
    part: String,
    misreading: String,
    /// The vectors that fail it, as `file: name`.
    failed_by: Vec<String>,
}

/// One vector, ready to be replayed by the models.
enum Check {
    Reader(super::reader::ReaderVector),
    Writer(Box<super::writer::WriterVector>),
    /// A `Cookie` header and what it must give: a session id (hex), or a
    /// failure outcome.
    Load {
        config: (String, String, usize, u64, u64),
        header: String,
        expected: Outcome,
        id: Option<String>,
    },
}

fn outcome(read: &Read) -> (Outcome, Option<String>) {
    match read {
        Read::Absent => (Outcome::Absent, None),
        Read::Invalid => (Outcome::Invalid, None),
        Read::Expired => (Outcome::Expired, None),
        Read::Opened(p, _) => (Outcome::Ok, Some(hex::encode(p.id))),
        Read::Conflict => (Outcome::Conflict, None),
    }
}

impl Check {
    fn passes(&self, s: Switch) -> bool {
        match self {
            Check::Reader(v) => {
                let config = ReadConfig {
                    keys: &v.keys,
                    name: &v.cookie_name,
                    budget: v.size_limit,
                    skew: v.clock_skew,
                    idle: v.idle_timeout,
                    not_before: v.not_before,
                    now: v.now,
                };
                let loaded = match &v.header_value {
                    Some(value) => read_header(&config, Some(value), s),
                    None => read_cookies(&config, &v.cookie_headers, s),
                };
                // A conflict also means the next save deletes nothing.
                let kept = v.expected != Outcome::Conflict || !loaded.carried;
                outcome(&loaded.read) == (v.expected, v.session_id.clone()) && kept
            }
            Check::Writer(v) => write(v, s).matches(v),
            Check::Load {
                config: (keys, name, budget, skew, now),
                header,
                expected,
                id,
            } => {
                let config = ReadConfig {
                    keys,
                    name,
                    budget: *budget,
                    skew: *skew,
                    idle: None,
                    not_before: None,
                    now: *now,
                };
                let loaded = read_cookies(&config, std::slice::from_ref(header), s);
                let (got, got_id) = outcome(&loaded.read);
                got == *expected && (id.is_none() || got_id == *id)
            }
        }
    }
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

/// Every vector of every file, as `(file: name, check)`.
fn checks() -> Vec<(String, Check)> {
    let mut out = Vec::new();
    for file in ["positive.json", "chunked.json", "negative.json"] {
        for v in parse(&read(file)).vectors {
            let superseded = SUPERSEDED.contains(&v.name.as_str());
            let (header, expected, id) = match v.expected {
                Expected::Ok => (
                    v.cookies.clone().unwrap().join("; "),
                    Outcome::Ok,
                    v.payload.as_ref().map(|p| p.id.clone()),
                ),
                _ if superseded => (v.cookie_header.clone().unwrap(), Outcome::Ok, None),
                Expected::Invalid => (v.cookie_header.clone().unwrap(), Outcome::Invalid, None),
                Expected::Expired => (v.cookie_header.clone().unwrap(), Outcome::Expired, None),
            };
            let config = (v.keys, v.cookie_name, v.size_limit, v.clock_skew, v.now);
            let check = Check::Load {
                config,
                header,
                expected,
                id,
            };
            out.push((format!("{file}: {}", v.name), check));
        }
    }
    let reader: ReaderFile = serde_json::from_str(&read(READER_FILE.0)).unwrap();
    for v in reader.vectors {
        out.push((format!("{}: {}", READER_FILE.0, v.name), Check::Reader(v)));
    }
    let payload: PayloadFile = serde_json::from_str(&read(PAYLOAD_FILE.0)).unwrap();
    for v in payload.vectors {
        let check = Check::Load {
            config: (v.keys, v.cookie_name, v.size_limit, v.clock_skew, v.now),
            header: v.cookie_header,
            expected: match v.expected {
                Expected::Ok => Outcome::Ok,
                _ => Outcome::Invalid,
            },
            id: None,
        };
        out.push((format!("{}: {}", PAYLOAD_FILE.0, v.name), check));
    }
    let writer: WriterFile = serde_json::from_str(&read(WRITER_FILE.0)).unwrap();
    for v in writer.vectors {
        out.push((
            format!("{}: {}", WRITER_FILE.0, v.name),
            Check::Writer(Box::new(v)),
        ));
    }
    out
}

/// The vectors that fail under `s`, in file order.
fn failing(checks: &[(String, Check)], s: Switch) -> Vec<String> {
    checks
        .iter()
        .filter(|(_, c)| !c.passes(s))
        .map(|(name, _)| name.clone())
        .collect()
}

fn part(p: Part) -> &'static str {
    match p {
        Part::Reader => "reader",
        Part::Writer => "writer",
        Part::Payload => "payload",
    }
}

fn render(entries: Vec<Entry>) -> String {
    let file = MisreadingsFile {
        format: "sealed-session v1 misreadings".to_owned(),
        description: "Plausible misreadings of SECURITY.md's rules, each a switch of the reference models in src/tests/vectors/ (written from SECURITY.md alone), and the vectors that fail it (`file: name`). Every misreading fails at least one vector; the models with no switch pass every vector.".to_owned(),
        generated_by: COMMAND.to_owned(),
        misreadings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

/// The README's table, from the misreadings file's text.
fn table(text: &str) -> String {
    let file: MisreadingsFile = serde_json::from_str(text).unwrap();
    let mut out = format!(
        "{BEGIN}\n\n| part | rule | misreading | vectors that fail it |\n|---|---|---|---|\n"
    );
    for e in &file.misreadings {
        let vectors: Vec<String> = e.failed_by.iter().map(|v| format!("`{v}`")).collect();
        out += &format!(
            "| {} | `{}` | {} (`{}`) | {} |\n",
            e.part,
            e.rule,
            e.misreading.replace('|', "\\|"),
            e.name,
            vectors.join(", ")
        );
    }
    out += &format!("\n{END}");
    out
}

/// Each misreading fails a vector, and the file and the README say which.
fn verify_misreadings(text: &str) {
    let file: MisreadingsFile = serde_json::from_str(text).unwrap();
    assert_eq!(file.generated_by, COMMAND);
    assert_eq!(file.misreadings.len(), ALL.len());
    for e in &file.misreadings {
        assert!(!e.failed_by.is_empty(), "{}: no vector fails it", e.name);
    }
}

#[test]
fn every_misreading_fails_a_vector() {
    let checks = checks();
    // The models as written pass every vector.
    let baseline = failing(&checks, Switch::default());
    assert!(
        baseline.is_empty(),
        "the reference models fail {baseline:?}"
    );
    let entries: Vec<Entry> = ALL
        .iter()
        .map(|(m, name, rule, p, text)| {
            let failed_by = failing(&checks, Switch(Some(*m)));
            assert!(
                !failed_by.is_empty(),
                "misreading {name} ({rule}: {text}) passes every vector: pin the rule with a vector it fails"
            );
            Entry {
                name: (*name).to_owned(),
                rule: (*rule).to_owned(),
                part: part(*p).to_owned(),
                misreading: (*text).to_owned(),
                failed_by,
            }
        })
        .collect();
    let names: Vec<M> = ALL.iter().map(|a| a.0).collect();
    assert!(
        names
            .iter()
            .enumerate()
            .all(|(i, m)| !names[..i].contains(m)),
        "a switch listed twice"
    );
    let text = render(entries);
    // The README's table is generated from the file.
    let readme = std::fs::read_to_string(README).unwrap();
    let (before, rest) = readme
        .split_once(BEGIN)
        .expect("the README's table markers");
    let (_, after) = rest.split_once(END).expect("the README's table markers");
    let fresh = format!("{before}{}{after}", table(&text));
    if std::env::var_os(REGENERATE).is_some() {
        std::fs::write(README, &fresh).unwrap();
    }
    assert!(
        std::fs::read_to_string(README).unwrap() == fresh,
        "test-vectors/README.md's misreadings table is not what the generator writes (regenerate with `{COMMAND}`)"
    );
    check_pinned_file(MISREADINGS_FILE, &text, verify_misreadings);
}
