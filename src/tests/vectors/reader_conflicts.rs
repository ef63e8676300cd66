//! Reader vectors for ambiguous requests (SECURITY.md, "Opening",
//! "Outcome"): arrangements of cookies an attacker on a sibling subdomain or
//! a plain-HTTP page can add beside the user's, where a reader that makes a
//! silent choice opens the attacker's session as the user's. Each one is
//! refused as a conflict, and the arrangements a user's browser produces
//! honestly (copies for two paths, two versions of one session) still open.

use super::*;

#[allow(clippy::too_many_lines)]
pub(super) fn ambiguity_cases(key: &str, alice: &Sealed, mallory: &Sealed) -> Vec<Case> {
    let c = |s: &Sealed| cookie(&s.text);
    let mut cases = Vec::new();

    // Nine distinct values of chunk 0: seven junk values and the attacker's
    // session at longer paths (listed first), the user's at `/` last.
    let junk: Vec<String> = (0..7).map(|i| format!("{NAME}=junk{i}")).collect();
    cases.push(
        Case::new(
            "nine-distinct-chunk-0-conflict",
            "occurrences",
            "Seven junk `session` values and another genuine session (the attacker's), then the user's: nine distinct values of chunk 0. The ninth is dropped, so the attacker's session, which opens, is refused as a conflict. (Cookies with an empty name, `Set-Cookie: =session=junk`, reach the server as `session=junk` and count the same.)",
        )
        .misreading("dropping values of chunk 0 beyond the eighth silently: the attacker's session opens as the user's")
        .header(format!("{}; {}; {}", junk.join("; "), c(mallory), c(alice)))
        .outcome(Outcome::Conflict),
    );

    // Copies count once: a two-chunk session of about 5.2K characters set
    // for two paths, and one 12-character junk chunk 0 whose header counts
    // two chunks (so it is tried with the session's chunk 1).
    let long = seal("long two chunks", key, NAME, 2, 3850, |_| {});
    let head = MAX_COOKIE_LEN - NAME.len() - 1;
    let len = long.text.len();
    let tail = len - head;
    // Counted by position, the copies of chunk 1 give two candidates of
    // the full length, and the junk two more: past 2 × 6144.
    assert!(2 * len + 2 * (12 + tail) > 2 * DEFAULT_SIZE_LIMIT);
    assert!(len + 12 + tail <= 2 * DEFAULT_SIZE_LIMIT);
    let copy = pieces(NAME, &long.text, &[head]).join("; ");
    cases.push(
        Case::new(
            "copies-count-once",
            "duplicates",
            "A two-chunk session set for two paths (both copies of `session` and `session.1` sent) and one 12-character junk `session` whose header counts two chunks: identical copies are one value, so the work stays within 2 × BUDGET and the session opens.",
        )
        .misreading("telling occurrences apart by position rather than by value: the copies of `session.1` make two full-length candidates, the junk value pushes the total past the work bound, and the user is logged out by one junk cookie")
        .header(format!("{copy}; {copy}; {NAME}={}", &long.text[..12]))
        .opens(&long),
    );

    // A third distinct value of an index >= 1: junk `session.1` at a longer
    // path (first), the user's two chunks, junk `session.1` set later at
    // `/` (last), and the attacker's one-chunk session.
    let two = seal("two chunks, user", key, NAME, 2, 40, |_| {});
    let half = two.text.len() / 2;
    let user = pieces(NAME, &two.text, &[half]);
    cases.push(
        Case::new(
            "tail-third-value-conflict",
            "duplicates",
            "Junk `session.1`, the user's two-chunk session, another junk `session.1`, and the attacker's one-chunk session: index 1 carries three distinct values, more than the two the reader tries, so the attacker's session that opens is refused as a conflict.",
        )
        .misreading("trying only the first and last values of each index (the user's chunk 1 in the middle is never tried and the attacker's session opens alone)")
        .header(format!(
            "{NAME}.1=junkA; {}; {}; {NAME}.1=junkB; {}",
            user[0],
            user[1],
            c(mallory)
        ))
        .outcome(Outcome::Conflict),
    );
    cases.push(
        Case::new(
            "tail-junk-copy-counts-once",
            "duplicates",
            "A junk `session.1` copied at a longer path and at `/`, around the user's two-chunk session: two distinct values of index 1, both tried, and the session opens.",
        )
        .misreading("counting copies of a chunk as distinct values: three occurrences of index 1 refused")
        .header(format!(
            "{NAME}.1=junk; {}; {}; {NAME}.1=junk",
            user[0], user[1]
        ))
        .opens(&two),
    );

    // Two indices that both vary: the user's three chunks and the
    // attacker's two, arranged so that neither "all first" nor "all last"
    // values give the user's session.
    let budget = 12_000;
    let user3 = seal("three chunks, user", key, NAME, 3, 40, |_| {});
    let third = user3.text.len() / 3;
    let u = pieces(NAME, &user3.text, &[third, third]);
    let attacker = seal("two chunks, attacker", key, NAME, 2, 40, |_| {});
    let a = pieces(NAME, &attacker.text, &[attacker.text.len() / 2]);
    cases.push(
        Case::new(
            "two-varying-indices-conflict",
            "duplicates",
            "Budget 12000 (MAXC = 3): the attacker's two-chunk session and the user's three-chunk one, with a junk `session.2` last. Indices 1 and 2 both carry two values; the mixtures are not tried, so the attacker's session that opens is refused as a conflict.",
        )
        .misreading("pairing first values with first values and last with last across indices: the user's session is a mixture, never tried, and the attacker's opens alone")
        .header(format!(
            "{}; {}; {}; {}; {}; {NAME}.2=junk",
            a[0], u[0], a[1], u[1], u[2]
        ))
        .outcome(Outcome::Conflict)
        .size_limit(budget),
    );

    // A chunk 0 shorter than the count prefix, followed by an index with two
    // values: its count depends on which one it takes.
    let short = pieces(NAME, &two.text, &[5]);
    cases.push(
        Case::new(
            "short-chunk-0-ambiguous-count-conflict",
            "chunk-count",
            "The user's two-chunk session split after 5 characters, a junk `session.1` listed before its own, and the attacker's one-chunk session: N would be read through `session.1`, which carries two values, so that attempt is untried and the attacker's session that opens is refused as a conflict.",
        )
        .misreading("reading N through the first value of each following index: the junk value gives no count, the user's attempt fails, and the attacker's session opens alone")
        .header(format!(
            "{NAME}.1=junk; {}; {}; {}",
            short[0],
            short[1],
            c(mallory)
        ))
        .outcome(Outcome::Conflict),
    );

    // The user's session authentic but expired, beside the attacker's.
    let expired = seal("expired user", key, NAME, 1, 40, |p| {
        p.issued_at = ISSUED - 20 * DAY;
        p.expires_at = ISSUED - 10 * DAY;
    });
    cases.push(
        Case::new(
            "expired-beside-valid-conflict",
            "injection",
            "The user's authentic but expired session and the attacker's valid one: two authentic sessions under one name, a conflict, not the attacker's session.",
        )
        .misreading("counting only sessions that open: the attacker's session replaces the user's expired one")
        .header(format!("{}; {}", c(&expired), c(mallory)))
        .outcome(Outcome::Conflict),
    );

    // Two versions of the user's own session (one id) at two paths.
    let older = seal("alice, older version", key, NAME, 1, 40, |p| {
        p.id = alice.id;
        p.issued_at -= 60;
    });
    cases.push(
        Case::new(
            "same-id-two-versions-opens",
            "injection",
            "Two different authentic values with the same session id (two versions of one session, set for two paths): not a conflict; the first that opens is used.",
        )
        .misreading("treating any two distinct authentic values as a conflict")
        .header(format!("{}; {}", c(alice), c(&older)))
        .opens(alice),
    );
    cases
}
