//! A reference reader written from SECURITY.md "Opening" and "Header
//! transport" alone (the store's reader is not used): which of a request's
//! cookies are the store's, which candidates are opened and what the load
//! reports. It opens with the reference sealer's keys and AEADs
//! (`reference`) and decodes the payload with the full decoder.
//!
//! With a [`Switch`] on, it reads one rule the wrong way (`misreading`); the
//! mutation test requires that every such reader fails some vector.

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
}

/// The outcome, and whether the request carried any of the store's
/// cookies (or a non-blank header value): the writer's "had cookies".
pub(super) struct Loaded {
    pub(super) read: Read,
    pub(super) carried: bool,
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

/// The store's pairs of a request: chunk 0's values in order, and the
/// first and last value of each further index.
struct Found {
    firsts: Vec<String>,
    tails: BTreeMap<usize, (String, String)>,
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
                Some(i) => {
                    let slot = found
                        .tails
                        .entry(i)
                        .or_insert_with(|| (value.to_owned(), value.to_owned()));
                    slot.1 = value.to_owned();
                }
                None => {}
            }
        }
    }
    found
}

/// Why one candidate did not open.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fail {
    Invalid,
    Expired,
}

/// Opens one candidate text, given as its pieces, for `n` chunks: steps 1
/// to 12 of SECURITY.md "Opening".
fn open_text(
    c: &ReadConfig,
    pieces: &[&str],
    n: usize,
    maxc: usize,
    s: Switch,
) -> Result<(Payload, usize), Fail> {
    use Fail::{Expired, Invalid};
    let text: String = pieces.concat();
    if pieces.iter().any(|p| p.is_empty()) || text.len() > maxc * 4096 {
        return Err(Invalid);
    }
    let long = |(i, p): (usize, &&str)| chunk_name(c.name, i).len() + 1 + p.len() > 4096;
    if s.on(M::ReaderRefusesLongCookie) && pieces.iter().enumerate().any(long) {
        return Err(Invalid);
    }
    let sealed = URL_SAFE_NO_PAD.decode(&text).map_err(|_| Invalid)?;
    if sealed.len() < 7 || sealed[0] != 1 {
        return Err(Invalid);
    }
    let (index, pair) = c
        .keys
        .lines()
        .map(reference::parse)
        .enumerate()
        .find(|(_, pair)| reference::key_id(pair) == sealed[2..6])
        .ok_or(Invalid)?;
    if sealed[1] != pair.id_byte {
        return Err(Invalid);
    }
    let skip_n = s.on(M::SkipHeaderNCheck) || s.on(M::JoinChunksPresent);
    if usize::from(sealed[6]) != n && !skip_n {
        return Err(Invalid);
    }
    let (_, _, _, nonce_len) = reference::ALGORITHMS[usize::from(pair.id_byte) - 1];
    let tag_len = if pair.id_byte == 4 { 32 } else { 16 };
    if sealed.len() < 7 + nonce_len + tag_len {
        return Err(Invalid);
    }
    let plain = reference::open(&pair, c.name, &sealed).ok_or(Invalid)?;
    let p = model_payload::decode(&plain, s).ok_or(Invalid)?;
    if p.issued_at > c.now.saturating_add(c.skew) {
        return Err(Invalid);
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
        return Err(Expired);
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
            return Err(Expired);
        }
    }
    Ok((p, index))
}

/// The load's state over every attempt ("Outcome").
#[derive(Default)]
struct Fold {
    opened: Option<(Payload, usize)>,
    conflict: bool,
    expired: bool,
    last: Option<Fail>,
    incomplete: bool,
}

impl Fold {
    fn add(&mut self, result: Result<(Payload, usize), Fail>) {
        match result {
            Ok((p, k)) => match &self.opened {
                None => self.opened = Some((p, k)),
                Some((first, _)) => self.conflict |= first.id != p.id,
            },
            Err(fail) => {
                self.expired |= fail == Fail::Expired;
                self.last = Some(fail);
            }
        }
    }
}

/// The chunk count of an attempt from chunk 0 `c0` (step 1), if usable.
fn chunk_count(found: &Found, c0: &str, maxc: usize, s: Switch) -> Option<usize> {
    let n = if s.on(M::CountChunksPresent) || s.on(M::JoinChunksPresent) {
        1 + (1..).take_while(|i| found.tails.contains_key(i)).count()
    } else {
        let rest = (1..).map_while(|i| found.tails.get(&i).map(|t| t.0.as_str()));
        let prefix: String = if s.on(M::NFromChunkZeroAlone) {
            c0.to_owned()
        } else {
            std::iter::once(c0).chain(rest).collect()
        };
        let head = URL_SAFE_NO_PAD.decode(prefix.get(..12)?).ok()?;
        usize::from(head[6])
    };
    (1..=maxc).contains(&n).then_some(n)
}

/// Reads a request's `Cookie` header values.
pub(super) fn read_cookies(c: &ReadConfig, headers: &[String], s: Switch) -> Loaded {
    let maxc = maxc(c.name, c.budget, s);
    let found = find(c, headers, maxc, s);
    let carried = !found.firsts.is_empty() || !found.tails.is_empty();
    let read = |read| Loaded { read, carried };
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
    let all = &found.firsts;
    let kept: Vec<&String> = if s.on(M::UnboundedOccurrences) {
        all.iter().collect()
    } else if s.on(M::SevenOccurrences) {
        all.iter().take(7).collect()
    } else if s.on(M::FirstOccurrenceOnly) {
        all.iter().take(1).collect()
    } else if s.on(M::LastOccurrenceOnly) {
        all.iter().last().into_iter().collect()
    } else if s.on(M::FirstAndLastOnly) {
        let mut v: Vec<&String> = all.first().into_iter().chain(all.last()).collect();
        v.dedup_by(|a, b| std::ptr::eq(*a, *b));
        v
    } else {
        all.iter().take(8).collect()
    };
    let mut fold = Fold::default();
    let mut budget = c.budget * 2;
    'attempts: for (i, c0) in kept.iter().enumerate() {
        if kept[..i].contains(c0) {
            continue;
        }
        let Some(n) = chunk_count(&found, c0, maxc, s) else {
            fold.add(Err(Fail::Invalid));
            continue;
        };
        let Some(tails) = (1..n)
            .map(|i| found.tails.get(&i))
            .collect::<Option<Vec<_>>>()
        else {
            fold.add(Err(Fail::Invalid));
            continue;
        };
        let firsts: Vec<&str> = tails.iter().map(|t| t.0.as_str()).collect();
        let lasts: Vec<&str> = tails.iter().map(|t| t.1.as_str()).collect();
        let mut candidates = vec![firsts.clone()];
        if s.on(M::LastOccurrenceOfTailsOnly) {
            candidates = vec![lasts];
        } else if lasts != firsts && !s.on(M::FirstOccurrenceOfTailsOnly) {
            candidates.push(lasts);
        }
        for tail in candidates {
            let pieces: Vec<&str> = std::iter::once(c0.as_str()).chain(tail).collect();
            let len: usize = pieces.iter().map(|p| p.len()).sum();
            if len <= maxc * 4096 && !s.on(M::NoWorkBound) {
                if len > budget {
                    fold.incomplete = true;
                    break 'attempts;
                }
                budget -= len;
            }
            fold.add(open_text(c, &pieces, n, maxc, s));
        }
    }
    read(match fold.opened {
        Some(_) if fold.conflict && !s.on(M::FirstOpenedWins) => Read::Invalid,
        Some(_) if fold.incomplete && !s.on(M::UseOpenedDespiteSkip) => Read::Invalid,
        Some((p, k)) => Read::Opened(Box::new(p), k),
        None if s.on(M::LastFailureReported) => match fold.last {
            Some(Fail::Expired) => Read::Expired,
            _ => Read::Invalid,
        },
        None if fold.expired => Read::Expired,
        None => Read::Invalid,
    })
}

/// Reads a header-transport value.
pub(super) fn read_header(c: &ReadConfig, value: Option<&str>, s: Switch) -> Loaded {
    let absent = Loaded {
        read: Read::Absent,
        carried: false,
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
        Err(Fail::Expired) => Read::Expired,
        Err(Fail::Invalid) => Read::Invalid,
    };
    Loaded {
        read,
        carried: true,
    }
}
