//! Finding the token field in a buffered urlencoded or multipart body,
//! without interpreting anything else in it.

/// How a request body may carry the token field.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    UrlEncoded,
    Multipart(String),
    /// JSON and everything else: the token must come in the header.
    Other,
}

/// The body kind named by a `Content-Type` value.
pub(crate) fn body_kind(content_type: Option<&[u8]>) -> BodyKind {
    let Some(value) = content_type.and_then(|v| std::str::from_utf8(v).ok()) else {
        return BodyKind::Other;
    };
    let mut params = value.split(';').map(str::trim);
    let essence = params.next().unwrap_or_default();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return BodyKind::UrlEncoded;
    }
    if essence.eq_ignore_ascii_case("multipart/form-data") {
        for param in params {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("boundary")
            {
                let boundary = value.trim().trim_matches('"');
                // RFC 2046 5.1.1: 1 to 70 characters.
                if (1..=70).contains(&boundary.len()) {
                    return BodyKind::Multipart(boundary.to_owned());
                }
            }
        }
    }
    BodyKind::Other
}

/// The first value of field `name` in `body`.
pub(crate) fn form_field(kind: &BodyKind, body: &[u8], name: &str) -> Option<String> {
    match kind {
        BodyKind::UrlEncoded => urlencoded_field(body, name),
        BodyKind::Multipart(boundary) => multipart_field(body, boundary, name),
        BodyKind::Other => None,
    }
}

fn urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (pair.get(..i)?, pair.get(i + 1..)?),
            None => (pair, &[][..]),
        };
        (percent_decode(key)? == name.as_bytes())
            .then(|| percent_decode(value))?
            .and_then(|v| String::from_utf8(v).ok())
    })
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn percent_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = (*bytes.next()? as char).to_digit(16)?;
                let lo = (*bytes.next()? as char).to_digit(16)?;
                u8::try_from(hi * 16 + lo).ok()?
            }
            b => b,
        });
    }
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of the part whose `Content-Disposition` names `name` (RFC 7578).
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let mut rest = body.get(find(body, delimiter.as_bytes())? + delimiter.len()..)?;
    let next_delimiter = format!("\r\n--{boundary}");
    loop {
        // After a delimiter: `--` ends the body, CRLF starts a part.
        let part_start = rest.strip_prefix(b"\r\n")?;
        let headers_end = find(part_start, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(part_start.get(..headers_end)?).ok()?;
        let content = part_start.get(headers_end + 4..)?;
        let end = find(content, next_delimiter.as_bytes())?;
        if disposition_names(headers, name) {
            return String::from_utf8(content.get(..end)?.to_vec()).ok();
        }
        rest = content.get(end + next_delimiter.len()..)?;
    }
}

/// Whether a part's headers say `Content-Disposition: form-data; name="name"`.
fn disposition_names(headers: &str, name: &str) -> bool {
    headers.split("\r\n").any(|line| {
        let Some((header, value)) = line.split_once(':') else {
            return false;
        };
        header.trim().eq_ignore_ascii_case("content-disposition")
            && value.split(';').skip(1).any(|param| {
                param.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("name") && v.trim().trim_matches('"') == name
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            body_kind(Some(b"application/x-www-form-urlencoded")),
            BodyKind::UrlEncoded
        );
        assert_eq!(
            body_kind(Some(b"Application/X-WWW-Form-Urlencoded; charset=UTF-8")),
            BodyKind::UrlEncoded
        );
        assert_eq!(
            body_kind(Some(b"multipart/form-data; boundary=\"abc\"")),
            BodyKind::Multipart("abc".into())
        );
        assert_eq!(body_kind(Some(b"multipart/form-data")), BodyKind::Other);
        assert_eq!(body_kind(Some(b"application/json")), BodyKind::Other);
        assert_eq!(body_kind(None), BodyKind::Other);
    }

    #[test]
    fn urlencoded() {
        let kind = BodyKind::UrlEncoded;
        assert_eq!(
            form_field(&kind, b"a=1&csrf_token=x-y_z&b=2", "csrf_token").as_deref(),
            Some("x-y_z")
        );
        assert_eq!(
            form_field(&kind, b"csrf%5Ftoken=a%2Bb+c", "csrf_token").as_deref(),
            Some("a+b c")
        );
        assert_eq!(
            form_field(&kind, b"csrf_tokenx=1&csrf_token", "csrf_token").as_deref(),
            Some("")
        );
        assert_eq!(form_field(&kind, b"a=%zz&b=1", "a"), None);
        assert_eq!(form_field(&kind, b"", "a"), None);
    }

    #[test]
    fn multipart() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n--X\r\n\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\nTOKEN\r\n--XyZ--\r\n";
        let kind = BodyKind::Multipart("XyZ".into());
        assert_eq!(
            form_field(&kind, body, "csrf_token").as_deref(),
            Some("TOKEN")
        );
        assert_eq!(form_field(&kind, body, "note").as_deref(), Some("hello"));
        assert_eq!(form_field(&kind, body, "missing"), None);
        assert_eq!(form_field(&kind, &body[..40], "csrf_token"), None);
    }
}
