//! The rule a vector exercises, computed step by step.

use super::*;

// ---------------------------------------------------------------------------
// The rule a vector exercises, computed the way the store opens (SECURITY.md,
// "Opening"), with the envelope's own internal reason for rules 3 to 9.

pub(super) fn rule_of(reject: Reject) -> &'static str {
    match reject {
        Reject::TooLong => "too-long",
        Reject::Base64 => "base64",
        Reject::Truncated => "truncated",
        Reject::Version => "version",
        Reject::Algorithm => "algorithm",
        Reject::UnknownKey => "unknown-key",
        Reject::ChunkCount | Reject::MissingChunks => "chunk-count",
        Reject::Tag => "tag",
        Reject::Payload => "payload",
        Reject::FromFuture => "issued-in-future",
    }
}

pub(super) fn cookie_header(v: &Vector) -> String {
    v.cookie_header
        .clone()
        .or_else(|| v.cookies.as_ref().map(|c| c.join("; ")))
        .expect("a vector has cookies or a cookie-header")
}

pub(super) fn diagnose(v: &Vector) -> &'static str {
    let store = store_for(&v.keys, &v.cookie_name, v.size_limit, v.clock_skew);
    let envelope = Envelope::new(&Keyring::from_config(&v.keys).unwrap(), &v.cookie_name).unwrap();
    let max = store.max_chunks();
    let mut chunks: Vec<Option<String>> = vec![None; max];
    for pair in cookie_header(v).split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let name = name.trim_matches([' ', '\t']);
        if let Some(i) = (0..max).find(|i| chunk_name(&v.cookie_name, *i) == name) {
            assert!(chunks[i].is_none(), "{}: duplicate chunk names", v.name);
            chunks[i] = Some(value.trim_matches([' ', '\t']).to_owned());
        }
    }
    let count = chunks.iter().take_while(|c| c.is_some()).count();
    if count == 0 || chunks[count..].iter().any(Option::is_some) {
        return "chunk-gap";
    }
    if chunks.iter().flatten().any(String::is_empty) {
        return "empty-chunk";
    }
    let text: String = chunks.into_iter().flatten().collect();
    let max_text = max * MAX_COOKIE_LEN;
    if text.len() > max_text {
        return "too-long";
    }
    let opened = match envelope.open(&text, count, max_text) {
        Ok(opened) => opened,
        Err(reject) => return rule_of(reject),
    };
    let Ok(p) = crate::payload::Payload::decode(&opened.payload) else {
        return "payload";
    };
    let skew = v.clock_skew;
    if p.issued_at > v.now.saturating_add(skew) {
        return "issued-in-future";
    }
    if v.now > p.expires_at.saturating_add(skew)
        || p.idle_deadline
            .is_some_and(|d| v.now > d.saturating_add(skew))
    {
        return "expired";
    }
    "ok"
}
