//! What a request carried for its sessions (the `Cookie` header values and
//! the header-transport value), kept as the framework holds them: axum's
//! and actix-web's header values are reference-counted bytes, so keeping
//! them for a lazy load copies nothing, and a request whose handler never
//! uses its session pays a reference count per header, not a copy of a
//! header of several kilobytes.

use std::borrow::Cow;
use std::sync::Arc;

/// One request header value.
#[derive(Clone)]
pub(crate) enum Raw {
    /// axum/tower (`http` 1): cloning shares the request's bytes.
    #[cfg(feature = "axum")]
    Http(http::HeaderValue),
    /// actix-web (`http` 0.2): cloning shares the request's bytes.
    #[cfg(feature = "actix")]
    Actix(actix_web::http::header::HeaderValue),
    /// A copy, shared by the request's sessions (Rocket's headers borrow
    /// the request, which the session handle outlives).
    #[cfg_attr(not(any(feature = "rocket", test)), allow(dead_code))]
    Text(Arc<str>),
}

impl Raw {
    fn bytes(&self) -> &[u8] {
        match self {
            #[cfg(feature = "axum")]
            Raw::Http(value) => value.as_bytes(),
            #[cfg(feature = "actix")]
            Raw::Actix(value) => value.as_bytes(),
            Raw::Text(text) => text.as_bytes(),
        }
    }

    /// The value as the reader's text: borrowed when it is UTF-8 (cookie
    /// text is ASCII, so a real browser's header always is). Otherwise a
    /// copy with each invalid sequence replaced by U+FFFD: every ASCII
    /// byte (`;`, `=`, names, base64url) keeps its place and value, so the
    /// pairs and the store's chunks are exactly those of a byte-wise
    /// split, and a pair with such bytes in its name is never the store's
    /// (names are ASCII) nor opens with them in its value (not base64url).
    pub(crate) fn text(&self) -> Cow<'_, str> {
        let bytes = self.bytes();
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        }
    }
}

/// Every `Cookie` header value of a request, in order (HTTP/2 may send
/// several). The first is held inline: the usual request allocates nothing.
#[derive(Clone, Default)]
pub(crate) struct CookieHeaders {
    first: Option<Raw>,
    rest: Vec<Raw>,
}

impl CookieHeaders {
    /// The values in the order received.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Raw> + Clone {
        self.first.iter().chain(self.rest.iter())
    }
}

impl FromIterator<Raw> for CookieHeaders {
    fn from_iter<I: IntoIterator<Item = Raw>>(values: I) -> Self {
        let mut values = values.into_iter();
        CookieHeaders {
            first: values.next(),
            rest: values.collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> Raw {
        Raw::Text(Arc::from(String::from_utf8_lossy(bytes).as_ref()))
    }

    #[test]
    fn headers_keep_their_order_and_the_first_needs_no_vector() {
        let one: CookieHeaders = [text(b"a=1")].into_iter().collect();
        assert!(one.rest.capacity() == 0);
        let three: CookieHeaders = [text(b"a=1"), text(b"b=2"), text(b"c=3")]
            .into_iter()
            .collect();
        let got: Vec<String> = three.iter().map(|r| r.text().into_owned()).collect();
        assert_eq!(got, ["a=1", "b=2", "c=3"]);
        assert_eq!(CookieHeaders::default().iter().count(), 0);
    }

    #[test]
    fn utf8_is_borrowed() {
        let raw = text(b"a=1; b=\xc3\xa9");
        assert!(matches!(raw.text(), Cow::Borrowed("a=1; b=é")));
    }

    #[cfg(feature = "axum")]
    #[test]
    fn invalid_utf8_keeps_every_ascii_byte_in_place() {
        let raw = Raw::Http(http::HeaderValue::from_bytes(b"x\xff=\xfe1; s=ab\xc0; t=ok").unwrap());
        assert_eq!(raw.text(), "x\u{fffd}=\u{fffd}1; s=ab\u{fffd}; t=ok");
    }
}
