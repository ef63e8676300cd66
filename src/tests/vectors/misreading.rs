//! Plausible misreadings of SECURITY.md's rules, one switch each of the
//! reference models (`model_reader`, `model_writer`, `model_payload`). The
//! mutation test (`mutation`) turns each on alone and requires that some
//! vector fails it; `test-vectors/v1/misreadings.json` records which.
//!
//! A new rule gets its misreadings here: a variant, a row of [`ALL`], and
//! the branch in the model that reads the rule the wrong way.

/// One misreading: a switch of the reference models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum M {
    // -- reader: the most chunks
    MaxcIgnoresName,
    MaxcNamePlusOne,
    // -- reader: the Cookie pair grammar
    NoTrim,
    TrimAllWhitespace,
    UnquoteValues,
    FirstHeaderOnly,
    LeadingZeroIndex,
    NameCaseInsensitive,
    NamePrefixMatch,
    BareNameEmptyValue,
    IndexBeyondMaxcCounted,
    // -- reader: no cookie
    AbsentIsInvalid,
    NoChunkZeroIsAbsent,
    // -- reader: occurrences, duplicates, injection, outcome
    FirstOccurrenceOnly,
    LastOccurrenceOnly,
    FirstAndLastOnly,
    FirstOccurrenceOfTailsOnly,
    LastOccurrenceOfTailsOnly,
    DuplicateIsInjection,
    FirstOpenedWins,
    LastFailureReported,
    UnboundedOccurrences,
    SevenOccurrences,
    // -- reader: the chunk count
    CountChunksPresent,
    JoinChunksPresent,
    NFromChunkZeroAlone,
    SkipHeaderNCheck,
    // -- reader: the work bound
    NoWorkBound,
    UseOpenedDespiteSkip,
    // -- reader: lifetimes and admission
    IdleOnlyWithDeadline,
    ExpiryGreaterOrEqual,
    NoSkewOnExpiry,
    IdleReplacesExpiry,
    NotBeforeWithoutSkew,
    NotBeforeLessOrEqual,
    ReaderRefusesLongCookie,
    // -- reader: header transport
    HeaderNoTrim,
    HeaderTrimAllWhitespace,
    HeaderBlankOpened,
    // -- writer
    ExpiresFromCreation,
    EverySaveWrites,
    EqualValueIsChange,
    DeleteOnlyCarried,
    DeleteWithoutCookie,
    HadCookiesMeansOpened,
    HeaderClearOnlyIfOpened,
    ClearKeepsFlashes,
    FlashTakeNotChange,
    SplitIgnoresName,
    NoStaleDeletions,
    TooLargeNeededIsText,
    TooLargeAtBudget,
    PathBeforeDomain,
    DeletionsWithoutDomainPath,
    MaxAgeIsStoreMaxAge,
    OverrideNotSealed,
    ZeroOverrideIgnored,
    SetMaxAgeUncapped,
    IdleRefreshEveryWrite,
    IdleKeepsStaleDeadline,
    IdleDueLessOrEqual,
    IdleHalfNotInteger,
    RollingEverySave,
    RollingResetsIssuedAt,
    RollingDueLessOrEqual,
    RollingHalfNotInteger,
    ResealExtendsExpiry,
    RegenerateRenews,
    DestroyKeepsIssuedAt,
    DestroyKeepsOverride,
    HeaderCountsName,
    // -- payload
    KeysUtf16Order,
    FlashBucketsUnordered,
    NestedMapsSorted,
    NanRefused,
    NegativeNanRefused,
    TagContentChecked,
    OnlySmallTagNumbers,
    BignumPreferred,
    DataValuesAtDepthTwo,
    BucketArrayCounts,
}

/// The file of rules a misreading belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    Reader,
    Writer,
    Payload,
}

/// Every misreading: the switch, its name, the rule it misreads (as the
/// vector files name rules), the part and what it does.
#[rustfmt::skip]
pub(super) const ALL: &[(M, &str, &str, Part, &str)] = &[
    (M::MaxcIgnoresName, "maxc-ignores-name", "most-chunks", Part::Reader, "MAXC = ceil(BUDGET / 4096), the name not counted"),
    (M::MaxcNamePlusOne, "maxc-name-plus-one", "most-chunks", Part::Reader, "MAXC = ceil(BUDGET / (4096 - len(NAME) - 1)): the `.i` suffix not counted"),
    (M::NoTrim, "cookie-no-trim", "cookie-pairs", Part::Reader, "names and values not trimmed"),
    (M::TrimAllWhitespace, "cookie-trim-all-whitespace", "cookie-pairs", Part::Reader, "names and values trimmed of all white space (Unicode White_Space: str::trim, String.prototype.trim, strip())"),
    (M::UnquoteValues, "cookie-unquote", "cookie-pairs", Part::Reader, "a value in double quotes is unquoted (RFC 6265 cookie-value)"),
    (M::FirstHeaderOnly, "cookie-first-header-only", "cookie-pairs", Part::Reader, "only the first Cookie header value is read"),
    (M::LeadingZeroIndex, "cookie-leading-zero-index", "cookie-pairs", Part::Reader, "chunk indices parsed as numbers, leading zeros allowed (`NAME.01` is chunk 1)"),
    (M::NameCaseInsensitive, "cookie-name-case-insensitive", "cookie-pairs", Part::Reader, "names compared ASCII case-insensitively"),
    (M::NamePrefixMatch, "cookie-name-prefix", "cookie-pairs", Part::Reader, "any name starting with NAME that is not a chunk name is chunk 0"),
    (M::BareNameEmptyValue, "cookie-bare-name-empty-value", "cookie-pairs", Part::Reader, "a piece without `=` is a name with an empty value"),
    (M::IndexBeyondMaxcCounted, "cookie-index-beyond-maxc", "cookie-pairs", Part::Reader, "`NAME.i` is the store's for every 1 <= i <= 254, not only i < MAXC"),
    (M::AbsentIsInvalid, "absent-is-invalid", "no-cookie", Part::Reader, "no cookie of the store reported as Invalid"),
    (M::NoChunkZeroIsAbsent, "no-chunk-0-is-absent", "no-cookie", Part::Reader, "chunks without chunk 0 treated as no cookie (absent)"),
    (M::FirstOccurrenceOnly, "first-occurrence-only", "duplicates", Part::Reader, "only the first occurrence of chunk 0 is tried"),
    (M::LastOccurrenceOnly, "last-occurrence-only", "duplicates", Part::Reader, "only the last occurrence of chunk 0 is tried"),
    (M::FirstAndLastOnly, "first-and-last-only", "duplicates", Part::Reader, "only the first and the last occurrence of chunk 0 are tried"),
    (M::FirstOccurrenceOfTailsOnly, "tails-first-only", "duplicates", Part::Reader, "only the first occurrence of each chunk index >= 1 is used"),
    (M::LastOccurrenceOfTailsOnly, "tails-last-only", "duplicates", Part::Reader, "only the last occurrence of each chunk index >= 1 is used"),
    (M::DuplicateIsInjection, "duplicate-is-injection", "injection", Part::Reader, "any second occurrence of chunk 0 is an injection (Invalid)"),
    (M::FirstOpenedWins, "first-opened-wins", "injection", Part::Reader, "the first session that opens is used, whatever opens after it"),
    (M::LastFailureReported, "last-failure-reported", "outcome", Part::Reader, "when nothing opens, the last candidate's failure is the outcome"),
    (M::UnboundedOccurrences, "occurrences-unbounded", "occurrences", Part::Reader, "every occurrence of chunk 0 is kept"),
    (M::SevenOccurrences, "occurrences-seven", "occurrences", Part::Reader, "fewer occurrences of chunk 0 kept (7)"),
    (M::CountChunksPresent, "count-chunks-present", "chunk-count", Part::Reader, "N = the number of chunk indices present (the superseded rule), checked against the header"),
    (M::JoinChunksPresent, "join-chunks-present", "chunk-count", Part::Reader, "every chunk present is joined and the header's N is not compared with it"),
    (M::NFromChunkZeroAlone, "n-from-chunk-0-alone", "chunk-count", Part::Reader, "N read from chunk 0 alone (a chunk 0 shorter than 12 characters fails)"),
    (M::SkipHeaderNCheck, "skip-header-n-check", "chunk-count", Part::Reader, "step 6 skipped: the header's N not compared with the chunks read"),
    (M::NoWorkBound, "no-work-bound", "work-bound", Part::Reader, "no bound on the candidate text opened per request"),
    (M::UseOpenedDespiteSkip, "use-opened-despite-skip", "work-bound", Part::Reader, "a session that opened is used although the bound skipped a later attempt"),
    (M::IdleOnlyWithDeadline, "idle-only-with-deadline", "idle-deadline", Part::Reader, "the store's idle timeout applied only to payloads that carry an idle deadline"),
    (M::ExpiryGreaterOrEqual, "expiry-greater-or-equal", "idle-deadline", Part::Reader, "Expired when now >= limit + skew (instead of >)"),
    (M::NoSkewOnExpiry, "expiry-without-skew", "idle-deadline", Part::Reader, "expiry and idle deadline compared without the clock skew"),
    (M::IdleReplacesExpiry, "idle-replaces-expiry", "idle-deadline", Part::Reader, "an idle deadline, when present, replaces the absolute expiry"),
    (M::NotBeforeWithoutSkew, "not-before-without-skew", "not-before", Part::Reader, "Expired only when issued_at < not_before"),
    (M::NotBeforeLessOrEqual, "not-before-less-or-equal", "not-before", Part::Reader, "Expired when issued_at <= not_before + skew"),
    (M::ReaderRefusesLongCookie, "reader-refuses-long-cookie", "per-cookie-size", Part::Reader, "a reader refuses a cookie of more than 4096 bytes of name=value (the writer's limit)"),
    (M::HeaderNoTrim, "header-no-trim", "header-value", Part::Reader, "the session header's value is not trimmed"),
    (M::HeaderTrimAllWhitespace, "header-trim-all-whitespace", "header-value", Part::Reader, "the session header's value is trimmed of all white space (Unicode White_Space)"),
    (M::HeaderBlankOpened, "header-blank-opened", "header-value", Part::Reader, "a blank header value is opened (Invalid) instead of being no session"),
    (M::ExpiresFromCreation, "expires-from-creation", "creation", Part::Writer, "a new session's first write seals expires_at = creation time + M"),
    (M::EverySaveWrites, "every-save-writes", "no-write-unchanged", Part::Writer, "every save of a non-empty session writes"),
    (M::EqualValueIsChange, "equal-value-is-change", "no-write-unchanged", Part::Writer, "storing a value equal to the stored one is a change"),
    (M::FlashTakeNotChange, "flash-take-not-a-change", "no-write-unchanged", Part::Writer, "reading (consuming) a bucket is not a change: it is written only with another change"),
    (M::DeleteOnlyCarried, "delete-only-carried", "empty", Part::Writer, "an emptied session deletes only the chunks the request carried"),
    (M::DeleteWithoutCookie, "delete-without-cookie", "empty", Part::Writer, "an empty session emits deletions even when it never had cookies"),
    (M::HadCookiesMeansOpened, "had-cookies-means-opened", "empty", Part::Writer, "\"had cookies\" means the request's cookies opened: cookies that did not open are not deleted"),
    (M::HeaderClearOnlyIfOpened, "header-clear-only-if-opened", "header-transport", Part::Writer, "the header answer is `clear` only when the request's header value opened"),
    (M::ClearKeepsFlashes, "clear-keeps-flashes", "empty", Part::Writer, "clear() removes values but keeps flashes"),
    (M::SplitIgnoresName, "split-ignores-name", "chunks", Part::Writer, "pieces of 4096 characters of value, the name not counted"),
    (M::NoStaleDeletions, "no-stale-deletions", "chunks", Part::Writer, "no deletions for indices N .. MAXC-1 the request did not carry"),
    (M::TooLargeNeededIsText, "too-large-needed-is-text", "too-large", Part::Writer, "TooLarge's `needed` is the sealed text's length"),
    (M::TooLargeAtBudget, "too-large-at-budget", "too-large", Part::Writer, "TooLarge when the total reaches the budget (>= instead of >)"),
    (M::PathBeforeDomain, "path-before-domain", "attributes", Part::Writer, "Path written before Domain"),
    (M::DeletionsWithoutDomainPath, "deletions-without-domain-path", "attributes", Part::Writer, "deletion lines without Domain and Path"),
    (M::MaxAgeIsStoreMaxAge, "max-age-is-store-max-age", "max-age", Part::Writer, "Max-Age = M on every write, not expires_at - now"),
    (M::OverrideNotSealed, "override-not-sealed", "set-max-age", Part::Writer, "set_max_age changes only Max-Age: no key 7, expires_at unchanged"),
    (M::ZeroOverrideIgnored, "zero-override-ignored", "set-max-age", Part::Writer, "set_max_age(0) ignored"),
    (M::SetMaxAgeUncapped, "set-max-age-uncapped", "set-max-age", Part::Writer, "set_max_age not capped at 400 days"),
    (M::IdleRefreshEveryWrite, "idle-refresh-every-request", "idle", Part::Writer, "an idle timeout re-seals on every request"),
    (M::IdleKeepsStaleDeadline, "idle-keeps-stale-deadline", "idle", Part::Writer, "a write without an idle timeout keeps the payload's idle deadline"),
    (M::IdleDueLessOrEqual, "idle-due-less-or-equal", "idle", Part::Writer, "idle refresh due when idle_deadline - now <= I / 2"),
    (M::IdleHalfNotInteger, "idle-half-not-integer", "idle", Part::Writer, "I / 2 not integer division (compared as 2 × left < I)"),
    (M::RollingEverySave, "rolling-every-save", "rolling", Part::Writer, "rolling renewal on every save"),
    (M::RollingResetsIssuedAt, "rolling-resets-issued-at", "rolling", Part::Writer, "rolling renewal also sets issued_at = now"),
    (M::RollingDueLessOrEqual, "rolling-due-less-or-equal", "rolling", Part::Writer, "rolling renewal due when expires_at - now <= M / 2"),
    (M::RollingHalfNotInteger, "rolling-half-not-integer", "rolling", Part::Writer, "M / 2 not integer division (compared as 2 × left < M)"),
    (M::ResealExtendsExpiry, "reseal-extends-expiry", "reseal", Part::Writer, "a re-seal by the first pair sets expires_at = now + M"),
    (M::RegenerateRenews, "regenerate-renews", "id", Part::Writer, "regenerate_id starts new lifetimes (issued_at = now, expires_at = now + M)"),
    (M::DestroyKeepsIssuedAt, "destroy-keeps-issued-at", "id", Part::Writer, "a destroyed session that gets new values keeps issued_at"),
    (M::DestroyKeepsOverride, "destroy-keeps-override", "id", Part::Writer, "destroy keeps the max-age override"),
    (M::HeaderCountsName, "header-counts-name", "header-transport", Part::Writer, "the header value's budget counts `NAME=` as a cookie's does"),
    (M::KeysUtf16Order, "keys-utf16-order", "ordering", Part::Payload, "data keys and bucket names ordered by UTF-16 code units (JavaScript, Java, C# string order)"),
    (M::FlashBucketsUnordered, "flash-buckets-unordered", "ordering", Part::Payload, "only the top level and the data keys are ordered"),
    (M::NestedMapsSorted, "nested-maps-sorted", "ordering", Part::Payload, "maps inside values must be sorted too (RFC 8949 deterministic order)"),
    (M::NanRefused, "nan-refused", "nan", Part::Payload, "NaN refused altogether"),
    (M::NegativeNanRefused, "negative-nan-refused", "nan", Part::Payload, "only the positive NaN (f9 7e00) accepted"),
    (M::TagContentChecked, "tag-content-checked", "tags", Part::Payload, "tag contents checked against the tag's registered meaning (tag 1 a number, tags 2 and 3 byte strings, tag 0 text)"),
    (M::OnlySmallTagNumbers, "only-small-tag-numbers", "tags", Part::Payload, "tag numbers above 2^32 - 1 refused (none is registered)"),
    (M::BignumPreferred, "bignum-preferred", "tags", Part::Payload, "bignums held to preferred form (more than 8 bytes, no leading zero byte)"),
    (M::DataValuesAtDepthTwo, "data-values-at-depth-2", "depth", Part::Payload, "a data value at depth 2 (the data map counted)"),
    (M::BucketArrayCounts, "bucket-array-counts", "depth", Part::Payload, "a flash message at depth 2 (the bucket's array counted)"),
];

/// The switches a model runs with: none (the rules as written) or one.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Switch(pub(super) Option<M>);

impl Switch {
    pub(super) fn on(self, m: M) -> bool {
        self.0 == Some(m)
    }
}
