//! `inspect`: open a session cookie as a given store would, and print it.

use std::collections::BTreeMap;
use std::io::{self, Read as _, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ciborium::Value;
use sealed_session::{CookieStore, DEFAULT_MAX_AGE, LoadError};
use serde_json::{Map, Value as Json, json};

use crate::time::rfc3339;
use crate::{EXIT_NOT_OPENED, Fail, KeySource, out};

/// What a store's opening depends on, besides its keys.
pub(crate) struct Opening {
    pub(crate) name: String,
    pub(crate) size_limit: usize,
    pub(crate) clock_skew: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) not_before: Option<SystemTime>,
    pub(crate) at: SystemTime,
}

pub(crate) fn inspect(
    source: &KeySource,
    opening: &Opening,
    cookie: Option<String>,
) -> Result<u8, Fail> {
    let keyring = source.load()?;
    let primary = keyring.primary_id();
    let name = opening.name.as_str();
    // Only reads: any name the application uses can be inspected.
    let mut builder = CookieStore::builder(name, keyring)
        .allow_non_host_name()
        .with_size_limit(opening.size_limit)
        .with_clock_skew(opening.clock_skew);
    if let Some(idle) = opening.idle_timeout {
        // The store refuses an idle timeout above its max-age; max-age
        // itself is sealed in each session and does not affect opening.
        builder = builder
            .with_max_age(idle.max(DEFAULT_MAX_AGE))
            .with_idle_timeout(idle);
    }
    if let Some(not_before) = opening.not_before {
        builder = builder.with_not_before(not_before);
    }
    let store = builder.build().map_err(|e| Fail {
        code: 2,
        message: format!("the store options: {e}"),
    })?;
    let now = opening
        .at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let input = match cookie.as_deref() {
        None | Some("-") => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Fail::keys(format!("cannot read standard input: {e}")))?;
            text
        }
        Some(text) => text.to_owned(),
    };
    let header = cookie_header(&input, name);
    let session = sealed_session::__private::load_at(&store, Some(header.as_str()), now);
    let (status, code) = match session.load_error() {
        Some(LoadError::Expired) => ("expired", EXIT_NOT_OPENED),
        Some(_) => ("invalid", EXIT_NOT_OPENED),
        None if session.is_new() => ("absent", EXIT_NOT_OPENED),
        None => ("ok", 0),
    };
    if code != 0 {
        out(&format!("{}\n", json!({ "status": status })))?;
        let _ = writeln!(
            io::stderr(),
            "sealed-session: no session opened: {status} (the exact reason stays internal: no oracle)"
        );
        return Ok(code);
    }
    let key_id = session.opened_with();
    let data = sealed_session::__private::session_data(&session)
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v)))
        .collect::<Map<_, _>>();
    let flashes = sealed_session::__private::session_flashes(&session)
        .iter()
        .map(|(bucket, values)| {
            (
                bucket.clone(),
                Json::Array(values.iter().map(to_json).collect()),
            )
        })
        .collect::<Map<_, _>>();
    let report = json!({
        "status": status,
        "id": session.id().to_string(),
        "key_id": key_id.map(|id| id.to_string()),
        "primary_key": key_id == Some(primary),
        "issued_at": rfc3339(session.issued_at()),
        "expires_at": rfc3339(session.expires_at()),
        "idle_deadline": session.idle_deadline().map(rfc3339),
        "cookies": session.cookie_count(),
        "data": data,
        "flashes": flashes,
    });
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| Fail::write(format!("cannot format JSON: {e}")))?;
    out(&format!("{}\n", escape_non_printable(&text)))?;
    Ok(0)
}

/// JSON text with every control character (C0, DEL, C1) and every
/// bidirectional-formatting character written as a `\uXXXX` escape: the
/// same JSON value, but session data can no longer drive the terminal
/// (C1 `CSI` is an escape sequence on its own) or reorder what is shown.
/// `serde_json` escapes only C0, so the rest is done here; such characters
/// occur only inside JSON strings, where the escape means the same thing.
fn escape_non_printable(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi || c == '\u{2028}' || c == '\u{2029}' {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The input as a Cookie header: a `Cookie:` prefix is dropped, and a bare
/// sealed value (base64url has no `=`) becomes `NAME=value`.
pub(crate) fn cookie_header(input: &str, name: &str) -> String {
    let text = input.trim();
    let text = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("cookie:") => text.get(7..).unwrap_or(""),
        _ => text,
    };
    let text = text.trim();
    if text.contains('=') {
        text.to_owned()
    } else {
        format!("{name}={text}")
    }
}

/// A CBOR value as JSON: byte strings as `{"bytes_b64": ...}`, tags as
/// `{"tag": N, "value": ...}`, non-text map keys in their JSON text form.
fn to_json(value: &Value) -> Json {
    match value {
        Value::Integer(i) => {
            let n = i128::from(*i);
            if let Ok(n) = i64::try_from(n) {
                Json::from(n)
            } else if let Ok(n) = u64::try_from(n) {
                Json::from(n)
            } else {
                Json::String(n.to_string())
            }
        }
        Value::Bytes(b) => {
            use base64::Engine as _;
            json!({ "bytes_b64": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b) })
        }
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Text(s) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Tag(tag, inner) => json!({ "tag": tag, "value": to_json(inner) }),
        Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let map: BTreeMap<String, Json> = entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::Text(s) => s.clone(),
                        other => to_json(other).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect();
            Json::Object(map.into_iter().collect())
        }
        _ => Json::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_forms() {
        assert_eq!(cookie_header("Cookie: a=1; s=x", "s"), "a=1; s=x");
        assert_eq!(cookie_header("  abc \n", "s"), "s=abc");
        assert_eq!(cookie_header("s=abc", "s"), "s=abc");
    }

    #[test]
    fn item7_inspect_escapes_c0_c1_and_bidi_characters() {
        let value = json!({ "k\u{9b}": "a\u{1b}[2Jb\u{9b}31mc\u{7f}d\u{202e}e\u{85}" });
        let text = escape_non_printable(&serde_json::to_string_pretty(&value).unwrap());
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains(r"\u009b") && text.contains(r"\u001b") && text.contains(r"\u202e"));
        // The same JSON value.
        assert_eq!(serde_json::from_str::<Json>(&text).unwrap(), value);
    }
}
