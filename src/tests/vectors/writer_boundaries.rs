//! Writer vectors at the edges of the rules of SECURITY.md "Writing" and
//! "Header transport": the renewal thresholds (strict `<`, integer halves),
//! the `set_max_age` cap, what "had cookies" and "empty" mean, the budget
//! reached exactly, and the header transport's answers to a value that did
//! not open. Each fails a misreading listed in
//! `test-vectors/v1/misreadings.json` that every other vector lets pass.

use super::writer::*;
use super::writer_cases::{case, config, finish, insert, with_cookie};
use super::*;

fn take(bucket: &str) -> Change {
    Change::TakeFlashes {
        bucket: bucket.to_owned(),
    }
}

/// A request session holding a value and a flash.
fn with_flash(p: &mut Payload) {
    p.flashes = flashes(&json!({ "_flash": ["saved"] }));
}

/// Nothing sealed: the vector's nonce is unused.
fn no_seal(mut v: WriterVector) -> WriterVector {
    v.nonce = String::new();
    v
}

/// A rolling store with max-age `max_age` whose request session has
/// `left` seconds before its expiry at `NOW`, not changed.
fn rolling(k: &Keys, name: &str, description: &str, max_age: u64, left: u64) -> WriterVector {
    let mut store = config(&k.xaes);
    store.max_age = max_age;
    store.rolling = true;
    with_cookie(
        case(name, "rolling", description, store, Vec::new()),
        &k.xaes,
        &json!({ "user": "alice" }),
        NOW + left - max_age,
        NOW + left,
        |_| {},
    )
}

/// A store with idle timeout `idle` whose request session's idle deadline
/// is `left` seconds after `NOW`, not changed.
fn idle(k: &Keys, name: &str, description: &str, idle: u64, left: u64) -> WriterVector {
    let mut store = config(&k.xaes);
    store.max_age = DAY;
    store.idle_timeout = Some(idle);
    with_cookie(
        case(name, "idle", description, store, Vec::new()),
        &k.xaes,
        &json!({ "user": "alice" }),
        NOW - HOUR,
        NOW - HOUR + DAY,
        |p| p.idle_deadline = Some(NOW + left),
    )
}

/// A fresh session with one value of `len` filler characters, saved under
/// a budget `offset` bytes from what its single cookie needs exactly.
fn at_budget(k: &Keys, name: &str, description: &str, offset: isize) -> WriterVector {
    let changes = vec![insert("notes", json!(filler(1000)))];
    let mut store = config(&k.xaes);
    store.size_limit = 64 * 1024;
    let probe = finish(case(name, "too-large", description, store, changes.clone()));
    let needed = probe.set_cookie.as_ref().unwrap()[0]
        .split(';')
        .next()
        .unwrap()
        .len();
    let mut store = config(&k.xaes);
    store.size_limit = needed.checked_add_signed(offset).unwrap();
    case(name, "too-large", description, store, changes)
}

#[allow(clippy::too_many_lines)]
pub(super) fn boundary_cases(k: &Keys) -> Vec<WriterVector> {
    let mut out = Vec::new();
    out.push(no_seal(rolling(
        k,
        "rolling-exactly-half-not-due",
        "Rolling renewal, max-age 1 day; the request's session expires in exactly 12 hours (M / 2): renewal is due only when strictly less than M / 2 is left, so nothing is emitted.",
        DAY,
        DAY / 2,
    )));
    out.push(no_seal(rolling(
        k,
        "rolling-odd-max-age-half",
        "Rolling renewal, max-age 86401 s; the request's session expires in 43200 s: M / 2 is integer division (43200), and 43200 < 43200 is false, so nothing is emitted.",
        DAY + 1,
        DAY / 2,
    )));
    out.push(rolling(
        k,
        "rolling-one-below-half-due",
        "Rolling renewal, max-age 86401 s; the request's session expires in 43199 s (< 43200): renewal is due, expires-at = saved-at + 86401.",
        DAY + 1,
        DAY / 2 - 1,
    ));
    out.push(no_seal(idle(
        k,
        "idle-exactly-half-not-due",
        "Idle timeout 900 s; the request's session's idle deadline is exactly 450 s away (I / 2): a refresh is due only when strictly less is left, so nothing is emitted.",
        900,
        450,
    )));
    out.push(no_seal(idle(
        k,
        "idle-odd-timeout-half",
        "Idle timeout 901 s; the idle deadline is 450 s away: I / 2 is integer division (450), 450 < 450 is false, so nothing is emitted.",
        901,
        450,
    )));
    out.push(idle(
        k,
        "idle-one-below-half-due",
        "Idle timeout 901 s; the idle deadline is 449 s away (< 450): the save re-seals with idle-deadline = saved-at + 901.",
        901,
        449,
    ));
    out.push(with_cookie(
        case(
            "set-max-age-capped",
            "set-max-age",
            "set_max_age(500 days) on the request's session: the override is capped at 400 days (34560000 s), sealed as key 7, expires-at = saved-at + 400 days.",
            config(&k.xaes),
            vec![Change::SetMaxAge {
                seconds: 500 * DAY,
            }],
        ),
        &k.xaes,
        &json!({ "user": "alice" }),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    let mut garbage = case(
        "garbage-cookie-deleted",
        "empty",
        "The request carries `session=garbage`, which does not open: the session is fresh and empty, but the request carried one of the store's cookies, so the save deletes the one it carried (session), and no other index.",
        config(&k.xaes),
        Vec::new(),
    );
    garbage.request_cookies = vec![format!("{NAME}=garbage; theme=dark")];
    out.push(no_seal(garbage));
    let mut stray = case(
        "stray-chunk-deleted",
        "empty",
        "The request carries only `session.1=x` (no chunk 0: Invalid): it is one of the store's cookies, so the empty session's save deletes it (session.1), and no other index.",
        config(&k.xaes),
        Vec::new(),
    );
    stray.request_cookies = vec![format!("{NAME}.1=x")];
    out.push(no_seal(stray));
    let mut other = case(
        "other-cookies-only-nothing",
        "empty",
        "The request carries cookies of other names only (`sessionx`, `session.2` beyond MAXC): none is the store's, so the empty session emits nothing.",
        config(&k.xaes),
        Vec::new(),
    );
    other.request_cookies = vec![format!("{NAME}x=1; {NAME}.2=x")];
    out.push(no_seal(other));
    out.push(with_cookie(
        case(
            "flash-consumed-on-loaded",
            "no-write-unchanged",
            "The request's session holds a value and a flash; the flash is read (consumed) and nothing else: consuming a bucket is a change, so the save writes the session without the flashes, lifetimes kept.",
            config(&k.xaes),
            vec![take("_flash")],
        ),
        &k.xaes,
        &json!({ "user": "alice" }),
        ISSUED,
        EXPIRES,
        with_flash,
    ));
    out.push(no_seal(with_cookie(
        case(
            "clear-removes-flashes",
            "empty",
            "The request's session holds a value and a flash and is cleared: clear removes flashes too, so the session is empty and the save emits only deletions.",
            config(&k.xaes),
            vec![Change::Clear],
        ),
        &k.xaes,
        &json!({ "user": "alice" }),
        ISSUED,
        EXPIRES,
        with_flash,
    )));
    out.push(at_budget(
        k,
        "budget-exactly-reached",
        "A value whose single cookie is exactly the budget in bytes of name=value (the budget is set to it): the save writes it. TooLarge only when the total exceeds the budget.",
        0,
    ));
    out.push(at_budget(
        k,
        "budget-one-byte-over",
        "The same value under a budget one byte smaller: TooLarge, needed = the cookie's name=value length, allowed = the budget.",
        -1,
    ));
    let mut header = config(&k.xaes);
    header.header = Some("x-session".to_owned());
    let mut cleared = case(
        "header-garbage-clear",
        "header-transport",
        "Header transport: the request's header value does not open (`garbage`) and nothing is stored: the emptied session came from a non-empty header value, so the answer is `clear`, whether or not it opened.",
        header.clone(),
        Vec::new(),
    );
    cleared.request_header = Some("garbage".to_owned());
    out.push(no_seal(cleared));
    let mut blank = case(
        "header-blank-unchanged",
        "header-transport",
        "Header transport: the request's header value is blank (spaces and a tab): no session came, so the empty session's answer is `unchanged`.",
        header.clone(),
        Vec::new(),
    );
    blank.request_header = Some(" \t ".to_owned());
    out.push(no_seal(blank));
    out.push(with_cookie(
        case(
            "header-flash-consumed",
            "header-transport",
            "Header transport: the request's session holds a value and a flash, and the flash is consumed: the answer is the re-sealed value without it.",
            header,
            vec![take("_flash")],
        ),
        &k.xaes,
        &json!({ "user": "alice" }),
        ISSUED,
        EXPIRES,
        with_flash,
    ));
    out
}
