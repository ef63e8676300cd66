//! The value store: data entries and flash buckets as CBOR bytes, in the
//! opened buffer or owned, looked up by key with a binary search, after a
//! look at the entry following the last one found.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Bucket, Entry, Payload, Src, key_prefix, validate};

/// Where the next lookup looks first: the entry after the last one found.
/// Reading values in key order (every value, or a run of neighbouring
/// keys) then costs one comparison per lookup instead of a binary search
/// over all the keys; any other lookup pays that one comparison more. Only
/// a hint: a stale one (after an insert or a removal) just misses. Atomic
/// so a `&Session` stays shareable between threads; relaxed, as nothing
/// else is ordered by it.
#[derive(Default)]
pub(crate) struct Hint(AtomicUsize);

impl Clone for Hint {
    fn clone(&self) -> Hint {
        Hint(AtomicUsize::new(self.0.load(Ordering::Relaxed)))
    }
}

impl Src {
    fn owned(bytes: Vec<u8>) -> Src {
        Src::Owned(bytes.into_boxed_slice())
    }
}

impl Payload {
    /// The bytes `src` stands for.
    pub(crate) fn bytes<'a>(&'a self, src: &'a Src) -> &'a [u8] {
        match src {
            Src::Span { start, end } => self.buf.get(*start..*end).unwrap_or_default(),
            Src::Owned(bytes) => bytes,
        }
    }

    /// The text a key or bucket name stands for (validated UTF-8).
    fn text<'a>(&'a self, src: &'a Src) -> &'a str {
        std::str::from_utf8(self.bytes(src)).unwrap_or_default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        let prefix = key_prefix(key.as_bytes());
        let key = key.as_bytes();
        let next = self.hint.0.load(Ordering::Relaxed);
        if let Some(e) = self.data.get(next)
            && e.prefix == prefix
            && self.bytes(&e.key) == key
        {
            self.hint.0.store(next.wrapping_add(1), Ordering::Relaxed);
            return Ok(next);
        }
        let found = self.data.binary_search_by(|e| {
            e.prefix.cmp(&prefix).then_with(|| {
                let k = self.bytes(&e.key);
                // Equal prefixes of keys of at most 8 bytes: one key starts
                // the other, so the shorter is the lesser.
                if k.len() <= 8 && key.len() <= 8 {
                    k.len().cmp(&key.len())
                } else {
                    k.cmp(key)
                }
            })
        });
        if let Ok(i) = found {
            self.hint.0.store(i.wrapping_add(1), Ordering::Relaxed);
        }
        found
    }

    fn find_bucket(&self, name: &str) -> Result<usize, usize> {
        self.flashes
            .binary_search_by(|b| self.bytes(&b.name).cmp(name.as_bytes()))
    }

    /// The CBOR bytes of the value under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&[u8]> {
        let i = self.find(key).ok()?;
        self.data.get(i).map(|e| self.bytes(&e.value))
    }

    /// Stores `value` (valid CBOR bytes) under `key`; whether anything
    /// changed (storing the same bytes again does not).
    pub(crate) fn insert(&mut self, key: &str, value: Vec<u8>) -> bool {
        match self.find(key) {
            Ok(i) => {
                let Some(entry) = self.data.get(i) else {
                    return false;
                };
                if self.bytes(&entry.value) == value.as_slice() {
                    return false;
                }
                if let Some(entry) = self.data.get_mut(i) {
                    entry.value = Src::owned(value);
                }
            }
            Err(i) => self.data.insert(
                i,
                Entry {
                    prefix: key_prefix(key.as_bytes()),
                    key: Src::owned(key.as_bytes().to_vec()),
                    value: Src::owned(value),
                },
            ),
        }
        true
    }

    /// Removes `key`; its value's bytes stay readable through
    /// [`Payload::bytes`] until the returned `Src` is dropped.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Src> {
        let i = self.find(key).ok()?;
        let Entry { value, .. } = self.data.remove(i);
        Some(value)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// The keys, in the encoding's (bytewise) order.
    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.data.iter().map(|e| self.text(&e.key))
    }

    /// The number of data entries.
    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    /// No data and no flashes.
    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty() && self.flashes.is_empty()
    }

    /// Drops every value and flash (and the opened buffer, which is wiped).
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.flashes.clear();
        self.buf = Default::default();
    }

    /// Appends `value` (valid CBOR bytes) to the bucket `name`.
    pub(crate) fn add_flash(&mut self, name: &str, value: Vec<u8>) {
        match self.find_bucket(name) {
            Ok(i) => {
                let Some(bucket) = self.flashes.get(i) else {
                    return;
                };
                let mut items = Vec::with_capacity(self.bytes(&bucket.items).len() + value.len());
                items.extend_from_slice(self.bytes(&bucket.items));
                items.extend_from_slice(&value);
                let mut value = value;
                zeroize::Zeroize::zeroize(&mut value);
                if let Some(bucket) = self.flashes.get_mut(i) {
                    bucket.items = Src::owned(items);
                    bucket.count += 1;
                }
            }
            Err(i) => self.flashes.insert(
                i,
                Bucket {
                    name: Src::owned(name.as_bytes().to_vec()),
                    items: Src::owned(value),
                    count: 1,
                },
            ),
        }
    }

    /// Removes the bucket `name`; read it with [`Payload::flash_items`].
    pub(crate) fn take_flashes(&mut self, name: &str) -> Option<Bucket> {
        let i = self.find_bucket(name).ok()?;
        Some(self.flashes.remove(i))
    }

    /// Each flash value's CBOR bytes in `bucket`, in order.
    pub(crate) fn flash_items<'a>(&'a self, bucket: &'a Bucket) -> impl Iterator<Item = &'a [u8]> {
        let items = self.bytes(&bucket.items);
        let mut pos = 0;
        (0..bucket.count).map_while(move |_| {
            let end = validate::skip(items, pos);
            let item = items.get(pos..end)?;
            pos = end;
            Some(item)
        })
    }

    /// Each data entry: key and value bytes.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.data
            .iter()
            .map(|e| (self.text(&e.key), self.bytes(&e.value)))
    }

    /// Each flash bucket: its name and the bucket itself.
    #[cfg(any(test, fuzzing, feature = "unstable-internals"))]
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (&str, &Bucket)> {
        self.flashes.iter().map(|b| (self.text(&b.name), b))
    }
}
