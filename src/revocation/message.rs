//! The text form of a change, as published on the channel and as stored
//! in Redis: `v <seconds> <user>` (valid from) and `d <seconds> <id>`
//! (denied until, the id in 32 lowercase hex digits). The user comes last
//! so it may hold spaces.

use super::copy::Change;
use crate::SessionId;

/// The published text of a change.
pub(crate) fn encode(change: &Change) -> String {
    match change {
        Change::ValidFrom { user, valid_from } => format!("v {valid_from} {user}"),
        Change::Deny { id, until } => format!("d {until} {id}"),
    }
}

/// Parses a published change; `None` for text that is not one (ignored:
/// another writer on the channel must not stop the copy).
pub(crate) fn decode(text: &str) -> Option<Change> {
    let mut parts = text.splitn(3, ' ');
    let (kind, secs, key) = (parts.next()?, parts.next()?, parts.next()?);
    let secs = parse_secs(secs)?;
    match kind {
        "v" if !key.is_empty() => Some(Change::ValidFrom {
            user: key.into(),
            valid_from: secs,
        }),
        "d" => Some(Change::Deny {
            id: parse_id(key)?,
            until: secs,
        }),
        _ => None,
    }
}

/// Digits only (no sign, no space), as Redis stores them.
pub(crate) fn parse_secs(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A session id from its 32 lowercase hex digits (its `Display` form).
pub(crate) fn parse_id(text: &str) -> Option<SessionId> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut id = [0u8; 16];
    for (out, pair) in id.iter_mut().zip(bytes.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *out = (nibble(*hi)? << 4) | nibble(*lo)?;
    }
    Some(SessionId(id))
}

fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_change_reads_back_as_itself(user in "[^\\x00-\\x1f]{1,40}", secs: u64, id: [u8; 16]) {
            let v = Change::ValidFrom { user: user.into(), valid_from: secs };
            prop_assert_eq!(decode(&encode(&v)), Some(v));
            let d = Change::Deny { id: SessionId(id), until: secs };
            prop_assert_eq!(decode(&encode(&d)), Some(d));
        }

        #[test]
        fn any_text_decodes_or_is_ignored_without_panic(text in ".{0,80}") {
            let _ = decode(&text);
        }
    }

    #[test]
    fn malformed_changes_are_ignored() {
        for text in [
            "",
            "v",
            "v 12",
            "v 12 ",
            "v -1 alice",
            "v +1 alice",
            "v 99999999999999999999999 alice",
            "d 12 0011",
            "d 12 00112233445566778899AABBCCDDEEFF",
            "x 12 alice",
        ] {
            assert_eq!(decode(text), None, "{text:?}");
        }
        assert_eq!(
            decode("v 12 alice smith"),
            Some(Change::ValidFrom {
                user: "alice smith".into(),
                valid_from: 12
            })
        );
    }
}
