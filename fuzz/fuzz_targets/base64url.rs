//! The crate's base64url (SIMD, `base64-simd`) against the `base64` crate's
//! `URL_SAFE_NO_PAD`, which the cookie text used before: on every input the
//! two accept and refuse the same texts and give the same bytes (canonical
//! only: no padding, URL-safe alphabet, zero trailing bits, no
//! whitespace), and encode every byte string to the same text.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use sealed_session::__private;

fuzz_target!(|data: &[u8]| {
    // The input as a text to decode (cookie values are text).
    let text = String::from_utf8_lossy(data);
    let ours = __private::base64url_decode(&text);
    let reference = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok();
    assert_eq!(ours, reference, "decoding {text:?}");
    // The input as bytes to encode, and back.
    let encoded = __private::base64url_encode(data);
    assert_eq!(encoded, URL_SAFE_NO_PAD.encode(data));
    assert_eq!(__private::base64url_decode(&encoded).as_deref(), Some(data));
});
