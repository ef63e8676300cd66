//! Test support for the scenario and property tests: fixed keyrings, a
//! minimal browser cookie jar that applies `Set-Cookie` lines and renders the
//! next request's `Cookie` header, and a `Set-Cookie` line parser.

use std::collections::BTreeMap;

use crate::{Algorithm, KeyPair, Keyring};

/// A fixed "now" (2027-01-15), so every lifetime in the tests is exact.
pub(crate) const T0: u64 = 1_800_000_000;

/// A one-pair keyring for `alg` whose keys are derived from `seed`, so two
/// calls with the same arguments give the same key id.
pub(crate) fn keyring(alg: Algorithm, seed: u8) -> Keyring {
    Keyring::new(vec![pair(alg, seed)]).unwrap()
}

/// A key pair for `alg` derived from `seed`.
pub(crate) fn pair(alg: Algorithm, seed: u8) -> KeyPair {
    let hash = key_bytes(seed, b'h');
    let block = key_bytes(seed, b'b');
    KeyPair::new(&hash, alg.encrypts().then_some(&block[..]), alg).unwrap()
}

/// 32 fixed key bytes for `(seed, salt)` that look random (SHA-256 of
/// them): every constructor refuses placeholder keys such as one repeated byte.
pub(crate) fn key_bytes(seed: u8, salt: u8) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest([b"sealed-session test key;".as_slice(), &[seed, salt]].concat()).into()
}

/// One parsed `Set-Cookie` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetCookie {
    pub(crate) name: String,
    pub(crate) value: String,
    /// The exact bytes of the `name=value` part (what the 4096-byte limit counts).
    pub(crate) name_value_len: usize,
    pub(crate) max_age: Option<u64>,
    /// Every attribute after `name=value`, `Max-Age` included, as sent.
    pub(crate) attributes: Vec<String>,
}

impl SetCookie {
    pub(crate) fn is_deletion(&self) -> bool {
        self.max_age == Some(0)
    }

    /// The attributes other than `Max-Age`.
    pub(crate) fn attributes_but_max_age(&self) -> Vec<&str> {
        self.attributes
            .iter()
            .map(String::as_str)
            .filter(|a| !a.starts_with("Max-Age="))
            .collect()
    }
}

pub(crate) fn parse(line: &str) -> SetCookie {
    let mut parts = line.split("; ");
    let name_value = parts.next().unwrap();
    let (name, value) = name_value.split_once('=').unwrap();
    let attributes: Vec<String> = parts.map(str::to_owned).collect();
    let max_age = attributes
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .map(|n| n.parse().unwrap());
    SetCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        name_value_len: name_value.len(),
        max_age,
        attributes,
    }
}

pub(crate) fn parse_all(lines: &[String]) -> Vec<SetCookie> {
    lines.iter().map(|l| parse(l)).collect()
}

/// The written (non-deletion) cookies of a save, in order.
pub(crate) fn written(lines: &[String]) -> Vec<SetCookie> {
    parse_all(lines)
        .into_iter()
        .filter(|c| !c.is_deletion())
        .collect()
}

/// The names a save deletes.
pub(crate) fn deleted(lines: &[String]) -> Vec<String> {
    parse_all(lines)
        .into_iter()
        .filter(SetCookie::is_deletion)
        .map(|c| c.name)
        .collect()
}

/// A browser's cookies for one site (one path: names are unique).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Jar(pub(crate) BTreeMap<String, String>);

impl Jar {
    pub(crate) fn new() -> Jar {
        Jar::default()
    }

    /// Applies a response's `Set-Cookie` lines.
    pub(crate) fn apply(&mut self, lines: &[String]) {
        for c in parse_all(lines) {
            if c.is_deletion() {
                self.0.remove(&c.name);
            } else {
                self.0.insert(c.name, c.value);
            }
        }
    }

    /// The next request's `Cookie` header.
    pub(crate) fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}
