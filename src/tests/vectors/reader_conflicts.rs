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

    // Nine copies of one value: one value, one attempt.
    cases.push(
        Case::new(
            "nine-copies-of-chunk-0-open",
            "duplicates",
            "The user's `session` nine times (one cookie sent for several paths): identical copies are one value, so nothing is dropped and it opens.",
        )
        .misreading("keeping copies of chunk 0 as separate values: the ninth copy is dropped and the session refused as a conflict")
        .header(vec![c(alice); 9].join("; "))
        .opens(alice),
    );

    // The user's chunk 1 is the third distinct value of index 1.
    cases.push(
        Case::new(
            "tail-third-value-is-users-conflict",
            "duplicates",
            "Two junk `session.1` values first, then the user's two-chunk session and the attacker's one-chunk session: the user's `session.1` is the third distinct value of index 1 and is dropped, so the user's attempt is untried and the attacker's session that opens is refused as a conflict.",
        )
        .misreading("dropping a third value of an index silently and trying the first two: the user's session is never tried and the attacker's opens alone")
        .header(format!(
            "{NAME}.1=junkA; {NAME}.1=junkB; {}; {}; {}",
            user[0],
            user[1],
            c(mallory)
        ))
        .outcome(Outcome::Conflict),
    );

    cases.push(
        Case::new(
            "tail-dropped-unread-opens",
            "duplicates",
            "The user's one-chunk session and three junk `session.1` values: the third is dropped, but the user's attempt counts one chunk and reads no index 1, so nothing it needs was dropped and it opens.",
        )
        .misreading("any dropped value making the request ambiguous: three junk `session.1` cookies log the user out")
        .header(format!("{}; {NAME}.1=a; {NAME}.1=b; {NAME}.1=c", c(alice)))
        .opens(alice),
    );

    // ---- the work bound: 2 × 6144 = 12288 characters of candidates -------
    // A junk chunk 0 of `len` characters whose header counts one chunk.
    let junk = |len: usize| format!("{NAME}={}{}", &alice.text[..12], "A".repeat(len - 12));
    let bound = 2 * DEFAULT_SIZE_LIMIT;
    let long_two = pieces(NAME, &long.text, &[head]);
    cases.push(
        Case::new(
            "work-bound-exactly-reached-opens",
            "work-bound",
            "A junk `session` whose header counts one chunk, then the user's two-chunk session, whose candidates add up to exactly 2 × 6144 characters, then `session=x` (fewer than 12 characters: its attempt fails before any candidate): the total reaches the bound without passing it, the attempt that fails costs nothing, and the session opens.",
        )
        .misreading("untried when the total reaches 2 × BUDGET (>= instead of >), or every attempt after the budget is used up untried: the session is refused")
        .header(format!("{}; {}; {NAME}=x", junk(bound - len), long_two.join("; ")))
        .opens(&long),
    );
    cases.push(
        Case::new(
            "work-bound-over-long-not-counted",
            "work-bound",
            "A junk `session` of 12289 characters (longer than MAXC × 4096 = 8192: it fails before any decoding), then the user's session: only candidates within the length limit count, so the user's is opened.",
        )
        .misreading("counting over-long candidates too: the junk value alone passes the bound and the user's session is untried")
        .header(format!("{}; {}", junk(bound + 1), c(alice)))
        .opens(alice),
    );
    let bad = |len: usize| format!("{NAME}=!{}", "A".repeat(len - 1));
    cases.push(
        Case::new(
            "work-bound-failed-attempts-not-counted",
            "work-bound",
            "Two junk `session` values of 7000 characters starting with `!` (no chunk count: the attempts fail at their step 1, before any candidate), then the user's session: only candidates count, so it opens.",
        )
        .misreading("counting chunk 0 of attempts that fail before any candidate: the bound is used up and the user's session is untried")
        .header(format!("{}; {}; {}", bad(7000), bad(7001), c(alice)))
        .opens(alice),
    );
    cases.push(
        Case::new(
            "work-bound-second-candidate-counted",
            "work-bound",
            "A junk `session` of 6000 characters (one chunk), then the user's two-chunk session with a junk `session.1` of 7000 characters: the user's candidate opens, but the second candidate (its chunk 0 with the junk chunk 1) would pass 2 × 6144 and is untried: a conflict.",
        )
        .misreading("counting only an attempt's first candidate: the second is opened for free, fails, and the session is used")
        .header(format!(
            "{}; {}; {}; {NAME}.1={}",
            junk(6000),
            user[0],
            user[1],
            "B".repeat(7000)
        ))
        .outcome(Outcome::Conflict),
    );
    cases.push(
        Case::new(
            "work-bound-stops-every-later-attempt",
            "work-bound",
            "Junk `session` values of 7000 and 6000 characters (one chunk each), then the user's authentic but expired session: the second junk value would pass 2 × 6144, so it and every later attempt are untried; nothing authenticated, so the outcome is Invalid, not Expired.",
        )
        .misreading("skipping only the candidate past the bound and opening later ones that fit: the expired session is reached and the outcome is Expired")
        .header(format!("{}; {}; {}", junk(7000), junk(6000), c(&expired)))
        .outcome(Outcome::Invalid),
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
