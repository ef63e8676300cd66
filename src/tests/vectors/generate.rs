//! The generator: keys by role, and a builder for one vector.

use super::*;

// ---------------------------------------------------------------------------
// Generation.

/// The key pairs of the vectors, by role.
pub(super) struct Keys {
    pub(super) xaes: String,
    pub(super) xchacha: String,
    pub(super) aes: String,
    pub(super) hmac: String,
    pub(super) rotated_new: String,
    pub(super) rotated_old: String,
    pub(super) migrated_new: String,
    pub(super) legacy_sign_only: String,
    pub(super) retired: String,
}

impl Keys {
    pub(super) fn new() -> Self {
        Keys {
            xaes: entry("xaes", Algorithm::Xaes256Gcm, 32),
            xchacha: entry("xchacha", Algorithm::XChaCha20Poly1305, 32),
            aes: entry("aes-gcm", Algorithm::Aes256Gcm, 48),
            hmac: entry("hmac", Algorithm::HmacSha256, 64),
            rotated_new: entry("rotation new", Algorithm::XChaCha20Poly1305, 32),
            rotated_old: entry("rotation old", Algorithm::Xaes256Gcm, 32),
            migrated_new: entry("migration new", Algorithm::Xaes256Gcm, 32),
            legacy_sign_only: entry("migration legacy", Algorithm::HmacSha256, 32),
            retired: entry("retired", Algorithm::Xaes256Gcm, 32),
        }
    }

    /// The keyring of most negative vectors: an XAES-256-GCM pair first and
    /// a sign-only pair, so that a downgrade has a sign-only pair to aim at.
    pub(super) fn negative(&self) -> String {
        [self.xaes.as_str(), self.hmac.as_str()].join("\n")
    }
}

pub(super) struct Gen {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) expected: Expected,
    pub(super) keys: String,
    pub(super) sealer: String,
    pub(super) cookie_name: &'static str,
    pub(super) size_limit: usize,
    pub(super) now: u64,
}

impl Gen {
    pub(super) fn new(name: &str, description: &str, keys: &[&str], sealer: &str) -> Self {
        Gen {
            name: name.to_owned(),
            description: description.to_owned(),
            expected: Expected::Ok,
            keys: keys.join("\n"),
            sealer: sealer.to_owned(),
            cookie_name: NAME,
            size_limit: DEFAULT_SIZE_LIMIT,
            now: NOW,
        }
    }

    pub(super) fn expect(mut self, expected: Expected) -> Self {
        self.expected = expected;
        self
    }

    pub(super) fn size_limit(mut self, size_limit: usize) -> Self {
        self.size_limit = size_limit;
        self
    }

    pub(super) fn skeleton(&self, rule: &str) -> Vector {
        Vector {
            name: self.name.clone(),
            description: self.description.clone(),
            expect_fail: self.expected != Expected::Ok,
            expected: self.expected,
            rule: rule.to_owned(),
            keys: self.keys.clone(),
            cookie_name: self.cookie_name.to_owned(),
            size_limit: self.size_limit,
            clock_skew: SKEW,
            now: self.now,
            key_id: None,
            nonce: None,
            payload_cbor: None,
            payload: None,
            sealed: None,
            cookies: None,
            cookie_header: None,
            resealed_on_save: None,
        }
    }

    /// A positive (or lifetime) vector: `payload` sealed as the store would.
    pub(super) fn sealed(&self, payload: &Payload) -> Vector {
        let cbor = payload.encode().unwrap();
        let nonce = nonce_for(&self.name, algorithm_of(&self.sealer));
        let (sealed, cookies) = seal_split(
            &self.sealer,
            self.cookie_name,
            self.size_limit,
            &nonce,
            &cbor,
        );
        let mut v = self.skeleton("");
        v.key_id = Some(key_id_of(&self.sealer));
        v.nonce = Some(hex::encode(&nonce));
        v.payload_cbor = Some(hex::encode(&cbor));
        v.payload = Some(payload_json(payload));
        v.sealed = Some(sealed);
        if self.expected == Expected::Ok {
            v.cookies = Some(cookies);
            v.resealed_on_save = Some(self.keys.lines().next() != Some(self.sealer.as_str()));
        } else {
            v.cookie_header = Some(cookies.join("; "));
        }
        v.rule = diagnose(&v).to_owned();
        v
    }

    /// A negative vector sealing hand-built `cbor` into one cookie.
    pub(super) fn sealed_cbor(&self, cbor: &[u8]) -> Vector {
        let nonce = nonce_for(&self.name, algorithm_of(&self.sealer));
        let sealed = seal_chunks(&self.sealer, self.cookie_name, 1, &nonce, cbor);
        let mut v = self.skeleton("");
        v.key_id = Some(key_id_of(&self.sealer));
        v.nonce = Some(hex::encode(&nonce));
        v.payload_cbor = Some(hex::encode(cbor));
        v.payload = Payload::decode(cbor).ok().map(|p| payload_json(&p));
        v.cookie_header = Some(format!("{}={sealed}", self.cookie_name));
        v.sealed = Some(sealed);
        v.rule = diagnose(&v).to_owned();
        v
    }

    /// A negative vector given only by the `Cookie` header to load.
    pub(super) fn header(&self, header: String) -> Vector {
        let mut v = self.skeleton("");
        v.cookie_header = Some(header);
        v.rule = diagnose(&v).to_owned();
        v
    }
}

/// Checks the rule a generated vector exercises is the intended one.
pub(super) fn intended(v: Vector, rule: &str) -> Vector {
    assert_eq!(v.rule, rule, "{}: exercises the wrong rule", v.name);
    v
}

/// Decodes a canonical value, changes its bytes, re-encodes canonically.
pub(super) fn mutate(text: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut raw = URL_SAFE_NO_PAD.decode(text).unwrap();
    f(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

pub(super) fn cookie(value: &str) -> String {
    format!("{NAME}={value}")
}
