//! `inspect`: open a session cookie as a given store would, and print it.

use std::io::{self, Read as _, Write as _};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sealed_session::{CookieStore, DEFAULT_MAX_AGE, LoadError};
use serde_json::{Map, Value as Json, json};

use crate::payload_json::payload_to_json;
use crate::time::rfc3339_secs;
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
        .allow_large_cookie_header()
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
        // A sealed value is base64url and a header has `=`: neither names
        // a file, so an argument that does is read (`inspect cookie.txt`).
        Some(path) if Path::new(path).is_file() => std::fs::read_to_string(path)
            .map_err(|e| Fail::keys(format!("cannot read {path}: {e}")))?,
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
    let bytes = sealed_session::__private::session_state(&session);
    let payload = payload_to_json(&bytes).map_err(|e| Fail {
        code: EXIT_NOT_OPENED,
        message: format!("the opened payload cannot be shown: {e}"),
    })?;
    let time = |field: &str| {
        payload
            .get(field)
            .and_then(Json::as_u64)
            .and_then(rfc3339_secs)
            .map_or(Json::Null, Json::String)
    };
    let mut report = Map::new();
    report.insert("status".to_owned(), json!(status));
    report.insert("key_id".to_owned(), json!(key_id.map(|id| id.to_string())));
    report.insert("primary_key".to_owned(), json!(key_id == Some(primary)));
    report.insert("cookies".to_owned(), json!(session.cookie_count()));
    report.insert("issued_at".to_owned(), time("issued_at_unix"));
    report.insert("expires_at".to_owned(), time("expires_at_unix"));
    report.insert("idle_deadline".to_owned(), time("idle_deadline_unix"));
    report.extend(payload);
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
