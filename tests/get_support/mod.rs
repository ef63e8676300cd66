//! What `tests/get_differential.rs` and `tests/get_corners.rs` share: the
//! target types an application might read a value as, and the two reads
//! compared (ciborium's, which `Session::get` used before, and the in-place
//! one it uses now).
#![allow(dead_code, clippy::unwrap_used)]

use std::fmt::Debug;

use ciborium::Value;
use ciborium::value::Integer;
use sealed_session::__private::get_value;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: i32,
    pub y: Option<String>,
}

/// Fewer fields than most maps: the others are skipped (`ignored_any`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Few {
    pub a: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strict {
    pub a: u8,
    pub b: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Newtype(pub String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TupleStruct(pub u8, pub String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitStruct;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum E {
    Unit,
    New(u64),
    Tup(u8, i8),
    Str { x: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Untagged {
    Int(i64),
    Text(String),
    Bytes(serde_bytes::ByteBuf),
    Pt(Point),
    List(Vec<Untagged>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Internal {
    A { x: u8 },
    B { y: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
pub enum Adjacent {
    A(u8),
    B(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flat {
    pub a: u8,
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

/// A recursive type that reads a container per level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree(pub Vec<Tree>);

/// A recursive type whose levels read no byte until a `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain(pub Option<Box<Chain>>);

pub fn cbor<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

/// The read before: ciborium with a scratch at least as long as the value.
pub fn ciborium_read<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let mut scratch = vec![0u8; bytes.len()];
    ciborium::de::from_reader_with_buffer(bytes, &mut scratch).ok()
}

/// Both reads of `bytes` as `T`: the same value (compared by its CBOR
/// encoding, so NaNs and signed zeros compare by their bits) or both `None`.
pub fn agree<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8]) -> Result<Option<T>, String> {
    let before = ciborium_read::<T>(bytes);
    let now = get_value::<T>(bytes);
    if before.as_ref().map(cbor) != now.as_ref().map(cbor) {
        return Err(format!(
            "{} from {}: ciborium {before:?}, get {now:?}",
            std::any::type_name::<T>(),
            hex::encode(bytes)
        ));
    }
    Ok(now)
}

/// [`agree`] over every target type; how many read as something.
/// Each integer type's bounds and their neighbours.
pub fn bounds() -> Vec<i128> {
    [
        i128::from(i8::MIN),
        i128::from(i8::MAX),
        i128::from(u8::MAX),
        i128::from(i16::MIN),
        i128::from(i16::MAX),
        i128::from(u16::MAX),
        i128::from(i32::MIN),
        i128::from(i32::MAX),
        i128::from(u32::MAX),
        i128::from(i64::MIN),
        i128::from(i64::MAX),
        i128::from(u64::MAX),
        -1 - i128::from(u64::MAX),
    ]
    .iter()
    .flat_map(|&b| [b - 1, b, b + 1])
    .filter(|&b| Integer::try_from(b).is_ok())
    .collect()
}
