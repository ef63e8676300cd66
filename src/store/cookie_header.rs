//! `Cookie` header parsing: which pairs are this store's chunks, and which
//! combinations of them are worth opening (SECURITY.md, "Opening").
//!
//! Everything here runs on attacker-chosen bytes before any authentication,
//! so it allocates nothing per pair (values are borrowed from the headers)
//! and does O(1) work per pair beyond reading its bytes: a chunk index is
//! parsed from the name, never searched for among the store's names.

use super::CookieStore;
use super::names::chunk_index;
use crate::chunk_set::ChunkSet;
use crate::envelope::{COUNT_PREFIX_LEN, Reject, chunk_count};
use crate::error::LoadError;
use crate::session::Session;

/// At most this many occurrences of chunk 0 are tried; later ones are
/// ignored. Duplicates are legitimate (the same name set for two paths, or
/// a cookie tossed by a sibling subdomain), but each costs an AEAD attempt.
pub(crate) const MAX_FIRST_CHUNKS: usize = 8;

/// Inline room for this many header values and chunk indices: the usual
/// request (one `Cookie` header, a session of a few chunks) needs no heap.
const INLINE: usize = 8;

/// Chooses one occurrence of a chunk index from its `(first, last)` pair.
type Pick = fn((Span, Span)) -> Span;

/// A value's place: which header, and the byte range inside it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Span {
    header: usize,
    start: usize,
    end: usize,
}

/// A small vector that stays on the stack up to [`INLINE`] items.
enum Small<T> {
    Inline([Option<T>; INLINE], usize),
    Heap(Vec<T>),
}

impl<T> Small<T> {
    fn new() -> Self {
        Small::Inline(std::array::from_fn(|_| None), 0)
    }

    fn push(&mut self, item: T) {
        match self {
            Small::Inline(slots, len) => match slots.get_mut(*len) {
                Some(slot) => {
                    *slot = Some(item);
                    *len += 1;
                }
                None => {
                    let mut heap: Vec<T> = slots.iter_mut().filter_map(Option::take).collect();
                    heap.push(item);
                    *self = Small::Heap(heap);
                }
            },
            Small::Heap(items) => items.push(item),
        }
    }

    fn get(&self, index: usize) -> Option<&T> {
        match self {
            Small::Inline(slots, _) => slots.get(index).and_then(Option::as_ref),
            Small::Heap(items) => items.get(index),
        }
    }
}

/// The request's cookies of this store, borrowed from its headers.
struct Found<I> {
    headers: Small<I>,
    /// Chunk 0, every occurrence in header order, up to [`MAX_FIRST_CHUNKS`].
    firsts: [Option<Span>; MAX_FIRST_CHUNKS],
    first_count: usize,
    /// Chunks `1..max`: `(first, last)` occurrence by index, `None` if absent.
    tails: TailTable,
    /// How many distinct chunk indices the request carried.
    present: usize,
    /// Which: a save deletes these (and no others) when it does not
    /// overwrite them.
    carried: ChunkSet,
}

/// `(first, last)` occurrence of each chunk index `1..max`.
struct TailTable {
    inline: [Option<(Span, Span)>; INLINE],
    heap: Vec<Option<(Span, Span)>>,
}

impl TailTable {
    fn new(max: usize) -> Self {
        TailTable {
            inline: [None; INLINE],
            // Allocated only for budgets of more than INLINE chunks.
            heap: if max > INLINE {
                vec![None; max]
            } else {
                Vec::new()
            },
        }
    }

    fn slot(&mut self, index: usize) -> Option<&mut Option<(Span, Span)>> {
        if self.heap.is_empty() {
            self.inline.get_mut(index)
        } else {
            self.heap.get_mut(index)
        }
    }

    fn get(&self, index: usize) -> Option<(Span, Span)> {
        let slot = if self.heap.is_empty() {
            self.inline.get(index)
        } else {
            self.heap.get(index)
        };
        slot.copied().flatten()
    }
}

impl<I: AsRef<str>> Found<I> {
    fn text(&self, span: Span) -> &str {
        self.headers
            .get(span.header)
            .and_then(|h| h.as_ref().get(span.start..span.end))
            .unwrap_or_default()
    }

    /// The first [`COUNT_PREFIX_LEN`] characters of `chunk0` followed by the
    /// first occurrences of chunks 1, 2, ...: where the chunk count is read
    /// (a writer may split anywhere, so chunk 0 alone may be shorter). Fewer
    /// characters than that when the chunks run out.
    fn count_prefix(&self, chunk0: &str, max: usize) -> ([u8; COUNT_PREFIX_LEN], usize) {
        let rest = (1..max).map_while(|i| self.tails.get(i).map(|(first, _)| self.text(first)));
        let mut prefix = [0u8; COUNT_PREFIX_LEN];
        let mut len = 0;
        for (slot, byte) in prefix
            .iter_mut()
            .zip(std::iter::once(chunk0).chain(rest).flat_map(str::bytes))
        {
            *slot = byte;
            len += 1;
        }
        (prefix, len)
    }
}

/// Splits one `Cookie` header value into `name=value` pairs: separated by
/// `;`, each name and value trimmed of spaces and horizontal tabs, pairs
/// without `=` skipped, values taken as they are (quotes included).
fn pairs(header: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    let base = header.as_ptr() as usize;
    header.split(';').filter_map(move |pair| {
        let (name, value) = pair.split_once('=')?;
        let value = value.trim_matches([' ', '\t']);
        let start = value.as_ptr() as usize - base;
        Some((name.trim_matches([' ', '\t']), start, start + value.len()))
    })
}

/// One attempt's outcome, folded over every attempt of a load.
#[derive(Default)]
struct Outcome {
    opened: Option<Session>,
    /// Another attempt opened a session with a different id.
    conflict: bool,
    expired: bool,
    /// Characters of candidate text that may still be opened: twice the
    /// store's size budget (which bounds every session it writes), so
    /// duplicates cost at most about two full opens however many of them an
    /// attacker sends.
    budget: usize,
    /// The budget ran out before every attempt was made.
    incomplete: bool,
}

impl CookieStore {
    /// [`CookieStore::load`] at a given time (seconds since the Unix epoch).
    pub(crate) fn load_at<H>(&self, cookie_headers: H, now: u64) -> Session
    where
        H: IntoIterator,
        H::Item: AsRef<str>,
    {
        let found = self.find(cookie_headers);
        if found.present == 0 {
            return self.fresh_load(now);
        }
        if found.first_count == 0 {
            // Chunks without chunk 0: nothing to open.
            let error = self.reject(Reject::ChunkCount);
            return self.finish_load(Err(error), found.present, found.carried, now);
        }
        let mut outcome = Outcome {
            budget: self.size_limit().saturating_mul(2),
            ..Outcome::default()
        };
        for (i, span) in found.firsts.iter().flatten().enumerate() {
            if outcome.budget == 0 {
                break;
            }
            // The same value again (one cookie set for two paths) would
            // give the same candidates.
            let text = found.text(*span);
            let seen = found.firsts.iter().take(i).flatten();
            if seen.into_iter().any(|earlier| found.text(*earlier) == text) {
                continue;
            }
            self.attempt(&found, *span, now, &mut outcome);
        }
        let result = match outcome {
            // An attempt the budget skipped could have opened a different
            // session: with duplicates beyond the budget, no session is
            // trusted either.
            Outcome {
                opened: Some(session),
                ..
            } if outcome.conflict || outcome.incomplete => Err(self.injected(&session)),
            Outcome {
                opened: Some(session),
                ..
            } => Ok(session),
            Outcome { expired: true, .. } => Err(LoadError::Expired),
            _ => Err(LoadError::Invalid),
        };
        self.finish_load(result, found.present, found.carried, now)
    }

    /// Collects the pairs named `NAME` and `NAME.i` (`1 <= i < max`).
    fn find<H>(&self, cookie_headers: H) -> Found<H::Item>
    where
        H: IntoIterator,
        H::Item: AsRef<str>,
    {
        let max = self.inner.max_chunks;
        let mut found = Found {
            headers: Small::new(),
            firsts: [None; MAX_FIRST_CHUNKS],
            first_count: 0,
            tails: TailTable::new(max),
            present: 0,
            carried: ChunkSet::default(),
        };
        for (header_index, header) in cookie_headers.into_iter().enumerate() {
            for (name, start, end) in pairs(header.as_ref()) {
                let Some(index) = chunk_index(name, self.name(), max) else {
                    continue;
                };
                let span = Span {
                    header: header_index,
                    start,
                    end,
                };
                found.carried.insert(index);
                if index == 0 {
                    if found.first_count == 0 {
                        found.present += 1;
                    }
                    if let Some(slot) = found.firsts.get_mut(found.first_count) {
                        *slot = Some(span);
                        found.first_count += 1;
                    }
                } else if let Some(slot) = found.tails.slot(index) {
                    if slot.is_none() {
                        found.present += 1;
                    }
                    *slot = Some(slot.map_or((span, span), |(first, _)| (first, span)));
                }
            }
            found.headers.push(header);
        }
        found
    }

    /// Opens chunk 0 at `first` with exactly the chunks its header counts:
    /// the first occurrence of each further index, then, if any of them
    /// occurred more than once, the last occurrence of each.
    fn attempt<I: AsRef<str>>(&self, found: &Found<I>, first: Span, now: u64, out: &mut Outcome) {
        let chunk0 = found.text(first);
        let (prefix, len) = found.count_prefix(chunk0, self.inner.max_chunks);
        let count = match chunk_count(prefix.get(..len).unwrap_or_default()) {
            Some(n) if (1..=self.inner.max_chunks).contains(&n) => n,
            _ => {
                let reason = if chunk0.is_empty() {
                    Reject::TooLong
                } else {
                    Reject::ChunkCount
                };
                self.fold(Err(self.reject(reason)), out);
                return;
            }
        };
        let mut tails_differ = false;
        for index in 1..count {
            match found.tails.get(index) {
                Some((a, b)) => tails_differ |= a != b,
                None => {
                    self.fold(Err(self.reject(Reject::ChunkCount)), out);
                    return;
                }
            }
        }
        let pick_first = |(a, _): (Span, Span)| a;
        let pick_last = |(_, b): (Span, Span)| b;
        let picks: &[Pick] = if tails_differ {
            &[pick_first, pick_last]
        } else {
            &[pick_first]
        };
        for pick in picks {
            let pieces = (1..count).filter_map(|i| found.tails.get(i).map(|t| found.text(pick(t))));
            let len = pieces.clone().fold(chunk0.len(), |total, piece| {
                total.saturating_add(piece.len())
            });
            // Only texts within the length limit cost decoding work.
            if len <= self.max_text_len() {
                if len > out.budget {
                    out.budget = 0;
                    out.incomplete = true;
                    return;
                }
                out.budget -= len;
            }
            let result = self.open_pieces(chunk0, pieces, count, now);
            self.fold(result, out);
        }
    }

    /// Folds one attempt into the load's outcome: the first session opened
    /// wins; a second one with another id is a conflict.
    fn fold(&self, result: Result<Session, LoadError>, out: &mut Outcome) {
        match result.and_then(|session| self.admit(session)) {
            Ok(session) => match &out.opened {
                None => out.opened = Some(session),
                Some(first) => out.conflict |= first.id() != session.id(),
            },
            Err(LoadError::Expired) => out.expired = true,
            Err(_) => {}
        }
    }

    /// Two different authentic sessions under one name: somebody set a
    /// cookie of this name for a parent domain or a longer path (cookie
    /// tossing). Neither is used: an attacker's own valid session must never
    /// become the victim's (SECURITY.md, "Cookie injection").
    fn injected(&self, first: &Session) -> LoadError {
        crate::observe::bump(&self.inner.counters.injections);
        crate::observe::event!(
            warn,
            cookie = self.name(),
            "two different sessions under one cookie name (cookie injection?): both refused, fresh session"
        );
        let _ = first;
        LoadError::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_trim_spaces_and_tabs_and_skip_pairs_without_equals() {
        let header = " a=1;\tb = 2 ;c; d==x ;e=\"q\"";
        let got: Vec<(&str, &str)> = pairs(header).map(|(n, s, e)| (n, &header[s..e])).collect();
        assert_eq!(got, [("a", "1"), ("b", "2"), ("d", "=x"), ("e", "\"q\"")]);
    }

    #[test]
    fn small_vector_spills_to_the_heap_in_order() {
        let mut v = Small::new();
        for i in 0..INLINE + 3 {
            v.push(i);
        }
        assert!(matches!(v, Small::Heap(_)));
        for i in 0..INLINE + 3 {
            assert_eq!(v.get(i), Some(&i));
        }
    }
}
