//! A reference writer written from SECURITY.md "Writing" and "Header
//! transport" alone (the store's session and save are not used): it loads
//! the request with the reference reader, applies the changes to its own
//! session state, decides what the save emits, encodes the payload itself
//! and seals it with the reference sealer.
//!
//! With a [`Switch`] on, it reads one rule the wrong way (`misreading`); the
//! mutation test requires that every such writer fails some vector.

use std::collections::BTreeSet;

use super::misreading::{M, Switch};
use super::model_reader::{Read, ReadConfig, maxc, read_cookies, read_header};
use super::writer::{
    Change, HeaderResponse, StoreConfig, TooLarge, WriterVector, reference_attributes,
};
use super::*;

/// What a save emits, in the vector's terms.
#[derive(Debug, PartialEq)]
pub(super) struct Written {
    pub(super) set_cookie: Option<Vec<String>>,
    pub(super) header_response: Option<HeaderResponse>,
    pub(super) too_large: Option<TooLarge>,
    pub(super) payload_cbor: Option<String>,
}

impl Written {
    /// Whether the vector says exactly this.
    pub(super) fn matches(&self, v: &WriterVector) -> bool {
        self.set_cookie == v.set_cookie
            && self.header_response == v.header_response
            && self.too_large == v.too_large
            && self.payload_cbor == v.payload_cbor
    }
}

/// The session as the writer holds it.
struct State {
    id: [u8; 16],
    issued_at: u64,
    expires_at: u64,
    idle_deadline: Option<u64>,
    max_age: Option<u64>,
    /// `set_max_age` under [`M::OverrideNotSealed`]: only in `Max-Age`.
    unsealed_max_age: Option<u64>,
    data: BTreeMap<String, Vec<u8>>,
    flashes: BTreeMap<String, Vec<Vec<u8>>>,
    new: bool,
    modified: bool,
    destroyed: bool,
    regenerated: bool,
    /// `set_max_age` with a new value: `expires_at` is recomputed.
    renew: bool,
    /// The keyring entry that opened it.
    key_index: Option<usize>,
    /// `C`: the chunk indices the client may hold (SECURITY.md, "Writing"):
    /// those the request carried; a save that writes adds its own.
    client: BTreeSet<usize>,
    /// The request carried the store's cookies (or a header value).
    carried: bool,
}

fn cbor_of<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

/// A CBOR head in preferred serialization.
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let (info, len) = match n {
        0..=23 => (u8::try_from(n).unwrap(), 0),
        24..=0xff => (24, 1),
        0x100..=0xffff => (25, 2),
        0x1_0000..=0xffff_ffff => (26, 4),
        _ => (27, 8),
    };
    out.push((major << 5) | info);
    out.extend(&n.to_be_bytes()[8 - len..]);
}

fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len() as u64);
    out.extend(s.as_bytes());
}

/// The payload (SECURITY.md "Payload"): keys 1 to 7 ascending, data keys and
/// bucket names by their UTF-8 bytes (a `BTreeMap<String, _>`'s order).
fn encode(st: &State) -> Vec<u8> {
    let mut fields: Vec<(u64, Vec<u8>)> = Vec::new();
    let uint = |n: u64| {
        let mut b = Vec::new();
        head(&mut b, 0, n);
        b
    };
    fields.push((1, uint(st.issued_at)));
    fields.push((2, uint(st.expires_at)));
    if let Some(d) = st.idle_deadline {
        fields.push((3, uint(d)));
    }
    let mut id = Vec::new();
    head(&mut id, 2, 16);
    id.extend(st.id);
    fields.push((4, id));
    let mut data = Vec::new();
    head(&mut data, 5, st.data.len() as u64);
    for (k, v) in &st.data {
        text(&mut data, k);
        data.extend(v);
    }
    fields.push((5, data));
    if !st.flashes.is_empty() {
        let mut f = Vec::new();
        head(&mut f, 5, st.flashes.len() as u64);
        for (bucket, values) in &st.flashes {
            text(&mut f, bucket);
            head(&mut f, 4, values.len() as u64);
            values.iter().for_each(|v| f.extend(v));
        }
        fields.push((6, f));
    }
    if let Some(m) = st.max_age {
        fields.push((7, uint(m)));
    }
    let mut out = Vec::new();
    head(&mut out, 5, fields.len() as u64);
    for (k, v) in fields {
        head(&mut out, 0, k);
        out.extend(v);
    }
    out
}

fn load(v: &WriterVector, s: Switch) -> State {
    let c = &v.store;
    let config = ReadConfig {
        keys: &c.keys,
        name: &c.cookie_name,
        budget: c.size_limit,
        skew: c.clock_skew,
        idle: c.idle_timeout,
        not_before: None,
        now: v.loaded_at,
    };
    let loaded = if c.header.is_some() {
        read_header(&config, v.request_header.as_deref(), s)
    } else {
        read_cookies(&config, &v.request_cookies, s)
    };
    let mut st = State {
        id: hex::decode(&v.session_id).unwrap().try_into().unwrap(),
        issued_at: v.loaded_at,
        expires_at: v.loaded_at.saturating_add(c.max_age),
        idle_deadline: None,
        max_age: None,
        unsealed_max_age: None,
        data: BTreeMap::new(),
        flashes: BTreeMap::new(),
        new: true,
        modified: false,
        destroyed: false,
        regenerated: false,
        renew: false,
        key_index: None,
        client: loaded.indices.clone(),
        carried: loaded.carried,
    };
    if let Read::Opened(p, k) = loaded.read {
        st.id = p.id;
        st.issued_at = p.issued_at;
        st.expires_at = p.expires_at;
        st.idle_deadline = p.idle_deadline;
        st.max_age = p.max_age;
        st.data = p
            .data
            .iter()
            .map(|(k, v)| (k.clone(), cbor_of(v)))
            .collect();
        st.flashes = p
            .flashes
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(cbor_of).collect()))
            .collect();
        st.new = false;
        st.key_index = Some(k);
    }
    st
}

fn apply(st: &mut State, change: &Change, s: Switch) {
    let id = |h: &str| -> [u8; 16] { hex::decode(h).unwrap().try_into().unwrap() };
    match change {
        Change::Insert { key, value } => {
            let bytes = cbor_of(value);
            if st.data.get(key) != Some(&bytes) || s.on(M::EqualValueIsChange) {
                st.modified = true;
            }
            st.data.insert(key.clone(), bytes);
        }
        Change::Remove { key } => st.modified |= st.data.remove(key).is_some(),
        Change::AddFlash { bucket, value } => {
            st.flashes
                .entry(bucket.clone())
                .or_default()
                .push(cbor_of(value));
            st.modified = true;
        }
        Change::TakeFlashes { bucket } => {
            if st.flashes.remove(bucket).is_some() && !s.on(M::FlashTakeNotChange) {
                st.modified = true;
            }
        }
        Change::Clear => {
            if !st.data.is_empty() || !st.flashes.is_empty() {
                st.data.clear();
                if !s.on(M::ClearKeepsFlashes) {
                    st.flashes.clear();
                }
                st.modified = true;
            }
        }
        Change::RegenerateId { new_id } => {
            st.id = id(new_id);
            st.regenerated = true;
            st.modified = true;
        }
        Change::Destroy { new_id } => {
            st.data.clear();
            st.flashes.clear();
            st.id = id(new_id);
            if !s.on(M::DestroyKeepsOverride) {
                st.max_age = None;
            }
            st.destroyed = true;
            st.modified = true;
        }
        Change::SetMaxAge { seconds } => {
            let secs = if s.on(M::SetMaxAgeUncapped) {
                *seconds
            } else {
                (*seconds).min(400 * DAY)
            };
            if secs == 0 && s.on(M::ZeroOverrideIgnored) {
                return;
            }
            if s.on(M::OverrideNotSealed) {
                st.unsealed_max_age = Some(secs);
                st.modified = true;
            } else if st.max_age != Some(secs) {
                st.max_age = Some(secs);
                st.renew = true;
                st.modified = true;
            }
        }
    }
}

/// `left < whole / 2`, or its misreadings.
fn under_half(left: u64, whole: u64, less_or_equal: bool, not_integer: bool) -> bool {
    if not_integer {
        left.saturating_mul(2) < whole
    } else if less_or_equal {
        left <= whole / 2
    } else {
        left < whole / 2
    }
}

fn chunk(name: &str, i: usize) -> String {
    chunk_name(name, i)
}

/// Replays the vector's request, changes and save with the reference
/// writer, reading one rule the wrong way when `s` says so.
pub(super) fn write(v: &WriterVector, s: Switch) -> Written {
    let c: &StoreConfig = &v.store;
    let mut st = load(v, s);
    for change in &v.changes {
        apply(&mut st, change, s);
    }
    let now = v.saved_at;
    let header = c.header.is_some();
    let name = c.cookie_name.as_str();
    let maxc = maxc(name, c.size_limit, Switch::default());
    let mut out = Written {
        set_cookie: (!header).then(Vec::new),
        header_response: header.then_some(HeaderResponse::Unchanged),
        too_large: None,
        payload_cbor: None,
    };
    let attributes = |deletion: bool| {
        if deletion && s.on(M::DeletionsWithoutDomainPath) {
            let full = reference_attributes(c);
            let mut kept: Vec<&str> = full
                .split("; ")
                .filter(|a| !a.starts_with("Domain=") && !a.starts_with("Path="))
                .collect();
            kept.retain(|a| !a.is_empty());
            return kept.iter().map(|a| format!("; {a}")).collect::<String>();
        }
        let a = reference_attributes(c);
        match (&c.domain, s.on(M::PathBeforeDomain)) {
            (Some(d), true) => {
                let domain = format!("; Domain={d}");
                let path = format!("; Path={}", c.path);
                a.replacen(&format!("{domain}{path}"), &format!("{path}{domain}"), 1)
            }
            _ => a,
        }
    };
    let deletion = |i: usize| format!("{}=; Max-Age=0{}", chunk(name, i), attributes(true));

    // 1. Empty.
    if st.data.is_empty() && st.flashes.is_empty() {
        let opened = st.key_index.is_some();
        let had = if header {
            if s.on(M::HeaderClearOnlyIfOpened) {
                opened
            } else {
                opened || st.carried
            }
        } else if s.on(M::HadCookiesMeansOpened) {
            opened
        } else {
            opened || st.carried
        };
        if had {
            if header {
                out.header_response = Some(HeaderResponse::Clear);
            } else {
                let delete: Vec<usize> = if s.on(M::DeleteEveryIndex) {
                    (0..maxc).collect()
                } else {
                    st.client.iter().copied().collect()
                };
                out.set_cookie = Some(delete.into_iter().map(deletion).collect());
            }
        }
        return out;
    }
    // 2. Nothing due.
    let m = st.max_age.unwrap_or(c.max_age);
    let reseal = st.key_index.is_some_and(|k| k > 0);
    let rolling_due = c.rolling
        && (s.on(M::RollingEverySave)
            || under_half(
                st.expires_at.saturating_sub(now),
                m,
                s.on(M::RollingDueLessOrEqual),
                s.on(M::RollingHalfNotInteger),
            ));
    let idle_due = c.idle_timeout.is_some_and(|idle| {
        s.on(M::IdleRefreshEveryWrite)
            || st.idle_deadline.is_none_or(|d| {
                under_half(
                    d.saturating_sub(now),
                    idle,
                    s.on(M::IdleDueLessOrEqual),
                    s.on(M::IdleHalfNotInteger),
                )
            })
    });
    let due =
        st.modified || st.new || reseal || rolling_due || idle_due || s.on(M::EverySaveWrites);
    if !due {
        return out;
    }
    // 3. Write: the lifetimes.
    let renew = (st.new && !s.on(M::ExpiresFromCreation))
        || st.destroyed
        || st.renew
        || rolling_due
        || (reseal && s.on(M::ResealExtendsExpiry))
        || (st.regenerated && s.on(M::RegenerateRenews));
    if renew {
        st.expires_at = now.saturating_add(m);
    }
    if st.destroyed && !s.on(M::DestroyKeepsIssuedAt) {
        st.issued_at = now;
    } else if st.new {
        st.issued_at = st.issued_at.min(now);
    } else if (rolling_due && s.on(M::RollingResetsIssuedAt))
        || (st.regenerated && s.on(M::RegenerateRenews))
    {
        st.issued_at = now;
    }
    st.idle_deadline = match c.idle_timeout {
        Some(idle) => Some(now.saturating_add(idle)),
        None if s.on(M::IdleKeepsStaleDeadline) => st.idle_deadline,
        None => None,
    };
    let payload = encode(&st);
    let pair = reference::parse(c.keys.lines().next().unwrap());
    let (_, _, _, nonce_len) = reference::ALGORITHMS[usize::from(pair.id_byte) - 1];
    let nonce = hex::decode(&v.nonce).unwrap();
    let tag_len = if pair.id_byte == 4 { 32 } else { 16 };
    let text_len = (4 * (7 + nonce_len + payload.len() + tag_len)).div_ceil(3);
    let seal = |n: u8| {
        if nonce.len() == nonce_len {
            reference::seal_genuine(&pair, name, n, &nonce, &payload)
        } else {
            // The vector gives no nonce: it says nothing is sealed.
            "(sealed with a nonce the vector does not give)".to_owned()
        }
    };
    if header {
        let needed = text_len
            + if s.on(M::HeaderCountsName) {
                name.len() + 1
            } else {
                0
            };
        if needed > c.size_limit {
            out.header_response = None;
            out.too_large = Some(TooLarge {
                needed,
                allowed: c.size_limit,
            });
        } else {
            out.header_response = Some(HeaderResponse::Set(seal(1)));
            out.payload_cbor = Some(hex::encode(&payload));
        }
        return out;
    }
    // The greedy split.
    let cap = |i: usize| {
        if s.on(M::SplitIgnoresName) {
            4096
        } else {
            4096 - chunk(name, i).len() - 1
        }
    };
    let mut lens = Vec::new();
    let (mut left, mut total) = (text_len, 0);
    while left > 0 {
        let take = left.min(cap(lens.len()));
        total += chunk(name, lens.len()).len() + 1 + take;
        lens.push(take);
        left -= take;
    }
    let over = if s.on(M::TooLargeAtBudget) {
        total >= c.size_limit
    } else {
        total > c.size_limit
    };
    if lens.len() > maxc || over {
        out.set_cookie = None;
        out.too_large = Some(TooLarge {
            needed: if s.on(M::TooLargeNeededIsText) {
                text_len
            } else {
                total
            },
            allowed: c.size_limit,
        });
        return out;
    }
    let text = seal(u8::try_from(lens.len()).unwrap());
    let cookie_max_age = if s.on(M::MaxAgeIsStoreMaxAge) {
        m
    } else {
        st.unsealed_max_age
            .unwrap_or(st.expires_at.saturating_sub(now))
    };
    let mut rest = text.as_str();
    let mut lines = Vec::new();
    for (i, len) in lens.iter().enumerate() {
        let (piece, tail) = rest.split_at((*len).min(rest.len()));
        rest = tail;
        lines.push(format!(
            "{}={piece}; Max-Age={cookie_max_age}{}",
            chunk(name, i),
            attributes(false)
        ));
    }
    let stale: Vec<usize> = if s.on(M::DeleteEveryStaleIndex) {
        (lens.len()..maxc).collect()
    } else {
        st.client.range(lens.len()..).copied().collect()
    };
    lines.extend(stale.into_iter().map(deletion));
    out.set_cookie = Some(lines);
    out.payload_cbor = Some(hex::encode(&payload));
    out
}
