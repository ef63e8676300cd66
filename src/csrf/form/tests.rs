use proptest::prelude::*;

use super::*;

/// Feeds `body` in pieces cut at `cuts` (offsets, any order) and ends it.
fn scan_in_pieces(kind: &BodyKind, body: &[u8], field: &str, cuts: &[usize]) -> Option<String> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(body.len());
    let mut scan = FieldScan::new(kind.clone(), field);
    let mut start = 0;
    for cut in cuts {
        match scan.push(&body[start..cut]) {
            Scan::Found(value) => return Some(value),
            Scan::Absent => return None,
            Scan::More => {}
        }
        start = cut;
    }
    match scan.finish() {
        Scan::Found(value) => Some(value),
        _ => None,
    }
}

fn form_field(kind: &BodyKind, body: &[u8], field: &str) -> Option<String> {
    scan_in_pieces(kind, body, field, &[])
}

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
        BodyKind::Multipart(b"abc".to_vec())
    );
    assert_eq!(
        body_kind(Some(
            b"multipart/form-data; charset=\"a;boundary=x\"; boundary=real"
        )),
        BodyKind::Multipart(b"real".to_vec())
    );
    assert_eq!(
        body_kind(Some(b"multipart/form-data; BOUNDARY=\"a\\\"b c\"")),
        BodyKind::Multipart(b"a\"b c".to_vec())
    );
    assert_eq!(body_kind(Some(b"multipart/form-data")), BodyKind::Other);
    assert_eq!(
        body_kind(Some(b"multipart/form-data; boundary=\"\"")),
        BodyKind::Other
    );
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
    assert_eq!(
        form_field(&kind, b"csrf_token=first&csrf_token=second", "csrf_token").as_deref(),
        Some("first")
    );
    // An undecodable value is passed on as sent (refused as malformed).
    assert_eq!(form_field(&kind, b"a=%zz&b=1", "a").as_deref(), Some("%zz"));
    assert_eq!(form_field(&kind, b"", "a"), None);
    assert_eq!(form_field(&kind, b"b=a&c=d", "a"), None);
}

const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n--X\r\n\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\nTOKEN\r\n--XyZ--\r\n";

#[test]
fn multipart() {
    let kind = BodyKind::Multipart(b"XyZ".to_vec());
    assert_eq!(
        form_field(&kind, BODY, "csrf_token").as_deref(),
        Some("TOKEN")
    );
    assert_eq!(form_field(&kind, BODY, "note").as_deref(), Some("hello"));
    assert_eq!(form_field(&kind, BODY, "missing"), None);
    assert_eq!(form_field(&kind, &BODY[..40], "csrf_token"), None);
    // Parts without headers, transport padding after a boundary.
    let bare = b"--b \t\r\n\r\nno headers\r\n--b\r\ncontent-disposition: FORM-DATA; NAME=t\r\n\r\nv\r\n--b--";
    let kind = BodyKind::Multipart(b"b".to_vec());
    assert_eq!(form_field(&kind, bare, "t").as_deref(), Some("v"));
}

#[test]
fn a_filename_never_names_the_field() {
    let kind = BodyKind::Multipart(b"b".to_vec());
    let body = b"--b\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"x; name=csrf_token\"\r\n\r\nFILE\r\n\
--b\r\nContent-Disposition: form-data; filename=\"a\\\"; name=\\\"csrf_token\"; name=\"other\"\r\n\r\nFILE2\r\n\
--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nREAL\r\n--b--\r\n";
    assert_eq!(
        form_field(&kind, body, "csrf_token").as_deref(),
        Some("REAL")
    );
    // `attachment` and other types are not form fields.
    let body = b"--b\r\nContent-Disposition: attachment; name=\"csrf_token\"\r\n\r\nX\r\n--b--";
    assert_eq!(form_field(&kind, body, "csrf_token"), None);
}

#[test]
fn latin1_part_headers_are_read() {
    let kind = BodyKind::Multipart(b"b".to_vec());
    let mut body = b"--b\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"caf\xe9.jpg\"\r\n\r\n\xff\xd8\xff\r\n".to_vec();
    body.extend_from_slice(
        b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nTOK\r\n--b--\r\n",
    );
    assert_eq!(
        form_field(&kind, &body, "csrf_token").as_deref(),
        Some("TOK")
    );
}

#[test]
fn skipped_parts_are_not_kept() {
    let kind = BodyKind::Multipart(b"boundary".to_vec());
    let mut scan = FieldScan::new(kind, "csrf_token");
    assert_eq!(
        scan.push(b"--boundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"),
        Scan::More
    );
    for _ in 0..1000 {
        assert_eq!(scan.push(&[b'x'; 1024]), Scan::More);
        let State::Multipart(m) = &scan.state else {
            unreachable!()
        };
        assert!(m.buf.len() < 1024 + 16, "{}", m.buf.len());
    }
    assert_eq!(
        scan.push(b"\r\n--boundary\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nT\r\n--boundary"),
        Scan::Found("T".into())
    );
}

/// A multipart body with `fields` in order (name, filename, content).
fn multipart_body(boundary: &str, fields: &[(String, Option<String>, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(filename) = filename {
            body.extend_from_slice(format!("; filename=\"{filename}\"").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

proptest! {
    /// However the body is cut into pieces, the scan finds what a scan of
    /// the whole body finds, and that is the first field of the name.
    #[test]
    fn pieces_do_not_change_the_answer(
        fields in prop::collection::vec(
            (prop::sample::select(vec!["csrf_token", "note", "file", "csrf"]),
             prop::option::of("[a-z;= \\\\]{0,12}"),
             prop::collection::vec(any::<u8>(), 0..64)),
            0..6),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let boundary = "----Bound4ry";
        let fields: Vec<(String, Option<String>, Vec<u8>)> = fields
            .into_iter()
            .map(|(name, filename, content)| {
                // Real clients never put the delimiter inside a part.
                let content = content.into_iter().map(|b| if b == b'-' { b'+' } else { b }).collect();
                (name.to_owned(), filename.map(|f: String| f.replace(['"', '\\'], "")), content)
            })
            .collect();
        let body = multipart_body(boundary, &fields);
        let kind = BodyKind::Multipart(boundary.as_bytes().to_vec());
        let expected = fields
            .iter()
            .find(|(name, _, _)| name == "csrf_token")
            .map(|(_, _, content)| String::from_utf8_lossy(content).into_owned());
        prop_assert_eq!(form_field(&kind, &body, "csrf_token"), expected.clone());
        prop_assert_eq!(scan_in_pieces(&kind, &body, "csrf_token", &cuts), expected);

        let pairs: Vec<String> = fields
            .iter()
            .map(|(name, _, content)| format!("{name}={}", content.iter().map(|b| format!("%{b:02X}")).collect::<String>()))
            .collect();
        let form = pairs.join("&");
        let whole = form_field(&BodyKind::UrlEncoded, form.as_bytes(), "csrf_token");
        prop_assert_eq!(scan_in_pieces(&BodyKind::UrlEncoded, form.as_bytes(), "csrf_token", &cuts), whole.clone());
        let expected = fields
            .iter()
            .find(|(name, _, _)| name == "csrf_token")
            .map(|(_, _, content)| String::from_utf8_lossy(content).into_owned());
        prop_assert_eq!(whole, expected);
    }

    /// Arbitrary bytes never panic and never make a scan keep more than
    /// it was fed.
    #[test]
    fn arbitrary_bodies(body in prop::collection::vec(any::<u8>(), 0..512), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        for kind in [BodyKind::UrlEncoded, BodyKind::Multipart(b"b".to_vec())] {
            let _ = scan_in_pieces(&kind, &body, "csrf_token", &cuts);
        }
    }
}
