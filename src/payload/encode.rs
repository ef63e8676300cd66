//! Encoding: the payload's CBOR bytes, written directly. Heads are in the
//! preferred (shortest) form, as `ciborium` writes them; values are copied
//! as the bytes they were opened or inserted as. The result is byte for
//! byte the schema's serde encoding through `ciborium` (a test pins it),
//! and its exact length is known before writing, so sealing allocates its
//! buffer once.

use super::{
    K_DATA, K_EXPIRES_AT, K_FLASHES, K_ID, K_IDLE_DEADLINE, K_ISSUED_AT, K_MAX_AGE, Lifetimes,
    Payload,
};

/// The length of the preferred head for argument `n` (RFC 8949 §4.2.1).
fn head_len(n: u64) -> usize {
    match n {
        0..24 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

fn len_arg(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Appends the preferred head of major type `major` with argument `n`.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    let b = n.to_be_bytes();
    match head_len(n) {
        1 => out.push(m | b[7]),
        2 => out.extend_from_slice(&[m | 24, b[7]]),
        3 => out.extend_from_slice(&[m | 25, b[6], b[7]]),
        5 => out.extend_from_slice(&[m | 26, b[4], b[5], b[6], b[7]]),
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&b);
        }
    }
}

fn text(out: &mut Vec<u8>, s: &[u8]) {
    head(out, 3, len_arg(s.len()));
    out.extend_from_slice(s);
}

impl Payload {
    /// The number of top-level fields with `lifetimes`.
    fn fields(&self, lifetimes: &Lifetimes) -> u64 {
        4 + u64::from(lifetimes.idle_deadline.is_some())
            + u64::from(!self.flashes.is_empty())
            + u64::from(self.max_age.is_some())
    }

    /// The exact length of [`Payload::encode_into`]'s output.
    pub(crate) fn encoded_len(&self, lifetimes: &Lifetimes) -> usize {
        let uint = |key: u64, v: u64| head_len(key) + head_len(v);
        let text_len = |n: usize| head_len(len_arg(n)) + n;
        let mut len = head_len(self.fields(lifetimes))
            + uint(K_ISSUED_AT, lifetimes.issued_at)
            + uint(K_EXPIRES_AT, lifetimes.expires_at)
            + lifetimes
                .idle_deadline
                .map_or(0, |d| uint(K_IDLE_DEADLINE, d))
            + 1
            + 1
            + self.id.len()
            + 1
            + head_len(len_arg(self.data.len()))
            + self.max_age.map_or(0, |m| uint(K_MAX_AGE, m));
        for e in &self.data {
            len += text_len(self.bytes(&e.key).len()) + self.bytes(&e.value).len();
        }
        if !self.flashes.is_empty() {
            len += 1 + head_len(len_arg(self.flashes.len()));
            for b in &self.flashes {
                len += text_len(self.bytes(&b.name).len())
                    + head_len(len_arg(b.count))
                    + self.bytes(&b.items).len();
            }
        }
        len
    }

    /// Appends the CBOR encoding with `lifetimes` in place of the payload's
    /// own (saving seals new ones before committing them).
    pub(crate) fn encode_into(&self, lifetimes: &Lifetimes, out: &mut Vec<u8>) {
        head(out, 5, self.fields(lifetimes));
        head(out, 0, K_ISSUED_AT);
        head(out, 0, lifetimes.issued_at);
        head(out, 0, K_EXPIRES_AT);
        head(out, 0, lifetimes.expires_at);
        if let Some(idle) = lifetimes.idle_deadline {
            head(out, 0, K_IDLE_DEADLINE);
            head(out, 0, idle);
        }
        head(out, 0, K_ID);
        head(out, 2, len_arg(self.id.len()));
        out.extend_from_slice(&self.id);
        head(out, 0, K_DATA);
        head(out, 5, len_arg(self.data.len()));
        for e in &self.data {
            text(out, self.bytes(&e.key));
            out.extend_from_slice(self.bytes(&e.value));
        }
        if !self.flashes.is_empty() {
            head(out, 0, K_FLASHES);
            head(out, 5, len_arg(self.flashes.len()));
            for b in &self.flashes {
                text(out, self.bytes(&b.name));
                head(out, 4, len_arg(b.count));
                out.extend_from_slice(self.bytes(&b.items));
            }
        }
        if let Some(max_age) = self.max_age {
            head(out, 0, K_MAX_AGE);
            head(out, 0, max_age);
        }
    }

    /// The CBOR encoding with the payload's own lifetimes.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn encode(&self) -> Vec<u8> {
        let lifetimes = self.lifetimes();
        let mut out = Vec::with_capacity(self.encoded_len(&lifetimes));
        self.encode_into(&lifetimes, &mut out);
        out
    }
}
