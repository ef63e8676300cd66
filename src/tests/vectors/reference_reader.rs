//! A reference reader written from SECURITY.md "Opening" alone, for the
//! choice of what to open: which pairs are the store's, the distinct values
//! kept and dropped, the attempts and their candidates, the work bound and
//! the outcome. Plain and allocating, sharing nothing with the store's
//! reader but the opening of one candidate text (steps 1 to 12, which the
//! frozen vectors pin). Every reader vector is checked against it, and the
//! property tests compare it with the store on random arrangements.

use super::*;

/// What a load reports: `Ok` carries the opened session's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    Ok([u8; 16]),
    Absent,
    Invalid,
    Expired,
    Conflict,
}

/// The index `name` has for `base` with at most `maxc` chunks.
fn index_of(name: &str, base: &str, maxc: usize) -> Option<usize> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix('.')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<usize>().ok().filter(|i| *i < maxc)
}

/// The distinct values of one index, in order of first occurrence.
#[derive(Default)]
struct Values {
    kept: Vec<String>,
    dropped: bool,
}

pub(crate) fn reference_read<S: AsRef<str>>(store: &CookieStore, headers: &[S], now: u64) -> Read {
    let name = store.name();
    let budget = store.size_limit();
    let maxc = budget.div_ceil(MAX_COOKIE_LEN - name.len() - 5).max(1);
    let mut values: Vec<Values> = (0..maxc).map(|_| Values::default()).collect();
    let mut any = false;
    for header in headers {
        for piece in header.as_ref().split(';') {
            let Some((n, v)) = piece.split_once('=') else {
                continue;
            };
            let trim = |s: &str| s.trim_matches([' ', '\t']).to_owned();
            let Some(i) = index_of(&trim(n), name, maxc) else {
                continue;
            };
            any = true;
            let v = trim(v);
            let limit = if i == 0 { 8 } else { 2 };
            let slot = &mut values[i];
            if slot.kept.contains(&v) {
                continue;
            }
            if slot.kept.len() < limit {
                slot.kept.push(v);
            } else {
                slot.dropped = true;
            }
        }
    }
    if !any {
        return Read::Absent;
    }
    if values[0].kept.is_empty() {
        return Read::Invalid;
    }
    let mut ambiguous = values[0].dropped;
    let mut left = 2 * budget;
    let mut opened: Option<[u8; 16]> = None;
    let mut authentic: Vec<[u8; 16]> = Vec::new();
    let mut expired = false;
    'attempts: for c0 in &values[0].kept {
        // N from the first 12 characters of c0 and the first values after.
        let mut prefix = c0.clone();
        let mut i = 1;
        while prefix.len() < 12 && i < maxc && !values[i].kept.is_empty() {
            if values[i].kept.len() > 1 || values[i].dropped {
                ambiguous = true;
                continue 'attempts;
            }
            prefix.push_str(&values[i].kept[0]);
            i += 1;
        }
        let Some(head) = prefix.get(..12) else {
            continue;
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(head) else {
            continue;
        };
        let n = usize::from(bytes[6]);
        if n == 0 || n > maxc {
            continue;
        }
        if (1..n).any(|i| values[i].kept.is_empty()) {
            continue;
        }
        let varying = (1..n).filter(|i| values[*i].kept.len() == 2).count();
        if (1..n).any(|i| values[i].dropped) || varying > 1 {
            ambiguous = true;
            continue;
        }
        for pick in 0..=varying {
            let mut text = c0.clone();
            for v in &values[1..n] {
                text.push_str(&v.kept[pick.min(v.kept.len() - 1)]);
            }
            if text.len() <= maxc * MAX_COOKIE_LEN {
                if text.len() > left {
                    ambiguous = true;
                    break 'attempts;
                }
                left -= text.len();
            }
            let pieces_empty =
                (1..n).any(|i| values[i].kept[pick.min(values[i].kept.len() - 1)].is_empty());
            if c0.is_empty() || pieces_empty {
                continue;
            }
            match store.open_candidate(&text, n, now) {
                Ok(session) => {
                    let id = session.id().to_bytes();
                    authentic.push(id);
                    match store.admit(session) {
                        Ok(_) => opened = opened.or(Some(id)),
                        Err(LoadError::Expired) => expired = true,
                        Err(_) => {}
                    }
                }
                Err(refused) => {
                    authentic.extend(refused.authentic);
                    expired |= refused.error == LoadError::Expired;
                }
            }
        }
    }
    ambiguous |= authentic.iter().any(|id| Some(id) != authentic.first());
    match opened {
        Some(_) if ambiguous => Read::Conflict,
        Some(id) => Read::Ok(id),
        None if expired => Read::Expired,
        None => Read::Invalid,
    }
}
