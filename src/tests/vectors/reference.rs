//! An independent reference sealer, written from SECURITY.md ("Wire format,
//! version 1") without using the envelope or keyring modules.

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// name, id byte, label, nonce length.
pub(super) const ALGORITHMS: [(&str, u8, &[u8], usize); 4] = [
    ("xaes-256-gcm", 1, b"XAES-256-GCM", 24),
    ("xchacha20-poly1305", 2, b"XCHACHA20-POLY1305", 24),
    ("aes-256-gcm", 3, b"AES-256-GCM", 12),
    ("hmac-sha256", 4, b"HMAC-SHA256", 0),
];

pub(super) struct Pair {
    pub(super) id_byte: u8,
    pub(super) label: &'static [u8],
    hash: Vec<u8>,
    block: Vec<u8>,
}

/// One `algorithm:hash:block` (or `algorithm:hash`) configuration entry.
pub(super) fn parse(entry: &str) -> Pair {
    let fields: Vec<&str> = entry.trim().split(':').collect();
    let (name, hash, block) = match fields[..] {
        [name, hash] => (name, hash, ""),
        [name, hash, block] => (name, hash, block),
        _ => panic!("unexpected entry shape"),
    };
    let (_, id_byte, label, _) = ALGORITHMS.into_iter().find(|a| a.0 == name).unwrap();
    Pair {
        id_byte,
        label,
        hash: URL_SAFE_NO_PAD.decode(hash).unwrap(),
        block: URL_SAFE_NO_PAD.decode(block).unwrap(),
    }
}

fn u16be(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap().to_be_bytes()
}

fn prk(pair: &Pair) -> Hkdf<Sha256> {
    let mut ikm = Vec::new();
    ikm.extend(u16be(pair.hash.len()));
    ikm.extend(&pair.hash);
    ikm.extend(u16be(pair.block.len()));
    ikm.extend(&pair.block);
    Hkdf::<Sha256>::new(Some(b"sealed-session v1"), &ikm)
}

pub(super) fn key_id(pair: &Pair) -> [u8; 4] {
    let mut id = [0u8; 4];
    let info = [b"sealed-session v1;key-id;".as_slice(), pair.label].concat();
    prk(pair).expand(&info, &mut id).unwrap();
    id
}

pub(super) fn subkey(pair: &Pair, label: &[u8], name: &str) -> [u8; 32] {
    let mut k = [0u8; 32];
    let info = [
        b"sealed-session v1;cookie-key;".as_slice(),
        label,
        b";",
        name.as_bytes(),
    ]
    .concat();
    prk(pair).expand(&info, &mut k).unwrap();
    k
}

fn aead<A: Aead + KeyInit>(key: &[u8], nonce: &[u8], aad: &[u8], msg: &[u8]) -> Vec<u8> {
    let cipher = A::new_from_slice(key).unwrap();
    let nonce = Nonce::<A>::try_from(nonce).unwrap();
    cipher.encrypt(&nonce, Payload { msg, aad }).unwrap()
}

/// The sealed bytes for a header naming `header_alg` and `key_id`,
/// protected by the cipher `cipher_alg` under the subkey derived with
/// `subkey_label`. A genuine seal uses the pair's own id byte, key id and
/// label for all three; forgeries mix them.
#[allow(clippy::too_many_arguments)]
pub(super) fn seal(
    pair: &Pair,
    header_alg: u8,
    key_id: [u8; 4],
    cipher_alg: u8,
    subkey_label: &[u8],
    name: &str,
    chunks: u8,
    nonce: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let k = subkey(pair, subkey_label, name);
    let mut header = vec![1, header_alg];
    header.extend(key_id);
    header.push(chunks);
    header.extend(nonce);
    let mut aad = b"sealed-session v1;aad;".to_vec();
    aad.extend(&header);
    aad.extend(u16be(name.len()));
    aad.extend(name.as_bytes());
    let body_and_tag = match cipher_alg {
        1 => aead::<xaes_256_gcm::Xaes256Gcm>(&k, nonce, &aad, payload),
        2 => aead::<chacha20poly1305::XChaCha20Poly1305>(&k, nonce, &aad, payload),
        3 => aead::<aes_gcm::Aes256Gcm>(&k, nonce, &aad, payload),
        4 => {
            let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&k).unwrap();
            mac.update(&aad);
            mac.update(payload);
            [payload, mac.finalize().into_bytes().as_slice()].concat()
        }
        other => panic!("no cipher {other}"),
    };
    [header, body_and_tag].concat()
}

/// A genuine seal by `pair`.
pub(super) fn seal_genuine(
    pair: &Pair,
    name: &str,
    chunks: u8,
    nonce: &[u8],
    payload: &[u8],
) -> String {
    let raw = seal(
        pair,
        pair.id_byte,
        key_id(pair),
        pair.id_byte,
        pair.label,
        name,
        chunks,
        nonce,
        payload,
    );
    URL_SAFE_NO_PAD.encode(raw)
}

fn aead_open<A: Aead + KeyInit>(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    msg: &[u8],
) -> Option<Vec<u8>> {
    let cipher = A::new_from_slice(key).ok()?;
    let nonce = Nonce::<A>::try_from(nonce).ok()?;
    cipher.decrypt(&nonce, Payload { msg, aad }).ok()
}

/// Opens `sealed` (header ‖ body ‖ tag, already decoded) with `pair` for
/// `name`: the payload when the tag verifies (SECURITY.md "The sealed
/// value"; the caller has checked the header's version, key id, algorithm
/// and length).
pub(super) fn open(pair: &Pair, name: &str, sealed: &[u8]) -> Option<Vec<u8>> {
    let (_, _, _, nonce_len) = ALGORITHMS.into_iter().find(|a| a.1 == pair.id_byte)?;
    let header = sealed.get(..7 + nonce_len)?;
    let nonce = &header[7..];
    let rest = &sealed[header.len()..];
    let k = subkey(pair, pair.label, name);
    let mut aad = b"sealed-session v1;aad;".to_vec();
    aad.extend(header);
    aad.extend(u16be(name.len()));
    aad.extend(name.as_bytes());
    match pair.id_byte {
        1 => aead_open::<xaes_256_gcm::Xaes256Gcm>(&k, nonce, &aad, rest),
        2 => aead_open::<chacha20poly1305::XChaCha20Poly1305>(&k, nonce, &aad, rest),
        3 => aead_open::<aes_gcm::Aes256Gcm>(&k, nonce, &aad, rest),
        _ => {
            let (body, tag) = rest.split_at(rest.len().checked_sub(32)?);
            let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&k).ok()?;
            mac.update(&aad);
            mac.update(body);
            mac.verify_slice(tag).ok()?;
            Some(body.to_vec())
        }
    }
}
