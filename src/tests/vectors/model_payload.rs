//! The reference models' payload decoder: this crate's full decoder (the
//! rules of SECURITY.md "Payload"), with switches that read the ordering
//! rules the wrong way. A switched decoder re-sorts the `data` and `flashes`
//! maps itself after checking its own order, so that every other rule is
//! still checked by the decoder.

use super::misreading::{M, Switch};
use super::*;

/// Where the item starting at `pos` ends (definite lengths only).
fn item_end(b: &[u8], pos: usize) -> Option<usize> {
    let (major, arg, mut at) = head(b, pos)?;
    match major {
        0 | 1 => Some(at),
        2 | 3 => at.checked_add(usize::try_from(arg).ok()?),
        4 | 5 => {
            let items = usize::try_from(arg)
                .ok()?
                .checked_mul(usize::from(major - 3))?;
            for _ in 0..items {
                at = item_end(b, at)?;
            }
            Some(at)
        }
        6 => item_end(b, at),
        _ => Some(at),
    }
}

/// A head: major type, argument, where its content starts.
fn head(b: &[u8], pos: usize) -> Option<(u8, u64, usize)> {
    let first = *b.get(pos)?;
    let (major, info) = (first >> 5, first & 31);
    let len = match info {
        0..=23 => return Some((major, u64::from(info), pos + 1)),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return None,
    };
    let bytes = b.get(pos + 1..pos + 1 + len)?;
    let arg = bytes
        .iter()
        .fold(0u64, |n, byte| (n << 8) | u64::from(*byte));
    Some((major, arg, pos + 1 + len))
}

/// A map's entries as (key text, the entry's bytes), if it is a map with
/// text keys.
fn text_entries(b: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let (major, count, mut at) = head(b, 0)?;
    if major != 5 {
        return None;
    }
    let mut out = Vec::new();
    for _ in 0..count {
        let (kmajor, _, kstart) = head(b, at)?;
        let kend = item_end(b, at)?;
        let vend = item_end(b, kend)?;
        if kmajor != 3 {
            return None;
        }
        let key = String::from_utf8(b.get(kstart..kend)?.to_vec()).ok()?;
        out.push((key, b.get(at..vend)?.to_vec()));
        at = vend;
    }
    Some(out)
}

/// `keys` strictly ascending in the switch's order.
fn ordered(keys: &[&str], utf16: bool) -> bool {
    keys.windows(2).all(|w| {
        if utf16 {
            w[0].encode_utf16().lt(w[1].encode_utf16())
        } else {
            w[0].as_bytes() < w[1].as_bytes()
        }
    })
}

/// The payload with the maps of top-level keys 5 and 6 checked in the
/// switch's order, then re-sorted by UTF-8 bytes for the decoder.
fn normalized(cbor: &[u8], s: Switch) -> Option<Vec<u8>> {
    let (major, count, mut at) = head(cbor, 0)?;
    if major != 5 {
        return Some(cbor.to_vec());
    }
    let mut out = cbor[..at].to_vec();
    for _ in 0..count {
        let kend = item_end(cbor, at)?;
        let vend = item_end(cbor, kend)?;
        let key = cbor.get(at..kend)?;
        let value = cbor.get(kend..vend)?;
        out.extend(key);
        let which = match key {
            [5] => Some(s.on(M::KeysUtf16Order)),
            [6] if s.on(M::FlashBucketsUnordered) => None,
            [6] => Some(s.on(M::KeysUtf16Order)),
            _ => {
                out.extend(value);
                at = vend;
                continue;
            }
        };
        match text_entries(value) {
            Some(mut entries) => {
                let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
                if which.is_some_and(|utf16| !ordered(&keys, utf16)) {
                    return None;
                }
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                let (_, _, start) = head(value, 0)?;
                out.extend(&value[..start]);
                entries.iter().for_each(|(_, e)| out.extend(e));
            }
            None => out.extend(value),
        }
        at = vend;
    }
    out.extend(&cbor[at..]);
    Some(out)
}

/// Every map inside `value` has its keys in ascending order of their
/// encoded bytes.
fn nested_sorted(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().all(nested_sorted),
        Value::Tag(_, inner) => nested_sorted(inner),
        Value::Map(entries) => {
            let keys: Vec<Vec<u8>> = entries
                .iter()
                .map(|(k, _)| {
                    let mut b = Vec::new();
                    ciborium::into_writer(k, &mut b).unwrap();
                    b
                })
                .collect();
            keys.windows(2).all(|w| w[0] < w[1])
                && entries
                    .iter()
                    .all(|(k, v)| nested_sorted(k) && nested_sorted(v))
        }
        _ => true,
    }
}

/// How deep `value` reaches, itself at 1 (SECURITY.md "Nesting depth").
fn depth(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(depth).max().unwrap_or(0),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| depth(k).max(depth(v)))
            .max()
            .unwrap_or(0),
        Value::Tag(_, inner) => depth(inner),
        _ => 0,
    }
}

/// Whether `value` passes the stricter misreadings of the NaN and tag
/// rules that `s` switches on (each refuses what the rules accept).
fn strict_ok(value: &Value, s: Switch) -> bool {
    let children_ok = match value {
        Value::Array(items) => items.iter().all(|v| strict_ok(v, s)),
        Value::Map(entries) => entries
            .iter()
            .all(|(k, v)| strict_ok(k, s) && strict_ok(v, s)),
        Value::Tag(_, inner) => strict_ok(inner, s),
        _ => true,
    };
    let own_ok = match value {
        Value::Float(f) if f.is_nan() => {
            !(s.on(M::NanRefused) || (s.on(M::NegativeNanRefused) && f.is_sign_negative()))
        }
        Value::Tag(n, inner) => {
            let content = matches!(
                (n, &**inner),
                (0, Value::Text(_))
                    | (1, Value::Integer(_) | Value::Float(_))
                    | (2 | 3, Value::Bytes(_))
                    | (4.., _)
            );
            let preferred = match (n, &**inner) {
                (2 | 3, Value::Bytes(b)) => b.len() > 8 && b.first() != Some(&0),
                _ => true,
            };
            let refused = (s.on(M::TagContentChecked) && !content)
                || (s.on(M::OnlySmallTagNumbers) && *n > u64::from(u32::MAX))
                || (s.on(M::BignumPreferred) && !preferred);
            !refused
        }
        _ => true,
    };
    children_ok && own_ok
}

/// The payload as a decoder reading the rules as `s` says sees it.
pub(super) fn decode(cbor: &[u8], s: Switch) -> Option<Payload> {
    let bytes = if s.on(M::KeysUtf16Order) || s.on(M::FlashBucketsUnordered) {
        normalized(cbor, s)?
    } else {
        cbor.to_vec()
    };
    let p = Payload::decode(&bytes).ok()?;
    if s.on(M::NestedMapsSorted)
        && !(p.data.values().all(nested_sorted) && p.flashes.values().flatten().all(nested_sorted))
    {
        return None;
    }
    let data_deep = |v: &Value| s.on(M::DataValuesAtDepthTwo) && depth(v) > 31;
    let flash_deep = |v: &Value| s.on(M::BucketArrayCounts) && depth(v) > 31;
    let values_ok = p.data.values().all(|v| strict_ok(v, s) && !data_deep(v))
        && p.flashes
            .values()
            .flatten()
            .all(|v| strict_ok(v, s) && !flash_deep(v));
    values_ok.then_some(p)
}
