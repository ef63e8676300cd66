//! `Cookie` header parsing: which pairs are this store's chunks, and which
//! combinations of them are worth opening (SECURITY.md, "Opening").
//!
//! Everything here runs on attacker-chosen bytes before any authentication,
//! so it allocates nothing per pair (values are borrowed from the headers)
//! and does bounded work per pair beyond reading its bytes: a chunk index is
//! parsed from the name, never searched for among the store's names, and a
//! value is compared with at most [`MAX_FIRST_CHUNKS`] kept values.
//!
//! The rule the reader keeps (SECURITY.md, "Cookie injection"): it returns
//! the user's session or a conflict, never another session. So every
//! combination of the request's values it does not try (a value it dropped,
//! two indices that both vary, an attempt past the work bound) turns an
//! opened session into [`LoadError::Conflict`] instead of a silent choice.

use super::CookieStore;
use super::load::Refused;
use super::names::chunk_index;
use crate::chunk_set::ChunkSet;
use crate::envelope::{COUNT_PREFIX_LEN, Reject, chunk_count};
use crate::error::LoadError;
use crate::session::Session;

/// At most this many distinct values of chunk 0 are tried. Copies of a
/// value count once (one cookie set for two paths); a further distinct value
/// is dropped, and a dropped value makes any opened session a conflict.
pub(crate) const MAX_FIRST_CHUNKS: usize = 8;

/// Inline room for this many header values and chunk indices: the usual
/// request (one `Cookie` header, a session of a few chunks) needs no heap.
const INLINE: usize = 8;

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

/// The distinct values one chunk index `>= 1` carried: the first, the
/// second if any, and whether a third (or later) distinct value was dropped.
#[derive(Clone, Copy)]
struct Tail {
    first: Span,
    second: Option<Span>,
    dropped: bool,
}

impl Tail {
    /// More than one distinct value: the reader must choose.
    fn varies(&self) -> bool {
        self.second.is_some() || self.dropped
    }
}

/// The [`Tail`] of each chunk index `1..max`.
struct TailTable {
    inline: [Option<Tail>; INLINE],
    heap: Vec<Option<Tail>>,
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

    fn slot(&mut self, index: usize) -> Option<&mut Option<Tail>> {
        if self.heap.is_empty() {
            self.inline.get_mut(index)
        } else {
            self.heap.get_mut(index)
        }
    }

    fn get(&self, index: usize) -> Option<Tail> {
        let slot = if self.heap.is_empty() {
            self.inline.get(index)
        } else {
            self.heap.get(index)
        };
        slot.copied().flatten()
    }
}

/// The request's header values, which every [`Span`] points into.
struct Headers<I>(Small<I>);

impl<I: AsRef<str>> Headers<I> {
    fn text(&self, span: Span) -> &str {
        self.0
            .get(span.header)
            .and_then(|h| h.as_ref().get(span.start..span.end))
            .unwrap_or_default()
    }
}

/// The request's cookies of this store, borrowed from its headers.
struct Found<I> {
    headers: Headers<I>,
    /// Distinct values of chunk 0 in order of first occurrence, up to
    /// [`MAX_FIRST_CHUNKS`].
    firsts: [Option<Span>; MAX_FIRST_CHUNKS],
    first_count: usize,
    /// A further distinct value of chunk 0 was dropped.
    firsts_dropped: bool,
    /// Chunks `1..max`: their distinct values by index, `None` if absent.
    tails: TailTable,
    /// How many distinct chunk indices the request carried.
    present: usize,
    /// Which: a save deletes these (and no others) when it does not
    /// overwrite them.
    carried: ChunkSet,
}

impl<I: AsRef<str>> Found<I> {
    fn text(&self, span: Span) -> &str {
        self.headers.text(span)
    }

    /// The first [`COUNT_PREFIX_LEN`] characters of `chunk0` followed by the
    /// first values of chunks 1, 2, ...: where the chunk count is read (a
    /// writer may split anywhere, so chunk 0 alone may be shorter). Fewer
    /// characters than that when the chunks run out. `None` when an index
    /// the prefix reads carried more than one distinct value: which one
    /// belongs to `chunk0` is then unknown.
    fn count_prefix(&self, chunk0: &str, max: usize) -> Option<([u8; COUNT_PREFIX_LEN], usize)> {
        let mut prefix = [0u8; COUNT_PREFIX_LEN];
        let mut len = 0;
        let mut fill = |text: &str, len: &mut usize| {
            for byte in text.bytes() {
                let Some(slot) = prefix.get_mut(*len) else {
                    break;
                };
                *slot = byte;
                *len += 1;
            }
        };
        fill(chunk0, &mut len);
        for index in 1..max {
            if len >= COUNT_PREFIX_LEN {
                break;
            }
            let Some(tail) = self.tails.get(index) else {
                break;
            };
            if tail.varies() {
                return None;
            }
            fill(self.text(tail.first), &mut len);
        }
        Some((prefix, len))
    }
}

/// Splits one `Cookie` header value into `name=value` pairs: separated by
/// `;`, each name and value trimmed of spaces and horizontal tabs, pairs
/// without `=` skipped, values taken as they are (quotes included).
fn pairs(header: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    let ends = memchr::memchr_iter(b';', header.as_bytes()).chain(std::iter::once(header.len()));
    let mut next = 0;
    ends.filter_map(move |end| {
        let from = next;
        next = end + 1;
        // `;` is ASCII, so `from..end` lies on character boundaries.
        let pair = header.get(from..end)?;
        let (name, value) = pair.split_once('=')?;
        let value = value.trim_matches([' ', '\t']);
        let start = from + (value.as_ptr() as usize - pair.as_ptr() as usize);
        Some((name.trim_matches([' ', '\t']), start, start + value.len()))
    })
}

/// One attempt's outcome, folded over every attempt of a load.
#[derive(Default)]
struct Outcome {
    opened: Option<Session>,
    /// The id of the first candidate that authenticated (opened, expired
    /// or refused by the admission rules).
    authentic: Option<[u8; 16]>,
    /// Another candidate authenticated with a different id.
    conflict: bool,
    expired: bool,
    /// Characters of candidate text that may still be opened: twice the
    /// store's size budget (which bounds every session it writes), so
    /// distinct values cost at most about two full opens however many of
    /// them an attacker sends.
    budget: usize,
    /// Some combination of the request's values was not tried (a dropped
    /// value, two varying indices, the work bound): it could have been the
    /// user's session.
    incomplete: bool,
}

impl CookieStore {
    /// [`CookieStore::load`] at a given time (seconds since the Unix epoch).
    pub(crate) fn load_at<H>(&self, cookie_headers: H, now: u64) -> Session
    where
        H: IntoIterator,
        H::Item: AsRef<str>,
    {
        self.load_checked(cookie_headers, now, None)
    }

    /// Loads, and for a bound store refuses a session whose binding is not
    /// `bound` (SECURITY.md, "Cookie injection").
    pub(super) fn load_checked<H>(
        &self,
        cookie_headers: H,
        now: u64,
        bound: Option<&str>,
    ) -> Session
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
            incomplete: found.firsts_dropped,
            ..Outcome::default()
        };
        for span in found.firsts.iter().flatten() {
            self.attempt(&found, *span, now, &mut outcome);
        }
        let result = match outcome {
            // Whatever was not tried could have been the user's session,
            // and another authentic session under the name was put there by
            // somebody else: the one that opened is not trusted.
            Outcome {
                opened: Some(_), ..
            } if outcome.conflict || outcome.incomplete => Err(self.injected()),
            Outcome {
                opened: Some(session),
                ..
            } => self
                .check_bound(session, bound)
                .map_err(|_| self.injected()),
            Outcome { expired: true, .. } => Err(LoadError::Expired),
            _ => Err(LoadError::Invalid),
        };
        self.finish_load(result, found.present, found.carried, now)
    }

    /// Collects the distinct values of the pairs named `NAME` and `NAME.i`
    /// (`1 <= i < max`).
    fn find<H>(&self, cookie_headers: H) -> Found<H::Item>
    where
        H: IntoIterator,
        H::Item: AsRef<str>,
    {
        let max = self.inner.max_chunks;
        let mut headers = Small::new();
        for header in cookie_headers {
            headers.push(header);
        }
        let mut found = Found {
            headers: Headers(headers),
            firsts: [None; MAX_FIRST_CHUNKS],
            first_count: 0,
            firsts_dropped: false,
            tails: TailTable::new(max),
            present: 0,
            carried: ChunkSet::default(),
        };
        let mut header_index = 0;
        while let Some(header) = found.headers.0.get(header_index) {
            let header = header.as_ref();
            for (name, start, end) in pairs(header) {
                let Some(index) = chunk_index(name, self.name(), max) else {
                    continue;
                };
                let span = Span {
                    header: header_index,
                    start,
                    end,
                };
                let value = header.get(start..end).unwrap_or_default();
                let same = |kept: &Span| found.headers.text(*kept) == value;
                found.carried.insert(index);
                if index == 0 {
                    if found.first_count == 0 {
                        found.present += 1;
                    }
                    // Identical copies are one value: they cannot be two
                    // sessions, so they cost no attempt and drop nothing.
                    if found.firsts.iter().flatten().any(same) {
                        continue;
                    }
                    match found.firsts.get_mut(found.first_count) {
                        Some(slot) => {
                            *slot = Some(span);
                            found.first_count += 1;
                        }
                        None => found.firsts_dropped = true,
                    }
                } else if let Some(slot) = found.tails.slot(index) {
                    let tail = match *slot {
                        None => {
                            found.present += 1;
                            Tail {
                                first: span,
                                second: None,
                                dropped: false,
                            }
                        }
                        Some(tail)
                            if same(&tail.first) || tail.second.as_ref().is_some_and(same) =>
                        {
                            continue;
                        }
                        Some(Tail {
                            first,
                            second: None,
                            ..
                        }) => Tail {
                            first,
                            second: Some(span),
                            dropped: false,
                        },
                        Some(tail) => Tail {
                            dropped: true,
                            ..tail
                        },
                    };
                    if let Some(slot) = found.tails.slot(index) {
                        *slot = Some(tail);
                    }
                }
            }
            header_index += 1;
        }
        found
    }

    /// Opens the value `first` of chunk 0 with exactly the chunks its header
    /// counts: one candidate when each further index carried one distinct
    /// value, two when exactly one index carried two (its first value, then
    /// its second). Anything else leaves combinations untried, which marks
    /// the outcome incomplete.
    fn attempt<I: AsRef<str>>(&self, found: &Found<I>, first: Span, now: u64, out: &mut Outcome) {
        let max = self.inner.max_chunks;
        let chunk0 = found.text(first);
        let Some((prefix, len)) = found.count_prefix(chunk0, max) else {
            // A chunk 0 shorter than the count prefix, followed by an index
            // with two values: its count depends on which one it takes.
            out.incomplete = true;
            return;
        };
        let count = match chunk_count(prefix.get(..len).unwrap_or_default()) {
            Some(n) if (1..=max).contains(&n) => n,
            _ => {
                let reason = if chunk0.is_empty() {
                    Reject::TooLong
                } else {
                    Reject::ChunkCount
                };
                self.fold(Err(self.reject(reason).into()), out);
                return;
            }
        };
        // Every index below the count present first (else the attempt
        // fails), then how many of them vary (SECURITY.md, "Attempts").
        if (1..count).any(|index| found.tails.get(index).is_none()) {
            self.fold(Err(self.reject(Reject::MissingChunks).into()), out);
            return;
        }
        let mut varying = false;
        for tail in (1..count).filter_map(|index| found.tails.get(index)) {
            // Two indices with two values each give four combinations (or
            // more), a third value at one index three: not tried.
            if tail.dropped || (tail.second.is_some() && varying) {
                out.incomplete = true;
                return;
            }
            varying |= tail.second.is_some();
        }
        let candidates: &[bool] = if varying { &[false, true] } else { &[false] };
        for &second in candidates {
            let pieces = (1..count).filter_map(|i| {
                let tail = found.tails.get(i)?;
                let span = match tail.second {
                    Some(span) if second => span,
                    _ => tail.first,
                };
                Some(found.text(span))
            });
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

    /// Folds one candidate into the load's outcome: the first session that
    /// opens is kept; any authentic candidate (opened, expired or refused)
    /// with another id is a conflict.
    fn fold(&self, result: Result<Session, Refused>, out: &mut Outcome) {
        let admitted = match result {
            Ok(session) => {
                let id = session.payload.id;
                let admitted = self.admit(session);
                Ok((id, admitted))
            }
            Err(refused) => Err(refused),
        };
        let authentic = match &admitted {
            Ok((id, _)) => Some(*id),
            Err(refused) => refused.authentic,
        };
        if let Some(id) = authentic {
            match out.authentic {
                None => out.authentic = Some(id),
                Some(seen) => out.conflict |= seen != id,
            }
        }
        match admitted {
            Ok((_, Ok(session))) if out.opened.is_none() => out.opened = Some(session),
            Ok((_, Err(LoadError::Expired)))
            | Err(Refused {
                error: LoadError::Expired,
                ..
            }) => out.expired = true,
            _ => {}
        }
    }

    /// An opened session the reader cannot trust: another authentic session
    /// under the same name, or a combination of the request's cookies left
    /// untried. Somebody set cookies of this name for a parent domain or a
    /// longer path (cookie tossing); none is used, because an attacker's own
    /// valid session must never become the victim's (SECURITY.md, "Cookie
    /// injection").
    fn injected(&self) -> LoadError {
        crate::observe::event!(
            warn,
            cookie = self.name(),
            "ambiguous session cookies (two sessions under one name, or cookies beyond what is read): cookie injection? none used, fresh session"
        );
        LoadError::Conflict
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

    proptest::proptest! {
        /// The same pairs as splitting on every `;`, whatever the text
        /// (non-ASCII included).
        #[test]
        fn pairs_are_those_of_a_split_on_semicolons(header in "[a=; \t\"é\u{fffd}b]{0,48}") {
            let reference: Vec<(&str, &str)> = header
                .split(';')
                .filter_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    Some((name.trim_matches([' ', '\t']), value.trim_matches([' ', '\t'])))
                })
                .collect();
            let got: Vec<(&str, &str)> = pairs(&header).map(|(n, s, e)| (n, &header[s..e])).collect();
            proptest::prop_assert_eq!(got, reference);
        }
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
