//! Hand-built CBOR, for payloads the encoder would never produce.

pub(super) fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    if let Ok(small) = u8::try_from(n) {
        if small < 24 {
            return vec![m | small];
        }
        return vec![m | 24, small];
    }
    if let Ok(n) = u16::try_from(n) {
        return [&[m | 25][..], &n.to_be_bytes()].concat();
    }
    if let Ok(n) = u32::try_from(n) {
        return [&[m | 26][..], &n.to_be_bytes()].concat();
    }
    [&[m | 27][..], &n.to_be_bytes()].concat()
}

fn len(n: usize) -> u64 {
    u64::try_from(n).unwrap()
}

pub(super) fn uint(n: u64) -> Vec<u8> {
    head(0, n)
}

pub(super) fn bytes(b: &[u8]) -> Vec<u8> {
    [head(2, len(b.len())), b.to_vec()].concat()
}

pub(super) fn text(s: &str) -> Vec<u8> {
    [head(3, len(s.len())), s.as_bytes().to_vec()].concat()
}

pub(super) fn array(items: &[Vec<u8>]) -> Vec<u8> {
    [head(4, len(items.len())), items.concat()].concat()
}

pub(super) fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = head(5, len(entries.len()));
    for (k, v) in entries {
        out.extend(k);
        out.extend(v);
    }
    out
}

/// The top-level map from (uint key, encoded value) pairs, in the order given.
pub(super) fn top(fields: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<_> = fields.iter().map(|(k, v)| (uint(*k), v.clone())).collect();
    map(&entries)
}
