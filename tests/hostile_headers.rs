//! Attacks on the shape of the `Cookie` header, one named test each: the
//! base64 text in another form (padding, the standard alphabet,
//! whitespace, non-canonical trailing bits, percent-encoding), headers of
//! hostile size (one MiB, ten thousand cookies, 255 chunks), and NUL bytes
//! and non-ASCII text in names and values. Each yields a fresh session
//! (`LoadError::Invalid`) or the user's own, never another session;
//! `tests/adversarial.rs` holds the attacks on the envelope and its keys.
// Test code: the helpers below are as free to unwrap and index as the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod adversarial_support;

use adversarial_support::*;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use sealed_session::{__private, Algorithm, CookieStore};

/// A cookie of `s` whose value's binary length is not a multiple of 3 and
/// contains both `-` and `_` (so padding and the standard alphabet differ).
fn awkward_cookie(s: &CookieStore) -> String {
    (0..400)
        .map(|n| save_at(s, NOW, "alice", n).remove(0))
        .find(|c| {
            let v = value(c);
            !raw(v).len().is_multiple_of(3) && v.contains('-') && v.contains('_')
        })
        .unwrap()
}

#[test]
fn base64_with_padding() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let padded = URL_SAFE.encode(raw(value(&cookie)));
    assert!(padded.ends_with('='));
    assert_invalid(&s, &format!("s={padded}"));
    assert_eq!(reason(&s, &padded, 1), "not canonical base64url");
}

#[test]
fn base64_with_the_standard_alphabet() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    for text in [
        STANDARD_NO_PAD.encode(raw(value(&cookie))),
        STANDARD.encode(raw(value(&cookie))),
    ] {
        assert!(text.contains('+') && text.contains('/'));
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
}

#[test]
fn base64_with_whitespace() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let v = value(&cookie);
    let mid = v.len() / 2;
    for ws in [" ", "\t", "\n", "\r\n", "\u{a0}", "\u{2028}"] {
        let inside = format!("{}{ws}{}", &v[..mid], &v[mid..]);
        assert_invalid(&s, &format!("s={inside}"));
        assert_eq!(reason(&s, &inside, 1), "not canonical base64url");
    }
    // Cookie OWS (RFC 6265 §5.2: spaces and tabs around the value) is not
    // part of the value; any other whitespace is.
    assert_opens(&s, &format!("s= \t{v} \t"), "alice");
    for ws in ["\n", "\r", "\u{a0}", "\u{b}"] {
        assert_invalid(&s, &format!("s={v}{ws}"));
        assert_invalid(&s, &format!("s={ws}{v}"));
    }
}

#[test]
fn base64_with_non_canonical_trailing_bits() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let v = value(&cookie);
    let unused_bits = match raw(v).len() % 3 {
        1 => 4,
        2 => 2,
        _ => unreachable!(),
    };
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = ALPHABET
        .iter()
        .position(|c| *c == *v.as_bytes().last().unwrap())
        .unwrap();
    // Every other value of the unused low bits decodes to the same bytes.
    for low in 1..(1usize << unused_bits) {
        let sextet = last ^ low;
        let text = format!("{}{}", &v[..v.len() - 1], char::from(ALPHABET[sextet]));
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
}

#[test]
fn percent_encoded_values() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = awkward_cookie(&s);
    let v = value(&cookie);
    let every = v.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let dashes = v.replace('-', "%2D").replace('_', "%5F");
    let first = format!("%{:02x}{}", v.as_bytes()[0], &v[1..]);
    for text in [every, dashes, first] {
        assert_invalid(&s, &format!("s={text}"));
        assert_eq!(reason(&s, &text, 1), "not canonical base64url");
    }
    // A percent-encoded name is another cookie: ignored, the real one opens.
    assert_opens(&s, &format!("%73={v}; {cookie}"), "alice");
}

#[test]
fn one_mib_header() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let junk = "x".repeat(1 << 20);
    // One huge value under our name: refused by its length, before decoding.
    assert_invalid(&s, &format!("s={junk}"));
    assert_eq!(reason(&s, &junk, 1), "too long");
    // One huge foreign cookie around ours: ignored.
    assert_opens(&s, &format!("big={junk}; {cookie}; other={junk}"), "alice");
    // 1 MiB of separators and bare names.
    assert_invalid(
        &s,
        &format!("{};s={}", ";".repeat(1 << 20), "A".repeat(1 << 19)),
    );
    assert_opens(&s, &format!("{}{cookie}", "s;".repeat(1 << 19)), "alice");
}

#[test]
fn ten_thousand_cookies_in_one_header() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookies = save_at(&s, NOW, "alice", 3500);
    let many = (0..10_000)
        .map(|i| format!("c{i}=v{i}"))
        .collect::<Vec<_>>()
        .join("; ");
    assert_opens(&s, &format!("{many}; {}", cookies.join("; ")), "alice");
    // 10,000 forged copies of our own chunk names.
    let forged = (0..10_000).map(|i| format!("s{}=AAAA{i}", if i % 2 == 0 { "" } else { ".1" }));
    assert_invalid(&s, &forged.collect::<Vec<_>>().join("; "));
    // 10,000 copies of the real chunks: first and last are both the real ones.
    let copies = std::iter::repeat_n(cookies.join("; "), 5_000)
        .collect::<Vec<_>>()
        .join("; ");
    assert_opens(&s, &copies, "alice");
    // 10,000 header fields (HTTP/2 sends one per cookie).
    let fields: Vec<String> = (0..10_000)
        .map(|i| format!("c{i}=v"))
        .chain(cookies)
        .collect();
    let session = __private::load_at(&s, &fields, NOW);
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("alice")
    );
}

#[test]
fn chunk_count_255() {
    // A budget of 255 chunks: the most the one-byte count can express.
    let s = builder("s", Algorithm::Xaes256Gcm)
        .with_size_limit(255 * 4090)
        .allow_large_cookie_header()
        .build()
        .unwrap();
    assert_eq!(s.max_chunks(), 255);
    let payload = payload(NOW, NOW + 10, 1000);
    let text = __private::seal_payload(&s, &payload, 255).unwrap();
    assert_eq!(raw(&text)[6], 255);
    // Presented as one cookie, or any fewer chunks: refused by the count.
    assert_invalid(&s, &format!("s={text}"));
    assert_eq!(reason(&s, &text, 1), "chunk count mismatch");
    // Split into 255 non-empty chunks, it opens.
    let size = text.len().div_ceil(255);
    assert!(text.len() >= 255);
    let pieces: Vec<&str> = (0..255)
        .map(|i| &text[(i * text.len() / 255)..((i + 1) * text.len() / 255)])
        .collect();
    assert!(pieces.iter().all(|p| !p.is_empty()) && size > 0);
    let header = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i == 0 {
                format!("s={p}")
            } else {
                format!("s.{i}={p}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let session = load(&s, &header);
    assert_eq!(session.load_error(), None);
    assert_eq!(session.cookie_count(), 255);
    // There is no chunk 255 (indices stop at 254): `s.255` is another cookie.
    let extra = load(&s, &format!("{header}; s.255=AAAA"));
    assert_eq!((extra.load_error(), extra.cookie_count()), (None, 255));
    // Dropping any one chunk, or an empty one, is refused.
    for drop in [0, 1, 127, 254] {
        let fewer: Vec<&str> = header
            .split("; ")
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, c)| c)
            .collect();
        assert_invalid(&s, &fewer.join("; "));
    }
    // A real session spanning the whole budget round-trips.
    let mut session = __private::load_at(&s, None::<&str>, NOW);
    let big: String = (0..700_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    session.insert("big", &big).unwrap();
    let cookies = pairs(&__private::save_at(&s, &mut session, NOW).unwrap());
    assert!(cookies.len() > 200, "{}", cookies.len());
    let loaded = load(&s, &cookies.join("; "));
    assert_eq!(
        loaded.get::<String>("big").unwrap().as_deref(),
        Some(big.as_str())
    );
}

#[test]
fn nul_bytes_and_non_ascii_in_names_and_values() {
    let s = store(Algorithm::Xaes256Gcm);
    let cookie = save_at(&s, NOW, "alice", 10).remove(0);
    let v = value(&cookie);
    // Look-alike names are other cookies: ignored around the real one.
    for name in [
        "s\0",
        "\0s",
        "s\u{301}",
        "ſ",
        "Ｓ",
        "s\u{200b}",
        "s.\u{0}1",
        "s.١",
    ] {
        assert_opens(&s, &format!("{name}={v}x; {cookie}"), "alice");
        // Alone, it is not our cookie at all: a fresh session, no error.
        let alone = load(&s, &format!("{name}={v}"));
        assert!(alone.is_new() && alone.load_error().is_none(), "{name:?}");
    }
    // Our name with a damaged value.
    for bad in [
        format!("{v}\0"),
        format!("\0{v}"),
        format!("{}\0{}", &v[..10], &v[10..]),
        format!("{v}é"),
        format!("é{v}"),
        v.replacen('A', "Å", 1),
        format!("{v}\u{fffd}"),
    ] {
        assert_invalid(&s, &format!("s={bad}"));
    }
    // Non-ASCII values and names are stored and returned intact.
    let mut session = __private::load_at(&s, None::<&str>, NOW);
    session.insert("nöm\0", "välue\0✓").unwrap();
    let cookie = pairs(&__private::save_at(&s, &mut session, NOW).unwrap()).remove(0);
    assert!(cookie.is_ascii());
    let loaded = load(&s, &cookie);
    assert_eq!(
        loaded.get::<String>("nöm\0").unwrap().as_deref(),
        Some("välue\0✓")
    );
}
