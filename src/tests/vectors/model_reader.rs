//! The reference reader, written from SECURITY.md "Opening" and "Header
//! transport" alone (the store's reader is not used): which of a request's
//! cookies are the store's, which values are kept and dropped, the attempts
//! and their candidates, the work bound, each candidate's opening and what
//! the load reports. It opens with the reference sealer's keys and AEADs
//! (`reference`) and decodes the payload with the full decoder. It is the
//! only one: the reader vectors, the writer model and the property tests of
//! the store under cookie injection all read with it.
//!
//! With a [`Switch`] on, it reads one rule the wrong way (`misreading`); the
//! mutation test requires that every such reader fails some vector.

use std::collections::BTreeSet;

use super::misreading::{M, Switch};
use super::model_payload;
use super::*;

/// What a reader is configured with (SECURITY.md "Opening", its inputs).
pub(super) struct ReadConfig<'a> {
    pub(super) keys: &'a str,
    pub(super) name: &'a str,
    pub(super) budget: usize,
    pub(super) skew: u64,
    pub(super) idle: Option<u64>,
    pub(super) not_before: Option<u64>,
    pub(super) now: u64,
}

/// A load's outcome.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Read {
    Absent,
    Invalid,
    Expired,
    /// The session, and the index of the keyring entry that opened it.
    Opened(Box<Payload>, usize),
    /// A session opened, but the request was ambiguous: none is used.
    Conflict,
}

/// The outcome, and whether the request carried any of the store's
/// cookies (or a non-blank header value): the writer's "had cookies", which
/// a conflict does not count (its cookies are not deleted).
pub(super) struct Loaded {
    pub(super) read: Read,
    pub(super) carried: bool,
    /// Which of the store's chunk indices the request carried (SECURITY.md
    /// "Writing": the deletions' `C`); empty whenever `carried` is false.
    pub(super) indices: BTreeSet<usize>,
}

/// The most chunks a budget allows.
pub(super) fn maxc(name: &str, budget: usize, s: Switch) -> usize {
    let per = if s.on(M::MaxcIgnoresName) {
        4096
    } else if s.on(M::MaxcNamePlusOne) {
        4096 - name.len() - 1
    } else {
        4096 - name.len() - 5
    };
    budget.div_ceil(per).max(1)
}

fn trim(text: &str, s: Switch) -> &str {
    if s.on(M::NoTrim) {
        text
    } else if s.on(M::TrimAllWhitespace) {
        text.trim()
    } else {
        text.trim_matches([' ', '\t'])
    }
}

/// The chunk index a cookie name stands for, if it is the store's.
fn index(name: &str, store: &str, maxc: usize, s: Switch) -> Option<usize> {
    let (name, store) = if s.on(M::NameCaseInsensitive) {
        (name.to_ascii_lowercase(), store.to_ascii_lowercase())
    } else {
        (name.to_owned(), store.to_owned())
    };
    let rest = name.strip_prefix(store.as_str())?;
    if rest.is_empty() {
        return Some(0);
    }
    let prefix = s.on(M::NamePrefixMatch).then_some(0);
    let Some(digits) = rest.strip_prefix('.') else {
        return prefix;
    };
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return prefix;
    }
    if digits.starts_with('0') && !s.on(M::LeadingZeroIndex) {
        return prefix;
    }
    let i: usize = digits.parse().ok()?;
    let limit = if s.on(M::IndexBeyondMaxcCounted) {
        255
    } else {
        maxc
    };
    (1..limit).contains(&i).then_some(i)
}

/// The store's pairs of a request: every occurrence of chunk 0's value and
/// of each further index's, in order.
struct Found {
    firsts: Vec<String>,
    tails: BTreeMap<usize, Vec<String>>,
}

fn find(c: &ReadConfig, headers: &[String], maxc: usize, s: Switch) -> Found {
    let mut found = Found {
        firsts: Vec::new(),
        tails: BTreeMap::new(),
    };
    let headers = if s.on(M::FirstHeaderOnly) {
        &headers[..headers.len().min(1)]
    } else {
        headers
    };
    for header in headers {
        for piece in header.split(';') {
            let (name, value) = match piece.split_once('=') {
                Some((name, value)) => (trim(name, s), trim(value, s)),
                None if s.on(M::BareNameEmptyValue) => (trim(piece, s), ""),
                None => continue,
            };
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(inner) if s.on(M::UnquoteValues) => inner,
                _ => value,
            };
            match index(name, c.name, maxc, s) {
                Some(0) => found.firsts.push(value.to_owned()),
                Some(i) => found.tails.entry(i).or_default().push(value.to_owned()),
                None => {}
            }
        }
    }
    found
}

/// The values of one index the reader keeps ("Values"): distinct values in
/// order of first occurrence up to `limit`, and whether one was dropped.
#[derive(Clone, Default)]
struct Values {
    kept: Vec<String>,
    dropped: bool,
}

fn keep<'a>(
    occurrences: impl IntoIterator<Item = &'a String>,
    limit: usize,
    copies: bool,
) -> Values {
    let mut values = Values::default();
    for v in occurrences {
        if values.kept.contains(v) && !copies {
            continue;
        }
        if values.kept.len() < limit {
            values.kept.push(v.clone());
        } else {
            values.dropped = true;
        }
    }
    values
}

/// Chunk 0's kept values.
fn firsts(found: &Found, s: Switch) -> Values {
    let all = &found.firsts;
    let occurrences: Vec<&String> = if s.on(M::FirstOccurrenceOnly) {
        all.iter().take(1).collect()
    } else if s.on(M::LastOccurrenceOnly) {
        all.iter().last().into_iter().collect()
    } else if s.on(M::FirstAndLastOnly) {
        let mut v: Vec<&String> = all.first().into_iter().chain(all.last()).collect();
        v.dedup_by(|a, b| std::ptr::eq(*a, *b));
        v
    } else {
        all.iter().collect()
    };
    let limit = if s.on(M::UnboundedOccurrences) {
        usize::MAX
    } else if s.on(M::SevenOccurrences) {
        7
    } else {
        8
    };
    let mut values = keep(occurrences, limit, s.on(M::Chunk0CopiesTried));
    values.dropped &= !s.on(M::DroppedChunk0NoConflict);
    values
}

/// The kept values of each index `>= 1`.
fn tails(found: &Found, s: Switch) -> BTreeMap<usize, Values> {
    let values = |all: &Vec<String>| {
        if s.on(M::FirstOccurrenceOfTailsOnly) {
            return keep(all.iter().take(1), 2, false);
        }
        if s.on(M::LastOccurrenceOfTailsOnly) {
            return keep(all.iter().last(), 2, false);
        }
        let mut values = keep(all, 2, s.on(M::TailCopiesDistinct));
        if s.on(M::SecondCandidateByPosition) && values.kept.len() == 2 {
            values.kept[1] = all[all.len() - 1].clone();
        }
        values.dropped &= !s.on(M::ThirdTailValueNoConflict);
        values
    };
    found
        .tails
        .iter()
        .map(|(i, all)| (*i, values(all)))
        .collect()
}

/// Why one candidate did not open.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fail {
    Invalid,
    Expired,
}

/// A candidate's outcome: opened, or why not, with the session id when it
/// authenticated (passed steps 1 to 9).
type Opened = Result<(Payload, usize), (Fail, Option<[u8; 16]>)>;

/// Opens one candidate text, given as its pieces, for `n` chunks: steps 1
/// to 12 of SECURITY.md "Opening".
fn open_text(c: &ReadConfig, pieces: &[&str], n: usize, maxc: usize, s: Switch) -> Opened {
    let invalid = Err((Fail::Invalid, None));
    let text: String = pieces.concat();
    if pieces.iter().any(|p| p.is_empty()) || text.len() > maxc * 4096 {
        return invalid;
    }
    let long = |(i, p): (usize, &&str)| chunk_name(c.name, i).len() + 1 + p.len() > 4096;
    if s.on(M::ReaderRefusesLongCookie) && pieces.iter().enumerate().any(long) {
        return invalid;
    }
    let Ok(sealed) = URL_SAFE_NO_PAD.decode(&text) else {
        return invalid;
    };
    if sealed.len() < 7 || sealed[0] != 1 {
        return invalid;
    }
    let Some((index, pair)) = c
        .keys
        .lines()
        .map(reference::parse)
        .enumerate()
        .find(|(_, pair)| reference::key_id(pair) == sealed[2..6])
    else {
        return invalid;
    };
    if sealed[1] != pair.id_byte {
        return invalid;
    }
    let skip_n = s.on(M::SkipHeaderNCheck) || s.on(M::JoinChunksPresent);
    if usize::from(sealed[6]) != n && !skip_n {
        return invalid;
    }
    let (_, _, _, nonce_len) = reference::ALGORITHMS[usize::from(pair.id_byte) - 1];
    let tag_len = if pair.id_byte == 4 { 32 } else { 16 };
    if sealed.len() < 7 + nonce_len + tag_len {
        return invalid;
    }
    let Some(plain) = reference::open(&pair, c.name, &sealed) else {
        return invalid;
    };
    let Some(p) = model_payload::decode(&plain, s) else {
        return invalid;
    };
    // Authenticated from here on: a failure keeps the session's id.
    let id = (!s.on(M::ExpiredNotAuthentic)).then_some(p.id);
    if p.issued_at > c.now.saturating_add(c.skew) {
        return Err((Fail::Invalid, id));
    }
    let past = |limit: u64| {
        if s.on(M::ExpiryGreaterOrEqual) {
            c.now >= limit.saturating_add(c.skew)
        } else if s.on(M::NoSkewOnExpiry) {
            c.now > limit
        } else {
            c.now > limit.saturating_add(c.skew)
        }
    };
    let idle = match (p.idle_deadline, c.idle) {
        (Some(d), _) => Some(d),
        (None, Some(idle)) if !s.on(M::IdleOnlyWithDeadline) => {
            Some(p.issued_at.saturating_add(idle))
        }
        _ => None,
    };
    let expiry_applies = !(s.on(M::IdleReplacesExpiry) && p.idle_deadline.is_some());
    if (expiry_applies && past(p.expires_at)) || idle.is_some_and(past) {
        return Err((Fail::Expired, id));
    }
    // A deadline sealed under a longer idle timeout than the store's own.
    if let (Some(d), Some(idle)) = (p.idle_deadline, c.idle)
        && d > c.now.saturating_add(idle).saturating_add(c.skew)
        && !s.on(M::IdleDeadlineUnbounded)
    {
        return Err((Fail::Expired, id));
    }
    if let Some(nb) = c.not_before {
        let refused = if s.on(M::NotBeforeWithoutSkew) {
            p.issued_at < nb
        } else if s.on(M::NotBeforeLessOrEqual) {
            p.issued_at <= nb.saturating_add(c.skew)
        } else {
            p.issued_at < nb.saturating_add(c.skew)
        };
        if refused {
            return Err((Fail::Expired, id));
        }
    }
    Ok((p, index))
}

/// The load's state over every attempt ("Outcome").
#[derive(Default)]
struct Fold {
    opened: Option<(Payload, usize)>,
    /// The first authenticated candidate's id.
    authentic: Option<[u8; 16]>,
    /// Another candidate authenticated with a different id.
    conflict: bool,
    expired: bool,
    last: Option<Fail>,
    /// A value was dropped or an attempt untried.
    incomplete: bool,
    /// ... by the work bound.
    bounded: bool,
}

impl Fold {
    fn add(&mut self, result: Opened) {
        let id = match &result {
            Ok((p, _)) => Some(p.id),
            Err((_, id)) => *id,
        };
        if let Some(id) = id {
            match self.authentic {
                None => self.authentic = Some(id),
                Some(first) => self.conflict |= first != id,
            }
        }
        match result {
            Ok(opened) => {
                self.opened.get_or_insert(opened);
            }
            Err((fail, _)) => {
                self.expired |= fail == Fail::Expired;
                self.last = Some(fail);
            }
        }
    }
}

/// The chunk count of an attempt from chunk 0 `c0` (step 1): `Ok(None)`
/// when the attempt fails, `Err(())` when it is untried.
fn chunk_count(
    tails: &BTreeMap<usize, Values>,
    c0: &str,
    maxc: usize,
    s: Switch,
) -> Result<Option<usize>, ()> {
    let n = if s.on(M::CountChunksPresent) || s.on(M::JoinChunksPresent) {
        1 + (1..).take_while(|i| tails.contains_key(i)).count()
    } else {
        let mut prefix = c0.to_owned();
        let mut i = 1;
        while prefix.len() < 12 && !s.on(M::NFromChunkZeroAlone) {
            let Some(t) = tails.get(&i) else { break };
            if t.kept.len() > 1 || t.dropped {
                return Err(());
            }
            prefix.push_str(&t.kept[0]);
            i += 1;
        }
        let Some(head) = prefix
            .get(..12)
            .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        else {
            return Ok(None);
        };
        usize::from(head[6])
    };
    Ok((1..=maxc).contains(&n).then_some(n))
}

/// The candidates of an attempt for `n` chunks (steps 2 and 3): `Ok(None)`
/// when it fails, `Err(())` when it is untried.
fn candidates(
    tails: &BTreeMap<usize, Values>,
    n: usize,
    s: Switch,
) -> Result<Option<Vec<Vec<&str>>>, ()> {
    let Some(values) = (1..n).map(|i| tails.get(&i)).collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let varying = values.iter().filter(|v| v.kept.len() > 1).count();
    let two_varying = varying > 1 && !s.on(M::TwoVaryingNoConflict);
    if values.iter().any(|v| v.dropped) || two_varying {
        return Err(());
    }
    let pick = |k: usize| {
        values
            .iter()
            .map(|v| v.kept[k.min(v.kept.len() - 1)].as_str())
            .collect()
    };
    let mut out = vec![pick(0)];
    if varying > 0 {
        out.push(pick(1));
    }
    Ok(Some(out))
}

/// Reads a request's `Cookie` header values.
pub(super) fn read_cookies(c: &ReadConfig, headers: &[String], s: Switch) -> Loaded {
    let maxc = maxc(c.name, c.budget, s);
    let found = find(c, headers, maxc, s);
    let carried = !found.firsts.is_empty() || !found.tails.is_empty();
    let indices: BTreeSet<usize> = (!found.firsts.is_empty())
        .then_some(0)
        .into_iter()
        .chain(found.tails.keys().copied())
        .collect();
    let read = |read| Loaded {
        read,
        carried,
        indices: indices.clone(),
    };
    if !carried {
        return read(if s.on(M::AbsentIsInvalid) {
            Read::Invalid
        } else {
            Read::Absent
        });
    }
    if found.firsts.is_empty() {
        return read(if s.on(M::NoChunkZeroIsAbsent) {
            Read::Absent
        } else {
            Read::Invalid
        });
    }
    if s.on(M::DuplicateIsInjection) && found.firsts.len() > 1 {
        return read(Read::Invalid);
    }
    let firsts = firsts(&found, s);
    let tails = tails(&found, s);
    let unread_drop = s.on(M::UnreadDropAmbiguous) && tails.values().any(|v| v.dropped);
    let mut fold = Fold {
        incomplete: firsts.dropped || unread_drop,
        ..Fold::default()
    };
    // Characters of candidate text left to open (the work bound).
    let mut left = c.budget * 2;
    'attempts: for c0 in &firsts.kept {
        let n = match chunk_count(&tails, c0, maxc, s) {
            Ok(Some(n)) => n,
            Ok(None) => {
                if s.on(M::BoundCountsFailedAttempts) {
                    left = left.saturating_sub(c0.len());
                }
                fold.add(Err((Fail::Invalid, None)));
                continue;
            }
            Err(()) => {
                fold.incomplete = true;
                continue;
            }
        };
        let candidates = match candidates(&tails, n, s) {
            Ok(Some(candidates)) => candidates,
            Ok(None) => {
                if s.on(M::BoundCountsFailedAttempts) {
                    left = left.saturating_sub(c0.len());
                }
                fold.add(Err((Fail::Invalid, None)));
                continue;
            }
            Err(()) => {
                fold.incomplete = true;
                continue;
            }
        };
        for (k, tail) in candidates.into_iter().enumerate() {
            let pieces: Vec<&str> = std::iter::once(c0.as_str()).chain(tail).collect();
            let len: usize = pieces.iter().map(|p| p.len()).sum();
            let counted = (len <= maxc * 4096 || s.on(M::BoundCountsOverLong))
                && !s.on(M::NoWorkBound)
                && !(k == 1 && s.on(M::BoundSecondCandidateFree));
            if counted {
                let past = if s.on(M::BoundGreaterOrEqual) {
                    len >= left
                } else {
                    len > left
                };
                if past {
                    fold.bounded = true;
                    if s.on(M::BoundSkipsOnlyThatCandidate) {
                        continue;
                    }
                    break 'attempts;
                }
                left -= len;
            }
            fold.add(open_text(c, &pieces, n, maxc, s));
        }
    }
    let bounded = fold.bounded && !s.on(M::UseOpenedDespiteSkip);
    let conflict = fold.conflict && !s.on(M::FirstOpenedWins);
    let ambiguous = fold.incomplete || bounded || conflict;
    // After a conflict the next save deletes nothing (the writer's "had
    // cookies" does not hold).
    let conflict_read = Loaded {
        read: Read::Conflict,
        carried: s.on(M::ConflictCookiesDeleted),
        indices: if s.on(M::ConflictCookiesDeleted) {
            indices.clone()
        } else {
            BTreeSet::new()
        },
    };
    match fold.opened {
        Some(_) if ambiguous => conflict_read,
        Some((p, k)) => read(Read::Opened(Box::new(p), k)),
        None if s.on(M::LastFailureReported) => read(match fold.last {
            Some(Fail::Expired) => Read::Expired,
            _ => Read::Invalid,
        }),
        None if fold.expired => read(Read::Expired),
        None => read(Read::Invalid),
    }
}

/// Reads a header-transport value.
pub(super) fn read_header(c: &ReadConfig, value: Option<&str>, s: Switch) -> Loaded {
    let absent = Loaded {
        read: Read::Absent,
        carried: false,
        indices: BTreeSet::new(),
    };
    let Some(raw) = value else {
        return absent;
    };
    let value = if s.on(M::HeaderNoTrim) {
        raw
    } else if s.on(M::HeaderTrimAllWhitespace) {
        raw.trim()
    } else {
        raw.trim_matches([' ', '\t'])
    };
    if value.is_empty() && (raw.is_empty() || !s.on(M::HeaderBlankOpened)) {
        return absent;
    }
    let maxc = maxc(c.name, c.budget, s);
    let read = match open_text(c, &[value], 1, maxc, s) {
        Ok((p, k)) => Read::Opened(Box::new(p), k),
        Err((Fail::Expired, _)) => Read::Expired,
        Err((Fail::Invalid, _)) => Read::Invalid,
    };
    Loaded {
        read,
        carried: true,
        indices: BTreeSet::new(),
    }
}

/// What a load reports, for the property tests of the store's reader:
/// `Ok` carries the opened session's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Ok([u8; 16]),
    Absent,
    Invalid,
    Expired,
    Conflict,
}

/// The model (no switch) reading `headers` for a store of `name` with the
/// keyring configuration `keys`, the budget `budget` and the default skew.
pub(crate) fn model_read<S: AsRef<str>>(
    keys: &str,
    name: &str,
    budget: usize,
    headers: &[S],
    now: u64,
) -> Verdict {
    let config = ReadConfig {
        keys,
        name,
        budget,
        skew: crate::DEFAULT_CLOCK_SKEW.as_secs(),
        idle: None,
        not_before: None,
        now,
    };
    let headers: Vec<String> = headers.iter().map(|h| h.as_ref().to_owned()).collect();
    match read_cookies(&config, &headers, Switch::default()).read {
        Read::Opened(p, _) => Verdict::Ok(p.id),
        Read::Absent => Verdict::Absent,
        Read::Invalid => Verdict::Invalid,
        Read::Expired => Verdict::Expired,
        Read::Conflict => Verdict::Conflict,
    }
}
