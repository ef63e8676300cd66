//! Finding the token field in an urlencoded or multipart body as it
//! streams in, without interpreting anything else in it and without
//! keeping the bytes of fields it is not looking for.

/// How a request body may carry the token field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    UrlEncoded,
    Multipart(Vec<u8>),
    /// JSON and everything else: the token must come in the header.
    Other,
}

/// The body kind named by a `Content-Type` value.
pub(crate) fn body_kind(content_type: Option<&[u8]>) -> BodyKind {
    let Some(value) = content_type else {
        return BodyKind::Other;
    };
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    let essence = essence.trim_ascii();
    if essence.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        return BodyKind::UrlEncoded;
    }
    if essence.eq_ignore_ascii_case(b"multipart/form-data")
        && let Some(boundary) = parameter(value, b"boundary")
        // RFC 2046 5.1.1: 1 to 70 characters, none of them a line break.
        && (1..=70).contains(&boundary.len())
        && !boundary.iter().any(|&b| b == b'\r' || b == b'\n')
    {
        return BodyKind::Multipart(boundary);
    }
    BodyKind::Other
}

/// The value of parameter `wanted` in a header value of the form
/// `type; name=token; name="quoted string"` (RFC 9110 5.6.6, RFC 2183).
/// Quoted strings are read whole, so a `;` or `name=` inside a quoted
/// filename is part of that filename; backslash escapes are undone. Works
/// on bytes: a header that is not UTF-8 (a Latin-1 filename) is read too.
fn parameter(value: &[u8], wanted: &[u8]) -> Option<Vec<u8>> {
    // The first item is the type (a token: no quotes).
    let start = value.iter().position(|&b| b == b';')? + 1;
    let mut rest = value.get(start..)?;
    loop {
        rest = rest.trim_ascii_start();
        let name_end = rest
            .iter()
            .position(|&b| b == b'=' || b == b';')
            .unwrap_or(rest.len());
        let name = rest.get(..name_end)?.trim_ascii();
        rest = rest.get(name_end..)?;
        let parsed = match rest.split_first() {
            Some((b'=', after)) => {
                let after = after.trim_ascii_start();
                if let Some(quoted) = after.strip_prefix(b"\"") {
                    let (text, used) = quoted_string(quoted);
                    rest = quoted.get(used..)?;
                    // Anything between the closing quote and the next `;`
                    // is not part of the value.
                    let skip = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
                    rest = rest.get(skip..)?;
                    text
                } else {
                    let end = after.iter().position(|&b| b == b';').unwrap_or(after.len());
                    rest = after.get(end..)?;
                    after.get(..end)?.trim_ascii().to_vec()
                }
            }
            _ => Vec::new(),
        };
        if !name.is_empty() && name.eq_ignore_ascii_case(wanted) {
            return Some(parsed);
        }
        rest = rest.strip_prefix(b";")?;
    }
}

/// The text of a quoted string whose opening quote is already consumed,
/// and how many bytes it took (through the closing quote, or everything
/// if unclosed).
fn quoted_string(input: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut bytes = input.iter().enumerate();
    while let Some((i, &b)) = bytes.next() {
        match b {
            b'"' => return (out, i + 1),
            b'\\' => match bytes.next() {
                Some((_, &escaped)) => out.push(escaped),
                None => return (out, input.len()),
            },
            b => out.push(b),
        }
    }
    (out, input.len())
}

/// The outcome of feeding body bytes to a [`FieldScan`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Not found yet: more bytes may hold it.
    More,
    /// The first field of that name, decoded (not UTF-8: replaced, so the
    /// token check calls it malformed).
    Found(String),
    /// The body cannot hold it (the multipart body ended or is broken).
    Absent,
}

/// Looks for one form field in a body fed in pieces of any size. It keeps
/// only what it needs to decide: the current urlencoded pair, or the part
/// headers and a boundary's length of a multipart body; skipped field
/// values are dropped as they pass.
#[derive(Debug)]
pub(crate) struct FieldScan {
    field: Vec<u8>,
    state: State,
}

#[derive(Debug)]
enum State {
    Url(UrlPair),
    Multipart(Multipart),
    Other,
}

impl FieldScan {
    pub(crate) fn new(kind: BodyKind, field: &str) -> Self {
        let state = match kind {
            BodyKind::UrlEncoded => State::Url(UrlPair::default()),
            BodyKind::Multipart(boundary) => State::Multipart(Multipart::new(&boundary)),
            BodyKind::Other => State::Other,
        };
        FieldScan {
            field: field.as_bytes().to_vec(),
            state,
        }
    }

    /// Feeds the next bytes of the body.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Scan {
        match &mut self.state {
            State::Url(pair) => pair.push(&self.field, chunk),
            State::Multipart(multipart) => multipart.push(&self.field, chunk),
            State::Other => Scan::Absent,
        }
    }

    /// The body ended: the field, if its last pair holds it.
    pub(crate) fn finish(&mut self) -> Scan {
        match &mut self.state {
            State::Url(pair) => pair.complete(&self.field).map_or(Scan::Absent, Scan::Found),
            State::Multipart(_) | State::Other => Scan::Absent,
        }
    }
}

/// The urlencoded pair being read.
#[derive(Debug, Default)]
struct UrlPair {
    key: Vec<u8>,
    value: Vec<u8>,
    in_value: bool,
    /// The key is complete and is not the field: its value is dropped.
    skip: bool,
}

impl UrlPair {
    fn push(&mut self, field: &[u8], chunk: &[u8]) -> Scan {
        for &b in chunk {
            match b {
                b'&' => {
                    if let Some(value) = self.complete(field) {
                        return Scan::Found(value);
                    }
                }
                b'=' if !self.in_value => {
                    self.in_value = true;
                    self.skip = percent_decode(&self.key).as_deref() != Some(field);
                    self.key.clear();
                }
                _ if self.in_value => {
                    if !self.skip {
                        self.value.push(b);
                    }
                }
                _ => self.key.push(b),
            }
        }
        Scan::More
    }

    /// Ends the pair: its value if it is the field.
    fn complete(&mut self, field: &[u8]) -> Option<String> {
        let matched = if self.in_value {
            !self.skip
        } else {
            percent_decode(&self.key).as_deref() == Some(field)
        };
        let value = std::mem::take(&mut self.value);
        *self = UrlPair::default();
        matched.then(|| {
            // An undecodable value stays as sent: the token check calls it
            // malformed rather than missing.
            let decoded = percent_decode(&value).unwrap_or(value);
            String::from_utf8_lossy(&decoded).into_owned()
        })
    }
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

/// A multipart/form-data body (RFC 7578, RFC 2046 5.1.1) being read.
#[derive(Debug)]
struct Multipart {
    /// `CRLF--boundary`: what ends a part's content.
    delimiter: Vec<u8>,
    /// Bytes not decided yet.
    buf: Vec<u8>,
    /// Where in `buf` the next search starts (what is before was searched).
    from: usize,
    part: Part,
}

#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// Before the first `--boundary`.
    Preamble,
    /// Just after a boundary: `--` ends the body, CRLF starts a part.
    Delimiter,
    Headers,
    /// A part's content; `true` for the wanted field.
    Content(bool),
    Done,
}

impl Multipart {
    fn new(boundary: &[u8]) -> Self {
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary);
        Multipart {
            delimiter,
            buf: Vec::new(),
            from: 0,
            part: Part::Preamble,
        }
    }

    /// Drops the first `n` bytes of the buffer.
    fn consume(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
        self.from = 0;
    }

    /// Searches `needle` from `self.from`; when absent, remembers where the
    /// next search must start so no byte is searched twice.
    fn search(&mut self, needle: &[u8]) -> Option<usize> {
        let found = self
            .buf
            .get(self.from..)
            .and_then(|rest| find(rest, needle))
            .map(|i| i + self.from);
        if found.is_none() {
            self.from = self
                .buf
                .len()
                .saturating_sub(needle.len().saturating_sub(1));
        }
        found
    }

    fn push(&mut self, field: &[u8], chunk: &[u8]) -> Scan {
        self.buf.extend_from_slice(chunk);
        loop {
            match self.part {
                Part::Preamble => {
                    let dashes = self.delimiter.get(2..).unwrap_or_default().to_vec();
                    match self.search(&dashes) {
                        Some(i) => {
                            self.consume(i + dashes.len());
                            self.part = Part::Delimiter;
                        }
                        None => return self.drop_searched(),
                    }
                }
                Part::Delimiter => {
                    // Transport padding (spaces, tabs) may follow a boundary.
                    let padding = self
                        .buf
                        .iter()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                    match self.buf.get(padding..padding + 2) {
                        None => return Scan::More,
                        Some(b"\r\n") => {
                            self.consume(padding + 2);
                            self.part = Part::Headers;
                        }
                        // `--`: the last part ended; anything else is broken.
                        Some(_) => {
                            self.part = Part::Done;
                            self.buf = Vec::new();
                            return Scan::Absent;
                        }
                    }
                }
                Part::Headers => {
                    // A part without headers starts with the empty line.
                    let end = if self.buf.starts_with(b"\r\n") {
                        Some((0, 2))
                    } else if self.buf.len() < 2 {
                        return Scan::More;
                    } else {
                        self.search(b"\r\n\r\n").map(|i| (i, 4))
                    };
                    let Some((end, skip)) = end else {
                        return Scan::More;
                    };
                    let wanted = self
                        .buf
                        .get(..end)
                        .and_then(disposition_name)
                        .is_some_and(|name| name == field);
                    self.consume(end + skip);
                    self.part = Part::Content(wanted);
                }
                Part::Content(wanted) => {
                    let delimiter = std::mem::take(&mut self.delimiter);
                    let found = self.search(&delimiter);
                    self.delimiter = delimiter;
                    match (found, wanted) {
                        (Some(end), true) => {
                            let value = self.buf.get(..end).unwrap_or_default();
                            let value = String::from_utf8_lossy(value).into_owned();
                            self.part = Part::Done;
                            self.buf = Vec::new();
                            return Scan::Found(value);
                        }
                        (Some(end), false) => {
                            self.consume(end + self.delimiter.len());
                            self.part = Part::Delimiter;
                        }
                        (None, true) => return Scan::More,
                        (None, false) => return self.drop_searched(),
                    }
                }
                Part::Done => return Scan::Absent,
            }
        }
    }

    /// Drops what was searched in vain (a skipped part's content, the
    /// preamble), keeping the tail a delimiter may start in.
    fn drop_searched(&mut self) -> Scan {
        let from = self.from;
        self.consume(from);
        Scan::More
    }
}

/// The `name` parameter of a part's `Content-Disposition: form-data`
/// header, from its raw header block.
fn disposition_name(headers: &[u8]) -> Option<Vec<u8>> {
    headers.split(|&b| b == b'\n').find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        let (header, value) = (line.get(..colon)?, line.get(colon + 1..)?);
        if !header
            .trim_ascii()
            .eq_ignore_ascii_case(b"content-disposition")
        {
            return None;
        }
        let kind = value.split(|&b| b == b';').next()?.trim_ascii();
        if !kind.eq_ignore_ascii_case(b"form-data") {
            return None;
        }
        parameter(value, b"name")
    })
}

#[cfg(test)]
mod tests;
