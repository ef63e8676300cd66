//! Arbitrary bytes that the strict pass accepts as a stored value, read as
//! many types through `Session::get`'s in-place deserializer and through
//! `ciborium`'s (which read values before): both give the same value (by
//! its encoding, so NaNs compare by their bits) or both fail, and neither
//! panics.
#![no_main]

use std::collections::BTreeMap;
use std::fmt::Debug;

use ciborium::Value;
use ciborium::tag::{Captured, Required};
use libfuzzer_sys::fuzz_target;
use sealed_session::__private;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Few {
    a: u8,
}

#[derive(Debug, Serialize, Deserialize)]
struct Newtype(String);

#[derive(Debug, Serialize, Deserialize)]
enum E {
    Unit,
    New(u64),
    Tup(u8, i8),
    Str { x: String },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Untagged {
    Int(i64),
    Text(String),
    Pt(Point),
    List(Vec<Untagged>),
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t")]
enum Internal {
    A { x: u8 },
    B { y: String },
}

#[derive(Debug, Serialize, Deserialize)]
struct Flat {
    a: u8,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Tree(Vec<Tree>);

fn cbor<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("a read value serializes");
    out
}

fn agree<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8]) {
    let mut scratch = vec![0u8; bytes.len()];
    let before: Option<T> = ciborium::de::from_reader_with_buffer(bytes, &mut scratch).ok();
    let now: Option<T> = __private::get_value(bytes);
    assert_eq!(
        before.as_ref().map(cbor),
        now.as_ref().map(cbor),
        "{}: ciborium {before:?}, get {now:?}",
        std::any::type_name::<T>()
    );
}

fuzz_target!(|data: &[u8]| {
    if !__private::value_is_valid(data) {
        return;
    }
    macro_rules! each {
        ($($t:ty),* $(,)?) => { $( agree::<$t>(data); )* };
    }
    each!(
        u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, f32, f64, bool, (), char,
        String, Option<u8>, Option<String>, Option<()>, Vec<u8>, [u8; 2], Vec<u64>,
        Vec<String>, (u8, String), BTreeMap<String, u32>, BTreeMap<i64, String>,
        BTreeMap<String, Value>, Value, Vec<Value>, serde_json::Value, Point, Few, Newtype,
        E, Vec<E>, Untagged, Internal, Flat, Tree, Result<u8, String>,
        std::time::Duration, std::net::IpAddr, Captured<Value>, Required<u64, 1>,
    );
});
