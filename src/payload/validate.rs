//! The strict pass over a payload: one walk over the bytes that rejects
//! what serde would tolerate (duplicate keys, unknown fields, indefinite
//! lengths, non-preferred encodings, trailing bytes), stops at a nesting
//! depth limit and records where the data entries and flash buckets are.
//!
//! The payload of a leaked key's forgery is attacker-controlled, so the
//! pass never allocates from a declared length before the bytes are there
//! (the index's capacity is checked against the bytes left: every entry
//! takes at least two), allocates nothing per value (the repeated-key check
//! of large maps reuses one list and one table for the whole pass), and
//! recurses at most `MAX_DEPTH` deep.

use std::hash::{BuildHasher, RandomState};

use ciborium_ll::{Decoder, Encoder, Header};

use super::{
    Bucket, Entry, K_DATA, K_EXPIRES_AT, K_FLASHES, K_ID, K_IDLE_DEADLINE, K_ISSUED_AT, K_MAX_AGE,
    Malformed, Src, key_prefix,
};

/// The deepest nesting of arrays, maps and tags accepted inside a value.
pub(crate) const MAX_DEPTH: usize = 32;

/// Maps up to this many entries check their keys for repeats with spans on
/// the stack; larger ones share one growing list for the whole pass.
const INLINE_KEYS: usize = 8;

/// What the pass found in a valid payload.
pub(super) struct Index {
    pub(super) issued_at: u64,
    pub(super) expires_at: u64,
    pub(super) idle_deadline: Option<u64>,
    pub(super) id: [u8; 16],
    pub(super) max_age: Option<u64>,
    pub(super) data: Vec<Entry>,
    pub(super) flashes: Vec<Bucket>,
}

/// A head's major type (7 only for `false`, `true`, `null` and floats, the
/// only ones a payload may hold) and argument.
#[derive(Clone, Copy)]
struct Head {
    major: u8,
    arg: u64,
}

struct Walk<'a> {
    input: &'a [u8],
    pos: usize,
    /// Key spans of the maps with more than `INLINE_KEYS` entries being
    /// walked, innermost last.
    keys: Vec<(usize, usize)>,
    /// The repeated-key check's hash table (see [`repeats`]), reused.
    table: Vec<u32>,
    hasher: RandomState,
}

/// Validates a whole payload; with `record`, also builds the index.
pub(super) fn index(input: &[u8], record: bool) -> Result<Index, Malformed> {
    let mut w = Walk {
        input,
        pos: 0,
        keys: Vec::new(),
        table: Vec::new(),
        hasher: RandomState::new(),
    };
    let fields = match w.head()? {
        Head { major: 5, arg } if arg <= 7 => arg,
        _ => return Err(Malformed),
    };
    let mut index = Index {
        issued_at: 0,
        expires_at: 0,
        idle_deadline: None,
        id: [0; 16],
        max_age: None,
        data: Vec::new(),
        flashes: Vec::new(),
    };
    let mut last_key = 0;
    let mut seen = 0u8;
    for _ in 0..fields {
        let key = match w.head()? {
            // Strictly ascending: rejects duplicates and reordering.
            Head { major: 0, arg } if arg > last_key && arg <= K_MAX_AGE => arg,
            _ => return Err(Malformed),
        };
        last_key = key;
        seen |= 1 << key;
        match key {
            K_ISSUED_AT => index.issued_at = w.uint()?,
            K_EXPIRES_AT => index.expires_at = w.uint()?,
            K_IDLE_DEADLINE => index.idle_deadline = Some(w.uint()?),
            K_ID => match w.head()? {
                Head { major: 2, arg: 16 } => index.id.copy_from_slice(w.take(16)?),
                _ => return Err(Malformed),
            },
            K_DATA => index.data = w.data(record)?,
            K_FLASHES => {
                let (flashes, empty) = w.flashes(record)?;
                // One encoding per payload: the encoder omits an empty map.
                if empty {
                    return Err(Malformed);
                }
                index.flashes = flashes;
            }
            _ => index.max_age = Some(w.uint()?),
        }
    }
    let required = (1 << K_ISSUED_AT) | (1 << K_EXPIRES_AT) | (1 << K_ID) | (1 << K_DATA);
    // The encoder never writes an expiry before the issue time.
    if seen & required != required || w.remaining() != 0 || index.expires_at < index.issued_at {
        return Err(Malformed);
    }
    Ok(index)
}

/// Checks that `bytes` are exactly one value valid at depth 1.
pub(super) fn check_value(bytes: &[u8]) -> Result<(), Malformed> {
    let mut w = Walk {
        input: bytes,
        pos: 0,
        keys: Vec::new(),
        table: Vec::new(),
        hasher: RandomState::new(),
    };
    w.value(1)?;
    if w.remaining() != 0 {
        return Err(Malformed);
    }
    Ok(())
}

/// The end of the value starting at `pos` in bytes already validated (no
/// allocation, no recursion); the input's length if they are not valid.
pub(super) fn skip(bytes: &[u8], pos: usize) -> usize {
    let mut w = Walk {
        input: bytes,
        pos,
        keys: Vec::new(),
        table: Vec::new(),
        hasher: RandomState::new(),
    };
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let Ok(head) = w.head() else {
            return bytes.len();
        };
        match head.major {
            2 | 3 if w.take_arg(head.arg).is_err() => return bytes.len(),
            4 => pending = pending.saturating_add(head.arg),
            5 => pending = pending.saturating_add(head.arg.saturating_mul(2)),
            6 => pending += 1,
            _ => {}
        }
    }
    w.pos
}

/// The depth of the deepest item of the valid value `bytes`, the value
/// itself at depth 1.
#[cfg(any(test, fuzzing, feature = "unstable-internals"))]
pub(super) fn depth(bytes: &[u8]) -> usize {
    let mut w = Walk {
        input: bytes,
        pos: 0,
        keys: Vec::new(),
        table: Vec::new(),
        hasher: RandomState::new(),
    };
    w.depth(1)
}

/// Whether a NaN's encoding is the one accepted: half precision, quiet,
/// no payload, either sign (`0xf9 0x7e00` or `0xf9 0xfe00`), what the
/// encoder writes for `f64::NAN` and its negation. How other NaNs
/// round-trip depends on how a platform converts NaN payloads between
/// widths, which no other implementation should have to reproduce.
pub(super) fn is_plain_nan(bytes: Option<&[u8]>) -> bool {
    matches!(bytes, Some([0xf9, 0x7e | 0xfe, 0x00]))
}

/// The bytes of a key span.
fn key(input: &[u8], (start, end): (usize, usize)) -> Option<&[u8]> {
    input.get(start..end)
}

/// Whether two of `spans` have the same bytes in `input`: an open-addressing
/// table of span indexes (reused across maps) under a keyed hash, so the
/// keys an attacker chooses cannot be made to collide (a sort cost ten
/// times as much on a map of scrambled keys).
fn repeats(
    input: &[u8],
    spans: &[(usize, usize)],
    table: &mut Vec<u32>,
    hasher: &RandomState,
) -> bool {
    let size = (spans.len() * 2).next_power_of_two();
    table.clear();
    table.resize(size, u32::MAX);
    let mask = size - 1;
    for (i, &span) in spans.iter().enumerate() {
        let Some(k) = key(input, span) else {
            return true;
        };
        let Ok(index) = u32::try_from(i) else {
            return true;
        };
        let mut slot = usize::try_from(hasher.hash_one(k)).unwrap_or_default() & mask;
        loop {
            match table.get(slot).copied() {
                Some(u32::MAX) => {
                    if let Some(free) = table.get_mut(slot) {
                        *free = index;
                    }
                    break;
                }
                Some(j) => {
                    let other = spans.get(j as usize).and_then(|&s| key(input, s));
                    if other == Some(k) {
                        return true;
                    }
                    slot = (slot + 1) & mask;
                }
                None => return true,
            }
        }
    }
    false
}

impl<'a> Walk<'a> {
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// The next `len` input bytes, consumed.
    fn take(&mut self, len: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(len).ok_or(Malformed)?;
        let bytes = self.input.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(bytes)
    }

    fn take_arg(&mut self, len: u64) -> Result<&'a [u8], Malformed> {
        self.take(usize::try_from(len).map_err(|_| Malformed)?)
    }

    /// The next head, which must be byte for byte what `ciborium-ll` (the
    /// encoder) writes for it: the preferred (shortest) argument; for
    /// floats the exact bytes, and a NaN only as [`is_plain_nan`].
    /// Indefinite lengths, breaks, reserved additional information and
    /// simple values other than `false`, `true` and `null` are rejected.
    #[inline(always)]
    fn head(&mut self) -> Result<Head, Malformed> {
        let first = *self.input.get(self.pos).ok_or(Malformed)?;
        let major = first >> 5;
        let info = first & 0x1f;
        if major == 7 {
            return match first {
                0xf4..=0xf6 => {
                    self.pos += 1;
                    Ok(Head { major, arg: 0 })
                }
                0xf9..=0xfb => self.float(),
                _ => Err(Malformed),
            };
        }
        let (arg, used) = match info {
            0..24 => (u64::from(info), 1),
            24 => (u64::from(self.arg_bytes::<1>()?[0]), 2),
            25 => (u64::from(u16::from_be_bytes(self.arg_bytes::<2>()?)), 3),
            26 => (u64::from(u32::from_be_bytes(self.arg_bytes::<4>()?)), 5),
            27 => (u64::from_be_bytes(self.arg_bytes::<8>()?), 9),
            _ => return Err(Malformed),
        };
        let preferred = match arg {
            0..24 => 1,
            24..=0xff => 2,
            0x100..=0xffff => 3,
            0x1_0000..=0xffff_ffff => 5,
            _ => 9,
        };
        if used != preferred {
            return Err(Malformed);
        }
        self.pos += used;
        Ok(Head { major, arg })
    }

    /// The `N` argument bytes after the head's first byte.
    fn arg_bytes<const N: usize>(&self) -> Result<[u8; N], Malformed> {
        let start = self.pos + 1;
        let bytes = self.input.get(start..start + N).ok_or(Malformed)?;
        <[u8; N]>::try_from(bytes).map_err(|_| Malformed)
    }

    /// A float head: decoded and encoded again by `ciborium-ll`, and
    /// accepted only if that gives the same bytes.
    fn float(&mut self) -> Result<Head, Malformed> {
        let rest = self.input.get(self.pos..).ok_or(Malformed)?;
        let mut dec = Decoder::from(rest);
        let header = dec.pull().map_err(|_| Malformed)?;
        let used = dec.offset();
        let Header::Float(f) = header else {
            return Err(Malformed);
        };
        if f.is_nan() && !is_plain_nan(rest.get(..used)) {
            return Err(Malformed);
        }
        let mut buf = [0u8; 9];
        let mut out: &mut [u8] = &mut buf;
        Encoder::from(&mut out)
            .push(header)
            .map_err(|_| Malformed)?;
        let len = 9 - out.len();
        if len != used || rest.get(..used) != buf.get(..len) {
            return Err(Malformed);
        }
        self.pos += used;
        Ok(Head { major: 7, arg: 0 })
    }

    fn uint(&mut self) -> Result<u64, Malformed> {
        match self.head()? {
            Head { major: 0, arg } => Ok(arg),
            _ => Err(Malformed),
        }
    }

    /// A map head whose entry count the remaining bytes can hold (each
    /// entry takes at least two): the count.
    fn map_head(&mut self) -> Result<usize, Malformed> {
        match self.head()? {
            Head { major: 5, arg } => {
                let n = usize::try_from(arg).map_err(|_| Malformed)?;
                if n > self.remaining() / 2 {
                    return Err(Malformed);
                }
                Ok(n)
            }
            _ => Err(Malformed),
        }
    }

    /// A text key strictly after `last` (bytewise, so no repeats): its span.
    fn text_key(&mut self, last: Option<(usize, usize)>) -> Result<(usize, usize), Malformed> {
        let len = match self.head()? {
            Head { major: 3, arg } => arg,
            _ => return Err(Malformed),
        };
        let start = self.pos;
        let key = self.take_arg(len)?;
        std::str::from_utf8(key).map_err(|_| Malformed)?;
        if let Some((s, e)) = last
            && self.input.get(s..e).is_none_or(|last| last >= key)
        {
            return Err(Malformed);
        }
        Ok((start, self.pos))
    }

    /// The data map: text keys in strictly ascending order, values at depth 1.
    fn data(&mut self, record: bool) -> Result<Vec<Entry>, Malformed> {
        let n = self.map_head()?;
        let mut entries = Vec::with_capacity(if record { n } else { 0 });
        let mut last = None;
        for _ in 0..n {
            let (start, end) = self.text_key(last)?;
            last = Some((start, end));
            let value_start = self.pos;
            self.item(1)?;
            if record {
                entries.push(Entry {
                    prefix: key_prefix(self.input.get(start..end).unwrap_or_default()),
                    key: Src::Span { start, end },
                    value: Src::Span {
                        start: value_start,
                        end: self.pos,
                    },
                });
            }
        }
        Ok(entries)
    }

    /// The flash map: text bucket names in strictly ascending order, each a
    /// non-empty array of values at depth 1. Also whether the map is empty.
    fn flashes(&mut self, record: bool) -> Result<(Vec<Bucket>, bool), Malformed> {
        let n = self.map_head()?;
        let mut buckets = Vec::with_capacity(if record { n } else { 0 });
        let mut last = None;
        for _ in 0..n {
            let (start, end) = self.text_key(last)?;
            last = Some((start, end));
            let count = match self.head()? {
                Head { major: 4, arg } if arg > 0 => usize::try_from(arg).map_err(|_| Malformed)?,
                _ => return Err(Malformed),
            };
            if count > self.remaining() {
                return Err(Malformed);
            }
            let items_start = self.pos;
            for _ in 0..count {
                self.item(1)?;
            }
            if record {
                buckets.push(Bucket {
                    name: Src::Span { start, end },
                    items: Src::Span {
                        start: items_start,
                        end: self.pos,
                    },
                    count,
                });
            }
        }
        Ok((buckets, n == 0))
    }

    /// An item at `depth`: a one-byte one (a small integer, `false`, `true`,
    /// `null`, an empty string, array or map) is consumed in line, without
    /// the general path's call; a payload of many tiny items is mostly those.
    #[inline]
    fn item(&mut self, depth: usize) -> Result<(), Malformed> {
        if depth <= MAX_DEPTH
            && let Some(&b) = self.input.get(self.pos)
            && (b < 0x18
                || (0x20..0x38).contains(&b)
                || matches!(b, 0x40 | 0x60 | 0x80 | 0xa0 | 0xf4..=0xf6))
        {
            self.pos += 1;
            return Ok(());
        }
        self.value(depth)
    }

    /// Any value, at nesting `depth`.
    fn value(&mut self, depth: usize) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        let head = self.head()?;
        match head.major {
            2 => {
                self.take_arg(head.arg)?;
            }
            3 => {
                std::str::from_utf8(self.take_arg(head.arg)?).map_err(|_| Malformed)?;
            }
            4 => {
                // Each item takes at least one byte.
                if head.arg > self.remaining() as u64 {
                    return Err(Malformed);
                }
                for _ in 0..head.arg {
                    self.item(depth + 1)?;
                }
            }
            5 => {
                // Each entry takes at least two bytes.
                let n = usize::try_from(head.arg).map_err(|_| Malformed)?;
                if n > self.remaining() / 2 {
                    return Err(Malformed);
                }
                self.map_entries(n, depth)?;
            }
            6 => self.value(depth + 1)?,
            // Integers, false, true, null, floats.
            _ => {}
        }
        Ok(())
    }

    /// `n` key-value pairs at `depth + 1`; no key may repeat. Preferred
    /// encoding is enforced, so equal keys have equal bytes.
    fn map_entries(&mut self, n: usize, depth: usize) -> Result<(), Malformed> {
        if n <= INLINE_KEYS {
            let mut spans = [(0usize, 0usize); INLINE_KEYS];
            for span in spans.iter_mut().take(n) {
                let start = self.pos;
                self.item(depth + 1)?;
                *span = (start, self.pos);
                self.item(depth + 1)?;
            }
            let spans = spans.get(..n).ok_or(Malformed)?;
            let key = |&(s, e): &(usize, usize)| self.input.get(s..e);
            for (i, a) in spans.iter().enumerate() {
                if spans.iter().skip(i + 1).any(|b| key(a) == key(b)) {
                    return Err(Malformed);
                }
            }
            return Ok(());
        }
        let base = self.keys.len();
        let input = self.input;
        let key = |&(s, e): &(usize, usize)| input.get(s..e);
        // Keys in strictly ascending byte order (as encoders of sorted maps
        // write them) cannot repeat: no sort needed.
        let mut ascending = true;
        let mut last = None;
        for _ in 0..n {
            let start = self.pos;
            self.item(depth + 1)?;
            let span = (start, self.pos);
            if let Some(last) = last {
                match key(&last).cmp(&key(&span)) {
                    std::cmp::Ordering::Less => {}
                    // A key right after its equal: a repeat, found early.
                    std::cmp::Ordering::Equal => return Err(Malformed),
                    std::cmp::Ordering::Greater => ascending = false,
                }
            }
            last = Some(span);
            self.keys.push(span);
            self.item(depth + 1)?;
        }
        let spans = self.keys.get(base..).ok_or(Malformed)?;
        let repeated = !ascending && repeats(input, spans, &mut self.table, &self.hasher);
        self.keys.truncate(base);
        if repeated {
            return Err(Malformed);
        }
        Ok(())
    }

    /// The depth of the deepest item of the (valid) value at `pos`.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    fn depth(&mut self, depth: usize) -> usize {
        let Ok(head) = self.head() else {
            return depth;
        };
        let mut deepest = depth;
        match head.major {
            2 | 3 => {
                let _ = self.take_arg(head.arg);
            }
            4 => {
                for _ in 0..head.arg {
                    deepest = deepest.max(self.depth(depth + 1));
                }
            }
            5 => {
                for _ in 0..head.arg.saturating_mul(2) {
                    deepest = deepest.max(self.depth(depth + 1));
                }
            }
            6 => deepest = deepest.max(self.depth(depth + 1)),
            _ => {}
        }
        deepest
    }
}
