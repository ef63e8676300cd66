//! The writer vectors themselves: a store configuration, a session and a
//! save for each rule of SECURITY.md "Writing" and "Header transport"; the
//! outputs are filled in by replaying each through the store.

use super::writer::*;
use super::*;

pub(super) fn config(keys: &str) -> StoreConfig {
    StoreConfig {
        keys: keys.to_owned(),
        cookie_name: NAME.to_owned(),
        size_limit: DEFAULT_SIZE_LIMIT,
        clock_skew: SKEW,
        max_age: 14 * DAY,
        idle_timeout: None,
        rolling: false,
        domain: None,
        path: "/".to_owned(),
        secure: true,
        http_only: true,
        same_site: "Lax".to_owned(),
        partitioned: false,
        header: None,
    }
}

pub(super) fn insert(key: &str, value: serde_json::Value) -> Change {
    Change::Insert {
        key: key.to_owned(),
        value,
    }
}

pub(super) fn new_id(label: &str) -> String {
    hex::encode(session_id(&format!("writer {label} new")))
}

/// A vector for a fresh session (no cookie) created at `NOW - 10` with the
/// id derived from `name`, saved at `NOW`.
pub(super) fn case(
    name: &str,
    rule: &str,
    description: &str,
    store: StoreConfig,
    changes: Vec<Change>,
) -> WriterVector {
    let alg = algorithm_of(store.keys.lines().next().unwrap());
    WriterVector {
        name: name.to_owned(),
        description: description.to_owned(),
        rule: rule.to_owned(),
        store,
        loaded_at: NOW - 10,
        request_cookies: Vec::new(),
        request_header: None,
        session_id: hex::encode(session_id(&format!("writer {name}"))),
        changes,
        saved_at: NOW,
        nonce: hex::encode(nonce_for(&format!("writer {name}"), alg)),
        payload_cbor: None,
        sealed: None,
        set_cookie: None,
        header_response: None,
        too_large: None,
    }
}

/// The request carries a session sealed by `entry` (for the vector's
/// store name and budget): `data`, issued at `issued`, expiring at
/// `expires`, edited by `edit`.
pub(super) fn with_cookie(
    mut v: WriterVector,
    entry: &str,
    data: &serde_json::Value,
    issued: u64,
    expires: u64,
    edit: impl FnOnce(&mut Payload),
) -> WriterVector {
    let label = format!("writer {} request", v.name);
    let mut payload = base_payload(&label, data);
    payload.issued_at = issued;
    payload.expires_at = expires;
    edit(&mut payload);
    let cbor = payload.encode().unwrap();
    let nonce = nonce_for(&label, algorithm_of(entry));
    v.session_id = hex::encode(payload.id);
    if v.store.header.is_some() {
        v.request_header = Some(seal_chunks(entry, &v.store.cookie_name, 1, &nonce, &cbor));
    } else {
        let (_, cookies) = seal_split(
            entry,
            &v.store.cookie_name,
            v.store.size_limit,
            &nonce,
            &cbor,
        );
        v.request_cookies = vec![cookies.join("; ")];
    }
    v
}

/// Fills in the outputs by replaying the vector through the store.
pub(super) fn finish(mut v: WriterVector) -> WriterVector {
    let r = replay(&v);
    if r.payload.is_none() {
        v.nonce = String::new();
    }
    v.set_cookie = r.set_cookie;
    v.header_response = r.header_response;
    v.too_large = r.too_large;
    v.payload_cbor = r.payload.as_deref().map(hex::encode);
    v.sealed = r.payload.map(|cbor| {
        let p = Payload::decode(&cbor).unwrap();
        SealedFields {
            id: hex::encode(p.id),
            issued_at: p.issued_at,
            expires_at: p.expires_at,
            idle_deadline: p.idle_deadline,
            max_age: p.max_age,
        }
    });
    v
}

#[allow(clippy::too_many_lines)]
pub(super) fn writer_vectors(k: &Keys) -> Vec<WriterVector> {
    let user = |name: &str| json!({ "user": name });
    let mut out = Vec::new();

    out.push(case(
        "one-chunk",
        "creation",
        "A fresh session (created at loaded-at) gets a value and is saved 10 s later: issued-at is the creation time, expires-at is saved-at + max-age, Max-Age is the full max-age; one chunk, and no deletion: the request carried none of the store's cookies.",
        config(&k.xaes),
        vec![insert("user", json!("alice"))],
    ));
    let mut fresh_empty = case(
        "fresh-flash-consumed",
        "empty",
        "A fresh session whose only flash is added and consumed before the save: empty, and no cookie came with the request, so nothing is emitted (no deletions).",
        config(&k.xaes),
        vec![
            Change::AddFlash {
                bucket: "_flash".to_owned(),
                value: json!("hi"),
            },
            Change::TakeFlashes {
                bucket: "_flash".to_owned(),
            },
        ],
    );
    fresh_empty.nonce = String::new();
    out.push(fresh_empty);
    let mut three = config(&k.xaes);
    three.size_limit = 16 * 1024;
    out.push(case(
        "three-chunks",
        "chunks",
        "A 16384-byte budget under `session` allows ceil(16384 / 4084) = 5 chunks; a value of about 8 KiB is split greedily into three (session, session.1 at 4088 characters, session.2 the rest); the request carried no cookie, so nothing is deleted.",
        three,
        vec![insert("notes", json!(filler(8000)))],
    ));
    let mut four = config(&k.xaes);
    four.size_limit = 12 * 1024;
    let mut shrink = with_cookie(
        case(
            "shrink-deletes-carried",
            "chunks",
            "The request carries a two-chunk session and an orphan session.3 (left by a response that raced the one that wrote the session; its chunk count of 2 keeps it out of the session); the 12288-byte budget allows four chunks. A short value replaces the notes: one chunk is written, then deletions for the other cookies the request carried (session.1 and session.3, in index order), none for session.2, which it did not carry.",
            four,
            vec![insert("notes", json!("short"))],
        ),
        &k.xaes,
        &json!({ "notes": filler(4000) }),
        ISSUED,
        EXPIRES,
        |_| {},
    );
    shrink.request_cookies[0].push_str("; session.3=orphan");
    out.push(shrink);
    let mut big = config(&k.xaes);
    big.cookie_name = "s".to_owned();
    big.size_limit = 4096;
    out.push(case(
        "too-large",
        "too-large",
        "A 4096-byte budget under `s` (two chunks at most, 4094 characters each) and a value that needs more than 4096 bytes of name=value: the save fails with TooLarge, needed = the greedy split's total (s=, s.1= and the value), allowed = 4096; nothing is emitted.",
        big,
        vec![insert("notes", json!(filler(3200)))],
    ));
    let mut twelve = config(&k.xaes);
    twelve.size_limit = 12 * 1024;
    out.push(with_cookie(
        case(
            "clear-had-cookie",
            "empty",
            "The request's session (one cookie) is cleared: the save emits only deletions, one for each of the store's cookies the request carried (session; not session.1 .. session.3, which the 12288-byte budget allows but the request did not carry), with the store's attributes.",
            twelve,
            vec![Change::Clear],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    out.push(with_cookie(
        case(
            "unchanged",
            "no-write-unchanged",
            "The request's session is read, a value equal to the stored one is stored again, an absent key is removed and an absent bucket read: nothing changed and nothing is due, so the save emits nothing.",
            config(&k.xaes),
            vec![
                insert("user", json!("alice")),
                Change::Remove {
                    key: "absent".to_owned(),
                },
                Change::TakeFlashes {
                    bucket: "none".to_owned(),
                },
            ],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    out.push(with_cookie(
        case(
            "changed-keeps-lifetimes",
            "max-age",
            "The request's session (issued an hour ago, expiring 14 days after) gets a new value: issued-at and expires-at are kept, and Max-Age is expires-at - saved-at (not the full max-age).",
            config(&k.xaes),
            vec![insert("theme", json!("dark"))],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    let mut host = config(&k.xchacha);
    host.cookie_name = "__Host-session".to_owned();
    host.same_site = "Strict".to_owned();
    host.http_only = false;
    out.push(case(
        "host-prefix",
        "attributes",
        "A `__Host-` name (no Domain, Path=/, Secure) with SameSite=Strict and HttpOnly off: the chunk names keep the prefix, and every line carries the same attributes.",
        host,
        vec![insert("user", json!("bob"))],
    ));
    let mut domain = config(&k.aes);
    domain.domain = Some("example.com".to_owned());
    domain.path = "/app".to_owned();
    domain.same_site = "None".to_owned();
    domain.partitioned = true;
    out.push(case(
        "domain-partitioned",
        "attributes",
        "Domain, a Path other than /, SameSite=None and Partitioned: attributes in the order Max-Age, Domain, Path, Secure, HttpOnly, SameSite, Partitioned, on the cookie and on the deletion.",
        domain,
        vec![insert("user", json!("carol"))],
    ));
    out.push(with_cookie(
        case(
            "set-max-age",
            "set-max-age",
            "The request's session gets set_max_age(30 days): the override is sealed (key 7), expires-at becomes saved-at + 30 days, Max-Age=2592000, issued-at is kept.",
            config(&k.xaes),
            vec![Change::SetMaxAge {
                seconds: 30 * DAY,
            }],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    out.push(case(
        "set-max-age-zero",
        "set-max-age",
        "set_max_age(0) on a fresh session with a value: the override 0 is sealed, expires-at = saved-at, and the cookie carries the value with Max-Age=0, which the browser treats as a deletion: the session ends at once.",
        config(&k.xaes),
        vec![
            insert("user", json!("alice")),
            Change::SetMaxAge { seconds: 0 },
        ],
    ));
    let mut idle = config(&k.xaes);
    idle.max_age = DAY;
    idle.idle_timeout = Some(900);
    out.push(with_cookie(
        case(
            "idle-refresh-due",
            "idle",
            "Idle timeout 900 s; the request's session has an idle deadline 300 s away (< 450, half the timeout) and is not changed: the save re-seals it with idle-deadline = saved-at + 900, keeping issued-at and expires-at.",
            idle.clone(),
            Vec::new(),
        ),
        &k.xaes,
        &user("alice"),
        NOW - HOUR,
        NOW - HOUR + DAY,
        |p| p.idle_deadline = Some(NOW + 300),
    ));
    let mut not_due = with_cookie(
        case(
            "idle-refresh-not-due",
            "idle",
            "Idle timeout 900 s; the request's session has an idle deadline 600 s away (>= 450) and is not changed: nothing is emitted.",
            idle.clone(),
            Vec::new(),
        ),
        &k.xaes,
        &user("alice"),
        NOW - HOUR,
        NOW - HOUR + DAY,
        |p| p.idle_deadline = Some(NOW + 600),
    );
    not_due.nonce = String::new();
    out.push(not_due);
    out.push(with_cookie(
        case(
            "idle-deadline-dropped",
            "idle",
            "No idle timeout configured; the request's session carries an idle deadline (sealed under an earlier configuration) and gets a value: the write omits the idle deadline (key 3).",
            config(&k.xaes),
            vec![insert("theme", json!("dark"))],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |p| p.idle_deadline = Some(NOW + 300),
    ));
    let mut rolling = config(&k.xaes);
    rolling.max_age = DAY;
    rolling.rolling = true;
    out.push(with_cookie(
        case(
            "rolling-due",
            "rolling",
            "Rolling renewal, max-age 1 day; the request's session expires in 10 hours (< 12, half the max-age) and is not changed: the save re-seals it with expires-at = saved-at + 1 day and Max-Age=86400, keeping issued-at.",
            rolling.clone(),
            Vec::new(),
        ),
        &k.xaes,
        &user("alice"),
        NOW - 14 * HOUR,
        NOW + 10 * HOUR,
        |_| {},
    ));
    let mut rolling_not_due = with_cookie(
        case(
            "rolling-not-due",
            "rolling",
            "Rolling renewal, max-age 1 day; the request's session expires in 13 hours (>= 12) and is not changed: nothing is emitted.",
            rolling,
            Vec::new(),
        ),
        &k.xaes,
        &user("alice"),
        NOW - 11 * HOUR,
        NOW + 13 * HOUR,
        |_| {},
    );
    rolling_not_due.nonce = String::new();
    out.push(rolling_not_due);
    let rotated = [k.rotated_new.as_str(), k.rotated_old.as_str()].join("\n");
    out.push(with_cookie(
        case(
            "reseal-new-primary",
            "reseal",
            "The store's keyring has a new first pair; the request's session was sealed by the old one and is not changed: the save re-seals it under the first pair, keeping issued-at and expires-at (Max-Age is what is left of them).",
            config(&rotated),
            Vec::new(),
        ),
        &k.rotated_old,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    out.push(with_cookie(
        case(
            "regenerate-id",
            "id",
            "regenerate_id on the request's session: the new id is sealed, the data, issued-at and expires-at are kept.",
            config(&k.xaes),
            vec![Change::RegenerateId {
                new_id: new_id("regenerate-id"),
            }],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    ));
    out.push(with_cookie(
        case(
            "destroy-then-insert",
            "id",
            "destroy on the request's session (which has a 30-day max-age override), then a new value: a new session with the new id, issued-at = saved-at, expires-at = saved-at + the store's max-age, no override.",
            config(&k.xaes),
            vec![
                Change::Destroy {
                    new_id: new_id("destroy-then-insert"),
                },
                insert("user", json!("mallory")),
            ],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        ISSUED + 30 * DAY,
        |p| p.max_age = Some(30 * DAY),
    ));
    let mut destroy = with_cookie(
        case(
            "destroy-two-chunks",
            "empty",
            "destroy on the request's two-chunk session: a deletion for each of the two cookies the request carried, nothing sealed.",
            config(&k.xaes),
            vec![Change::Destroy {
                new_id: new_id("destroy-two-chunks"),
            }],
        ),
        &k.xaes,
        &json!({ "notes": filler(4000) }),
        ISSUED,
        EXPIRES,
        |_| {},
    );
    destroy.nonce = String::new();
    out.push(destroy);

    let mut header = config(&k.xaes);
    header.header = Some("x-session".to_owned());
    out.push(case(
        "header-set",
        "header-transport",
        "Header transport: a fresh session gets a value; the answer is the sealed value alone (header N = 1), no name, no attributes.",
        header.clone(),
        vec![insert("user", json!("alice"))],
    ));
    let mut cleared = with_cookie(
        case(
            "header-clear",
            "header-transport",
            "Header transport: the request's header value opens and the session is cleared: the answer is `clear` (send the header empty).",
            header.clone(),
            vec![Change::Clear],
        ),
        &k.xaes,
        &user("alice"),
        ISSUED,
        EXPIRES,
        |_| {},
    );
    cleared.nonce = String::new();
    out.push(cleared);
    let mut small = header;
    small.size_limit = 256;
    out.push(case(
        "header-too-large",
        "header-transport",
        "Header transport with a 256-byte budget: a value whose sealed text is longer than 256 characters fails with TooLarge, needed = the text's length (no name counted).",
        small,
        vec![insert("notes", json!(filler(200)))],
    ));
    out.extend(super::writer_boundaries::boundary_cases(k));
    out.into_iter().map(finish).collect()
}
