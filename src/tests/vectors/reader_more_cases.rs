//! Reader vectors for rules no earlier vector reached: white space other
//! than SP/HTAB around Cookie pairs and the session header's value, a bare
//! name, indices at or above MAXC, and the header's N against the chunks
//! read (only the header transport reaches step 6); an idle deadline
//! beyond the store's current idle timeout. Each fails a misreading
//! of `test-vectors/v1/misreadings.json` that every other vector lets pass.

use super::reader_cases::{Case, pieces, seal};
use super::*;

/// Vectors for the Cookie grammar and the chunk-count check that the cases
/// of [`reader_vectors`] leave open.
pub(super) fn grammar_and_count_vectors(k: &Keys) -> Vec<ReaderVector> {
    let key = k.xaes.as_str();
    let alice = seal("alice", key, NAME, 1, 40, |_| {});
    let mut out = Vec::new();
    out.push(
        Case::new(
            "grammar-form-feed-not-trimmed",
            "cookie-pairs",
            "The genuine value followed by a form feed (U+000C): only spaces and horizontal tabs are trimmed, so the value keeps it and fails base64url.",
        )
        .misreading("trimming all white space (Unicode White_Space, or ASCII white space: str::trim, String.prototype.trim, strip())")
        .header(format!("{NAME}={}\u{c}", alice.text))
        .outcome(Outcome::Invalid)
        .vector(key),
    );
    out.push(
        Case::new(
            "grammar-nbsp-before-name",
            "cookie-pairs",
            "The genuine value under the name U+00A0 followed by `session`: the name keeps the no-break space, so it is not the store's and nothing is read.",
        )
        .misreading("trimming all white space (Unicode White_Space) around names")
        .header(format!("\u{a0}{NAME}={}", alice.text))
        .outcome(Outcome::Absent)
        .vector(key),
    );
    out.push(
        Case::new(
            "grammar-bare-name-absent",
            "cookie-pairs",
            "A bare `session` (no `=`) and another cookie: a piece without `=` is skipped, so no pair is the store's: absent, not invalid.",
        )
        .misreading("a bare `session` as the name with an empty value (an empty chunk 0: Invalid)")
        .header(format!("{NAME}; theme=dark"))
        .outcome(Outcome::Absent)
        .vector(key),
    );
    out.push(
        Case::new(
            "grammar-index-at-maxc-absent",
            "cookie-pairs",
            "Only `session.2` and `session.255` under the default budget (MAXC = 2): indices at or above MAXC are not the store's, so nothing is read: absent.",
        )
        .misreading("any `NAME.i` with 1 <= i <= 254 counted as the store's (no chunk 0: Invalid)")
        .header(format!("{NAME}.2=x; {NAME}.255=y"))
        .outcome(Outcome::Absent)
        .vector(key),
    );
    let whole = seal("one chunk split", key, NAME, 1, 40, |_| {});
    let half = whole.text.len() / 2;
    out.push(
        Case::new(
            "chunk-count-one-chunk-split-over-two",
            "chunk-count",
            "A value sealed for one chunk (N = 1), split over `session` and `session.1`: N = 1, so only `session` is read, and half a value fails.",
        )
        .misreading("joining every chunk present, whatever the header's N says")
        .header(pieces(NAME, &whole.text, &[half]).join("; "))
        .outcome(Outcome::Invalid)
        .vector(key),
    );
    let two = seal("two chunks in a header", key, NAME, 2, 40, |_| {});
    let mut v = Case::new(
        "header-n-check",
        "chunk-count",
        "Header transport: a genuine value sealed for two chunks (N = 2), whole, as the session header's value: it is the text of one chunk, so step 6 (the header's N equals the chunks read) refuses it.",
    )
    .misreading("skipping step 6 (the tag verifies: N is in the authenticated header, and the AAD is built from it)")
    .outcome(Outcome::Invalid)
    .vector(key);
    v.header_value = Some(two.text.clone());
    out.push(v);
    let mut v = Case::new(
        "header-spaces-and-tabs-trimmed",
        "header-value",
        "Header transport: the genuine value between spaces and tabs: they are trimmed, and it opens.",
    )
    .misreading("no trimming of the header value")
    .opens(&alice)
    .vector(key);
    v.header_value = Some(format!(" \t{} \t", alice.text));
    out.push(v);
    let mut v = Case::new(
        "header-form-feed-not-trimmed",
        "header-value",
        "Header transport: the genuine value followed by a form feed: only spaces and tabs are trimmed, as in a Cookie pair.",
    )
    .misreading("trimming all white space (Unicode White_Space) from the header value")
    .outcome(Outcome::Invalid)
    .vector(key);
    v.header_value = Some(format!("{}\u{c}", alice.text));
    out.push(v);
    let longer = seal("idle deadline beyond the timeout", key, NAME, 1, 40, |p| {
        p.idle_deadline = Some(NOW + 600 + SKEW + 1);
    });
    let mut v = Case::new(
        "idle-deadline-beyond-timeout-expired",
        "idle-deadline",
        "A payload whose idle deadline is 600 + skew + 1 s after `now`, read by a store whose idle timeout is 600 s: every write seals `now + idle`, so it was sealed under a longer timeout, and shortening the timeout bounds it: Expired.",
    )
    .misreading("using the sealed idle deadline as it is (the session opens until its old deadline)")
    .header(cookie(&longer.text))
    .outcome(Outcome::Expired)
    .vector(key);
    v.idle_timeout = Some(600);
    out.push(v);
    let mut v = Case::new(
        "header-blank-absent",
        "header-value",
        "Header transport: a value of spaces and tabs only is no session: absent, not invalid.",
    )
    .misreading("opening the blank value (Invalid)")
    .outcome(Outcome::Absent)
    .vector(key);
    v.header_value = Some(" \t ".to_owned());
    out.push(v);
    out
}
