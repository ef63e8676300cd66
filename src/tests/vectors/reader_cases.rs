//! The reader vectors themselves: genuine sealed sessions in requests built
//! to pin each rule of SECURITY.md "Opening" against a plausible misreading.

use super::*;

/// One genuine sealed value.
pub(super) struct Sealed {
    pub(super) id: [u8; 16],
    pub(super) text: String,
}

/// Seals a session labelled `label` (its id derives from the label) with
/// `filler` characters of data, for `chunks` cookies, under `entry`.
pub(super) fn seal(
    label: &str,
    entry: &str,
    name: &str,
    chunks: u8,
    filler_len: usize,
    edit: impl FnOnce(&mut Payload),
) -> Sealed {
    let mut payload = base_payload(label, &json!({"user": label, "filler": filler(filler_len)}));
    edit(&mut payload);
    let cbor = payload.encode().unwrap();
    let nonce = nonce_for(&format!("reader {label}"), algorithm_of(entry));
    Sealed {
        id: payload.id,
        text: seal_chunks(entry, name, chunks, &nonce, &cbor),
    }
}

/// `text` split into `lens.len() + 1` cookies: pieces of the given lengths,
/// then the rest.
pub(super) fn pieces(name: &str, text: &str, lens: &[usize]) -> Vec<String> {
    let mut rest = text;
    let mut out = Vec::new();
    for (i, len) in lens.iter().enumerate() {
        let (piece, tail) = rest.split_at(*len);
        out.push(format!("{}={piece}", chunk_name(name, i)));
        rest = tail;
    }
    out.push(format!("{}={rest}", chunk_name(name, lens.len())));
    out
}

/// A copy of `text` whose tag no longer verifies (its last character changed).
pub(super) fn forged(text: &str) -> String {
    mutate(text, |raw| {
        let last = raw.len() - 1;
        raw[last] ^= 1;
    })
}

pub(super) struct Case {
    name: &'static str,
    description: &'static str,
    rule: &'static str,
    misreading: &'static str,
    cookie_name: String,
    size_limit: usize,
    idle_timeout: Option<u64>,
    not_before: Option<u64>,
    now: u64,
    headers: Vec<String>,
    expected: Outcome,
    session: Option<[u8; 16]>,
}

impl Case {
    pub(super) fn new(name: &'static str, rule: &'static str, description: &'static str) -> Case {
        Case {
            name,
            description,
            rule,
            misreading: "",
            cookie_name: NAME.to_owned(),
            size_limit: DEFAULT_SIZE_LIMIT,
            idle_timeout: None,
            not_before: None,
            now: NOW,
            headers: Vec::new(),
            expected: Outcome::Invalid,
            session: None,
        }
    }
    pub(super) fn misreading(mut self, text: &'static str) -> Case {
        self.misreading = text;
        self
    }
    pub(super) fn header(mut self, header: String) -> Case {
        self.headers.push(header);
        self
    }
    pub(super) fn opens(mut self, sealed: &Sealed) -> Case {
        self.expected = Outcome::Ok;
        self.session = Some(sealed.id);
        self
    }
    pub(super) fn outcome(mut self, outcome: Outcome) -> Case {
        self.expected = outcome;
        self
    }
    pub(super) fn size_limit(mut self, size_limit: usize) -> Case {
        self.size_limit = size_limit;
        self
    }
    pub(super) fn vector(self, keys: &str) -> ReaderVector {
        assert!(
            !self.misreading.is_empty(),
            "{}: name the misreading",
            self.name
        );
        ReaderVector {
            name: self.name.to_owned(),
            description: self.description.to_owned(),
            rule: self.rule.to_owned(),
            misreading: self.misreading.to_owned(),
            keys: keys.to_owned(),
            cookie_name: self.cookie_name,
            size_limit: self.size_limit,
            clock_skew: SKEW,
            idle_timeout: self.idle_timeout,
            not_before: self.not_before,
            now: self.now,
            cookie_headers: self.headers,
            header_value: None,
            expected: self.expected,
            session_id: self.session.map(hex::encode),
        }
    }
}

#[allow(clippy::too_many_lines)]
pub(super) fn reader_vectors(k: &Keys) -> Vec<ReaderVector> {
    let key = k.xaes.as_str();
    let one = |label: &str| seal(label, key, NAME, 1, 40, |_| {});
    let alice = one("alice");
    let mallory = one("mallory");
    let c = |s: &Sealed| cookie(&s.text);
    let mut cases = Vec::new();

    // ---- the most chunks a budget allows --------------------------------
    // 8172 = 2 × 4086: ceil(8172 / 4084) = 3 chunks, but both
    // ceil(8172 / 4096) and ceil(8172 / (4096 - 7 - 1)) give 2.
    let three = seal("three chunks", key, NAME, 3, 1500, |_| {});
    let third = three.text.len() / 3;
    let mut case = Case::new(
        "max-chunks-budget-8172",
        "most-chunks",
        "A session sealed for 3 cookies, split into three pieces of about 700 characters, under a budget of 8172 bytes: MAXC = ceil(8172 / (4096 - 7 - 5)) = 3, so `session.2` is read.",
    )
    .misreading("MAXC = ceil(budget / 4096) or ceil(budget / (4096 - len(NAME) - 1)): both give 2, `session.2` is not read and the session does not open")
    .header(pieces(NAME, &three.text, &[third, third]).join("; "))
    .opens(&three);
    case.size_limit = 8172;
    cases.push(case);
    // The same three chunks with 8168: ceil(8168 / 4084) = 2.
    let mut case = Case::new(
        "max-chunks-budget-8168",
        "most-chunks",
        "The same three-chunk session under a budget of 8168 bytes: MAXC = ceil(8168 / 4084) = 2, so the header's N = 3 exceeds it.",
    )
    .misreading("a reader that reads every index present, or rounds the chunk count up, opens it")
    .header(pieces(NAME, &three.text, &[third, third]).join("; "))
    .outcome(Outcome::Invalid);
    case.size_limit = 8168;
    cases.push(case);
    // A long name: 100 characters, budget 12000: ceil(12000 / 3991) = 4,
    // ceil(12000 / 4096) = 3.
    let long_name = "n".repeat(100);
    let four = seal("four chunks", key, &long_name, 4, 1500, |_| {});
    let quarter = four.text.len() / 4;
    let mut case = Case::new(
        "max-chunks-long-name",
        "most-chunks",
        "A 100-character cookie name and a budget of 12000 bytes: MAXC = ceil(12000 / (4096 - 100 - 5)) = 4; a session in four pieces opens.",
    )
    .misreading("MAXC = ceil(budget / 4096) = 3 ignores the name's length: the fourth piece is not read")
    .header(pieces(&long_name, &four.text, &[quarter, quarter, quarter]).join("; "))
    .opens(&four);
    case.cookie_name = long_name.clone();
    case.size_limit = 12_000;
    cases.push(case);

    // ---- the Cookie pair grammar ----------------------------------------
    cases.push(
        Case::new(
            "grammar-spaces-and-tabs",
            "cookie-pairs",
            "Spaces and horizontal tabs around the name, the `=` and the value are trimmed.",
        )
        .misreading("a parser that never trims, or trims only spaces")
        .header(format!(" \tfoo=bar ;\t{NAME} \t=\t {} \t", alice.text))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "grammar-pairs-without-equals",
            "cookie-pairs",
            "Pieces without `=` (including one spelling the store's name) are skipped.",
        )
        .misreading("a parser that stops at the first malformed piece, or takes a bare `session` as an empty value")
        .header(format!("{NAME}; flag; ;{}", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "grammar-quoted-value",
            "cookie-pairs",
            "A quoted value keeps its quotes, which are not base64url.",
        )
        .misreading("a parser that unquotes values (RFC 6265 cookie-value allows DQUOTEs)")
        .header(format!("{NAME}=\"{}\"", alice.text))
        .outcome(Outcome::Invalid),
    );
    cases.push(
        Case::new(
            "grammar-several-headers",
            "cookie-pairs",
            "Two `Cookie` header values (as HTTP/2 sends them): the session in the second.",
        )
        .misreading("a reader that looks at the first header value only")
        .header("foo=bar".to_owned())
        .header(c(&alice))
        .opens(&alice),
    );
    let two = seal("two chunks", key, NAME, 2, 40, |_| {});
    let half = two.text.len() / 2;
    let two_pieces = pieces(NAME, &two.text, &[half]);
    cases.push(
        Case::new(
            "grammar-leading-zero-index",
            "cookie-pairs",
            "`session.01` is not chunk 1: with it, chunk 1 of a two-chunk session is missing.",
        )
        .misreading("parsing the index as a number without refusing leading zeros")
        .header(format!(
            "{}; {NAME}.01={}",
            two_pieces[0],
            &two.text[half..]
        ))
        .outcome(Outcome::Invalid),
    );
    cases.push(
        Case::new(
            "grammar-prefix-name",
            "cookie-pairs",
            "Cookies whose names merely start with the store's (`sessionx`, `session.x`) or differ in case are not its cookies: nothing to open.",
        )
        .misreading("prefix or case-insensitive name matching")
        .header(format!("{NAME}x={}; Session={}; {NAME}.x=1", alice.text, alice.text))
        .outcome(Outcome::Absent),
    );

    // ---- no cookie at all -------------------------------------------------
    cases.push(
        Case::new(
            "no-cookie",
            "no-cookie",
            "Other cookies only: no session cookie is absent, not invalid.",
        )
        .misreading("reporting Invalid when the store's cookie is absent")
        .header("a=1; b=2".to_owned())
        .outcome(Outcome::Absent),
    );
    cases.push(
        Case::new(
            "no-chunk-0",
            "no-cookie",
            "Chunk 1 of a genuine session without chunk 0: there is nothing to open, and that is Invalid, not absent.",
        )
        .misreading("treating a request without chunk 0 as having no cookie")
        .header(two_pieces[1].clone())
        .outcome(Outcome::Invalid),
    );

    // ---- occurrences, duplicates and injection ---------------------------
    cases.push(
        Case::new(
            "dup-garbage-first",
            "duplicates",
            "A broken `session` first, the genuine one after it.",
        )
        .misreading("trying only the first occurrence")
        .header(format!("{NAME}=garbage; {}", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "dup-garbage-last",
            "duplicates",
            "The genuine `session` first, a broken one after it.",
        )
        .misreading("trying only the last occurrence")
        .header(format!("{}; {NAME}=garbage", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "dup-genuine-between-junk",
            "duplicates",
            "The genuine `session` between two broken copies.",
        )
        .misreading("trying the first and the last occurrence only")
        .header(format!("{NAME}=junk; {}; {NAME}=garbage", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "dup-same-session-twice",
            "duplicates",
            "The same genuine value twice (one cookie set for two paths): it opens.",
        )
        .misreading("treating any duplicate as an injection")
        .header(format!("{}; {}", c(&alice), c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "dup-two-sessions",
            "injection",
            "Two different genuine sessions under one name (one of them tossed by a sibling subdomain): neither is used, and the outcome is a conflict.",
        )
        .misreading("the first (or the last) occurrence that opens wins; or reporting the conflict as Invalid, like a forged cookie")
        .header(format!("{}; {}", c(&alice), c(&mallory)))
        .outcome(Outcome::Conflict),
    );
    cases.push(
        Case::new(
            "dup-two-sessions-in-two-headers",
            "injection",
            "Two different genuine sessions in two header values: neither is used, a conflict.",
        )
        .misreading("deciding per header value")
        .header(c(&mallory))
        .header(c(&alice))
        .outcome(Outcome::Conflict),
    );
    let mut expired = seal("expired", key, NAME, 1, 40, |p| {
        p.issued_at = ISSUED - 20 * DAY;
        p.expires_at = ISSUED - 10 * DAY;
    });
    cases.push(
        Case::new(
            "dup-expired-then-garbage",
            "outcome",
            "An authentic but expired `session`, then a broken one: Expired, because one candidate authenticated and had expired.",
        )
        .misreading("reporting the last candidate's failure (Invalid)")
        .header(format!("{}; {NAME}=garbage", c(&expired)))
        .outcome(Outcome::Expired),
    );
    cases.push(
        Case::new(
            "dup-garbage-then-expired",
            "outcome",
            "A broken `session`, then an authentic but expired one: Expired.",
        )
        .misreading("reporting the first candidate's failure (Invalid)")
        .header(format!("{NAME}=garbage; {}", c(&expired)))
        .outcome(Outcome::Expired),
    );
    expired.text = forged(&expired.text);
    cases.push(
        Case::new(
            "dup-forged-expired-twice",
            "outcome",
            "Two copies of an expired session with a changed tag: never authenticated, so Invalid, not Expired.",
        )
        .misreading("checking lifetimes before the tag")
        .header(format!("{}; {}", c(&expired), c(&expired)))
        .outcome(Outcome::Invalid),
    );
    let junk_firsts: Vec<String> = (0..8).map(|i| format!("{NAME}=junk{i}")).collect();
    cases.push(
        Case::new(
            "dup-ninth-chunk-0-ignored",
            "occurrences",
            "Eight distinct broken `session` values before the genuine one: only the first eight distinct values of chunk 0 are tried; nothing opened, so Invalid.",
        )
        .misreading("trying every distinct value, unbounded")
        .header(format!("{}; {}", junk_firsts.join("; "), c(&alice)))
        .outcome(Outcome::Invalid),
    );
    cases.push(
        Case::new(
            "dup-eighth-chunk-0-tried",
            "occurrences",
            "Seven distinct broken `session` values before the genuine one: the eighth distinct value is still tried.",
        )
        .misreading("keeping fewer than eight distinct values")
        .header(format!("{}; {}", junk_firsts[..7].join("; "), c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "dup-chunk-1-junk-first",
            "duplicates",
            "A two-chunk session whose `session.1` occurs twice, a junk copy first: the second candidate (last occurrences) opens.",
        )
        .misreading("trying only the first occurrence of each chunk index")
        .header(format!("{}; {NAME}.1=junk; {}", two_pieces[0], two_pieces[1]))
        .opens(&two),
    );
    cases.push(
        Case::new(
            "dup-chunk-1-junk-last",
            "duplicates",
            "A two-chunk session whose `session.1` occurs twice, a junk copy last: the first candidate opens.",
        )
        .misreading("trying only the last occurrence of each chunk index")
        .header(format!("{}; {}; {NAME}.1=junk", two_pieces[0], two_pieces[1]))
        .opens(&two),
    );

    // ---- the chunk count comes from chunk 0 -------------------------------
    cases.push(
        Case::new(
            "junk-chunk-beyond-count",
            "chunk-count",
            "A one-chunk session with a junk `session.1` (anyone on a sibling domain can set one): chunk 0's header says N = 1, so `session.1` is not read.",
        )
        .misreading("counting the chunks present (the superseded rule of negative.json's chunk-extra vectors)")
        .header(format!("{}; {NAME}.1=x", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "gap-index-beyond-count",
            "chunk-count",
            "A one-chunk session with a `session.2`: beyond N = 1, ignored.",
        )
        .misreading("refusing any gap in the indices present")
        .header(format!("{}; {NAME}.2=x", c(&alice)))
        .opens(&alice),
    );
    cases.push(
        Case::new(
            "chunk-count-from-short-chunk-0",
            "chunk-count",
            "A two-chunk session split after 5 characters: N is read from the first 12 characters of chunk 0 followed by chunk 1.",
        )
        .misreading("reading N from chunk 0 alone")
        .header(pieces(NAME, &two.text, &[5]).join("; "))
        .opens(&two),
    );
    cases.push(
        Case::new(
            "chunk-count-missing-chunk",
            "chunk-count",
            "A two-chunk session with only chunk 0 sent: index 1 is missing.",
        )
        .misreading("opening whatever chunks are present")
        .header(two_pieces[0].clone())
        .outcome(Outcome::Invalid),
    );

    // ---- the work bound ---------------------------------------------------
    // Longer than a third of the bound (2 × 6144), so three copies exceed
    // it and two do not; one cookie longer than 4096 is fine for a reader.
    let big = seal("big", key, NAME, 1, 3600, |_| {});
    assert!(big.text.len() * 3 > DEFAULT_SIZE_LIMIT * 2);
    assert!(big.text.len() * 2 <= DEFAULT_SIZE_LIMIT * 2);
    cases.push(
        Case::new(
            "work-bound-skips-later-attempts",
            "work-bound",
            "Two forged copies of a long session, then the genuine one: the three candidates add up to more than 2 × 6144 characters, so the third is never opened.",
        )
        .misreading("no bound on the work duplicates cause")
        .header(format!(
            "{}; {}; {}",
            cookie(&forged(&big.text)),
            cookie(&mutate(&big.text, |raw| raw[40] ^= 1)),
            c(&big)
        ))
        .outcome(Outcome::Invalid),
    );
    cases.push(
        Case::new(
            "work-bound-refuses-an-opened-session",
            "work-bound",
            "The genuine long session, then two forged copies: it opens, but the bound skips the third candidate, which could have been another session, so none is used: a conflict.",
        )
        .misreading("using the session that opened when later candidates were skipped")
        .header(format!(
            "{}; {}; {}",
            c(&big),
            cookie(&forged(&big.text)),
            cookie(&mutate(&big.text, |raw| raw[40] ^= 1))
        ))
        .outcome(Outcome::Conflict),
    );

    // ---- lifetimes and admission -----------------------------------------
    let mut case = Case::new(
        "idle-default-expired",
        "idle-deadline",
        "A payload without an idle deadline, read by a store with a 600 s idle timeout, 1 s past issued_at + 600 + skew: Expired.",
    )
    .misreading("idle-checking only payloads that carry an idle deadline")
    .header(c(&alice))
    .outcome(Outcome::Expired);
    case.idle_timeout = Some(600);
    case.now = ISSUED + 600 + SKEW + 1;
    cases.push(case);
    let mut case = Case::new(
        "idle-default-open",
        "idle-deadline",
        "The same at exactly issued_at + 600 + skew: it opens.",
    )
    .misreading("comparing with >= instead of >, or forgetting the skew")
    .header(c(&alice))
    .opens(&alice);
    case.idle_timeout = Some(600);
    case.now = ISSUED + 600 + SKEW;
    cases.push(case);
    let late_idle = seal("late idle", key, NAME, 1, 40, |p| {
        p.idle_deadline = Some(EXPIRES + DAY);
    });
    let mut case = Case::new(
        "idle-deadline-after-expiry",
        "idle-deadline",
        "An idle deadline a day after expires_at, read 1 s past expires_at + skew: the earlier limit decides, Expired.",
    )
    .misreading("letting the idle deadline replace the absolute expiry")
    .header(c(&late_idle))
    .outcome(Outcome::Expired);
    case.now = EXPIRES + SKEW + 1;
    cases.push(case);
    let mut case = Case::new(
        "not-before-within-skew",
        "not-before",
        "A store whose not-before cut-off is 30 s before the session's issued_at, with a 60 s skew: issued_at < not-before + skew, so Expired (an instance whose clock ran ahead may have issued it before the cut-off).",
    )
    .misreading("refusing only issued_at < not-before")
    .header(c(&alice))
    .outcome(Outcome::Expired);
    case.not_before = Some(ISSUED - 30);
    cases.push(case);
    let mut case = Case::new(
        "not-before-past-skew",
        "not-before",
        "The cut-off exactly skew seconds before issued_at: it opens.",
    )
    .misreading("refusing issued_at <= not-before + skew")
    .header(c(&alice))
    .opens(&alice);
    case.not_before = Some(ISSUED - SKEW);
    cases.push(case);

    cases.extend(ambiguity_cases(key, &alice, &mallory));
    cases.into_iter().map(|case| case.vector(key)).collect()
}
