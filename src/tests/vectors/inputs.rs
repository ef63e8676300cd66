//! Deterministic inputs, and sealing them with this crate's envelope and store.

use super::*;

// ---------------------------------------------------------------------------
// Deterministic inputs.

pub(super) fn derived(label: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(Sha256::digest(format!(
            "sealed-session v1 test vectors;{label};{counter}"
        )));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// A configuration entry with keys derived from `label`.
pub(super) fn entry(label: &str, alg: Algorithm, hash_len: usize) -> String {
    let hash = derived(&format!("{label};hash-key"), hash_len);
    let block = derived(&format!("{label};block-key"), 32);
    KeyPair::new(&hash, alg.encrypts().then_some(&block[..]), alg)
        .unwrap()
        .to_config_entry()
        .to_string()
}

pub(super) fn session_id(label: &str) -> [u8; 16] {
    derived(&format!("{label};session-id"), 16)
        .try_into()
        .unwrap()
}

pub(super) fn nonce_for(label: &str, alg: Algorithm) -> Vec<u8> {
    derived(&format!("{label};nonce"), alg.nonce_len())
}

pub(super) fn key_id_of(entry: &str) -> String {
    Keyring::from_config(entry)
        .unwrap()
        .primary_id()
        .to_string()
}

pub(super) fn algorithm_of(entry: &str) -> Algorithm {
    Keyring::from_config(entry).unwrap().primary_algorithm()
}

pub(super) fn chunk_name(name: &str, index: usize) -> String {
    if index == 0 {
        name.to_owned()
    } else {
        format!("{name}.{index}")
    }
}

pub(super) fn base_payload(label: &str, data: &serde_json::Value) -> Payload {
    let serde_json::Value::Object(map) = data else {
        panic!("data must be an object")
    };
    Payload {
        issued_at: ISSUED,
        expires_at: EXPIRES,
        id: session_id(label),
        data: map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        ..Payload::default()
    }
}

pub(super) fn flashes(value: &serde_json::Value) -> BTreeMap<String, Vec<Value>> {
    let serde_json::Value::Object(map) = value else {
        panic!("flashes must be an object")
    };
    map.iter()
        .map(|(k, v)| {
            let serde_json::Value::Array(items) = v else {
                panic!("a flash bucket is an array")
            };
            (k.clone(), items.iter().map(from_json).collect())
        })
        .collect()
}

pub(super) fn nested_arrays(depth: usize) -> serde_json::Value {
    (1..depth).fold(json!([]), |inner, _| json!([inner]))
}

pub(super) fn filler(len: usize) -> String {
    "Sealed sessions travel in cookies; the server keeps no state. "
        .chars()
        .cycle()
        .take(len)
        .collect()
}

// ---------------------------------------------------------------------------
// Sealing with this crate's envelope and store.

pub(super) fn store_for(keys: &str, name: &str, size_limit: usize, skew: u64) -> CookieStore {
    CookieStore::builder(name, Keyring::from_config(keys).unwrap())
        .allow_non_host_name()
        .with_size_limit(size_limit)
        .allow_large_cookie_header()
        .with_clock_skew(Duration::from_secs(skew))
        .build()
        .unwrap()
}

/// Seals `cbor` under `entry` (alone, so it is the primary) with `nonce` for
/// `chunks` cookies.
pub(super) fn seal_chunks(
    entry: &str,
    name: &str,
    chunks: u8,
    nonce: &[u8],
    cbor: &[u8],
) -> String {
    let envelope = Envelope::new(&Keyring::from_config(entry).unwrap(), name).unwrap();
    envelope.seal_with_nonce(cbor, chunks, nonce).unwrap()
}

/// Seals `cbor` as the store would under `entry`: its chunk split for
/// `size_limit`, then the sealed text and the `name=value` cookies.
pub(super) fn seal_split(
    entry: &str,
    name: &str,
    size_limit: usize,
    nonce: &[u8],
    cbor: &[u8],
) -> (String, Vec<String>) {
    let envelope = Envelope::new(&Keyring::from_config(entry).unwrap(), name).unwrap();
    let store = store_for(entry, name, size_limit, SKEW);
    let text_len = (envelope.sealed_len(cbor.len()) * 4).div_ceil(3);
    let lens = store.split(text_len).unwrap();
    let text = envelope
        .seal_with_nonce(cbor, u8::try_from(lens.len()).unwrap(), nonce)
        .unwrap();
    assert_eq!(text.len(), text_len);
    (text.clone(), split_cookies(name, &text, &lens))
}

pub(super) fn split_cookies(name: &str, text: &str, lens: &[usize]) -> Vec<String> {
    let mut rest = text;
    let cookies = lens
        .iter()
        .enumerate()
        .map(|(i, len)| {
            let (piece, tail) = rest.split_at(*len);
            rest = tail;
            format!("{}={piece}", chunk_name(name, i))
        })
        .collect();
    assert!(rest.is_empty());
    cookies
}
