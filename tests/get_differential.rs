//! `Session::get` reads a stored value in place (`src/payload/de.rs`), with
//! the semantics of `ciborium`'s deserializer, which read values before:
//! for every value the strict pass accepts and every type an application
//! might ask for, both give the same value or both fail.
//!
//! Values come from three generators: random `ciborium::Value` trees and
//! typed values serialized by ciborium (the encoder's own output), and
//! random CBOR items built head by head (any width, simple value, tag or
//! float encoding), each kept only if the strict pass accepts it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // Heads are built from their argument's low bytes on purpose.
    clippy::cast_possible_truncation
)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::net::IpAddr;
use std::time::Duration;

use ciborium::Value;
use ciborium::tag::{Accepted, Captured, Required};
use ciborium::value::Integer;
use proptest::prelude::*;
use sealed_session::__private::{get_value, value_is_valid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: Option<String>,
}

/// Fewer fields than most maps: the others are skipped (`ignored_any`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Few {
    a: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: u8,
    b: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Newtype(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TupleStruct(u8, String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct UnitStruct;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum E {
    Unit,
    New(u64),
    Tup(u8, i8),
    Str { x: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Untagged {
    Int(i64),
    Text(String),
    Bytes(serde_bytes::ByteBuf),
    Pt(Point),
    List(Vec<Untagged>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t")]
enum Internal {
    A { x: u8 },
    B { y: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    A(u8),
    B(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Flat {
    a: u8,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

/// A recursive type that reads a container per level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tree(Vec<Tree>);

/// A recursive type whose levels read no byte until a `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Chain(Option<Box<Chain>>);

fn cbor<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

/// The read before: ciborium with a scratch at least as long as the value.
fn ciborium_read<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let mut scratch = vec![0u8; bytes.len()];
    ciborium::de::from_reader_with_buffer(bytes, &mut scratch).ok()
}

/// Both reads of `bytes` as `T`: the same value (compared by its CBOR
/// encoding, so NaNs and signed zeros compare by their bits) or both `None`.
fn agree<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8]) -> Result<Option<T>, String> {
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
fn agree_all(bytes: &[u8]) -> Result<usize, String> {
    let mut ok = 0;
    macro_rules! each {
        ($($t:ty),* $(,)?) => {
            $( ok += usize::from(agree::<$t>(bytes)?.is_some()); )*
        };
    }
    each!(
        u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, f32, f64, bool, (), char,
        String, Box<str>, std::path::PathBuf,
        Option<u8>, Option<String>, Option<()>, Option<Option<bool>>,
        serde_bytes::ByteBuf, Vec<u8>, [u8; 2], Box<[u8]>,
        Vec<u64>, Vec<String>, Vec<Option<i16>>, Vec<Value>, Vec<E>,
        (u8, String), (i64, i64, i64),
        BTreeMap<String, u32>, BTreeMap<i64, String>, BTreeMap<String, Value>,
        serde_json::Value, Vec<serde_json::Value>, Value,
        Point, Few, Strict, Newtype, TupleStruct, UnitStruct, E, Untagged, Internal,
        Adjacent, Flat, Tree, Option<Point>,
        Result<u8, String>, IpAddr, Duration,
        Captured<Value>, Captured<u64>, Required<u64, 1>, Required<Value, 55799>,
        Accepted<String, 32>,
    );
    Ok(ok)
}

// ---- generators ----

/// Texts, mostly the field, variant and tag names of the types above.
fn text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => prop::sample::select(vec![
            "a", "b", "x", "y", "t", "c", "Unit", "New", "Tup", "Str", "A", "B", "Ok", "Err",
            "V4", "V6", "secs", "nanos", "@@TAGGED@@", "@@UNTAGGED@@", "", "é", "ab",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,6}",
    ]
}

/// Each integer type's bounds and their neighbours.
fn bounds() -> Vec<i128> {
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

fn integer() -> impl Strategy<Value = Integer> + Clone {
    prop_oneof![
        3 => prop::sample::select(bounds()).prop_map(|b| Integer::try_from(b).unwrap()),
        1 => (-30i64..30).prop_map(Integer::from),
        1 => any::<u8>().prop_map(Integer::from),
        1 => any::<u64>().prop_map(Integer::from),
        1 => any::<i64>().prop_map(Integer::from),
        1 => any::<u64>().prop_map(|n| Integer::try_from(-1 - i128::from(n)).unwrap()),
    ]
}

fn float() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        any::<f64>(),
        any::<f32>().prop_map(f64::from),
        prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            1.5,
            -2.5,
            65504.0,
            1e-7,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::from(f32::MAX),
            f64::MAX,
        ]),
    ]
}

fn tag_number() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![
        prop::sample::select(vec![0u64, 1, 2, 3, 32, 55799]),
        any::<u64>(),
    ]
}

/// Random value trees, as ciborium writes them.
fn value_tree() -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        integer().prop_map(Value::Integer),
        float().prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        text().prop_map(Value::Text),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Bytes),
        // Bignums, some too long to fit, some with leading zeros.
        (
            prop::sample::select(vec![2u64, 3]),
            prop::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..20)
        )
            .prop_map(|(t, b)| Value::Tag(t, Box::new(Value::Bytes(b)))),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![3 => text().prop_map(Value::Text), 1 => inner.clone()],
                    inner.clone()
                ),
                0..5
            )
            .prop_map(Value::Map),
            (tag_number(), inner).prop_map(|(t, v)| Value::Tag(t, Box::new(v))),
        ]
    })
}

/// A head of major type `major` with argument `arg`: the preferred width
/// mostly, any width sometimes.
fn head(major: u8, arg: u64, width: u8) -> Vec<u8> {
    let preferred = match arg {
        0..24 => 0,
        24..=0xff => 1,
        0x100..=0xffff => 2,
        0x1_0000..=0xffff_ffff => 3,
        _ => 4,
    };
    let w = if width < 200 { preferred } else { width % 5 };
    let m = major << 5;
    match w.max(preferred) {
        0 => vec![m | arg as u8],
        1 => vec![m | 24, arg as u8],
        2 => [&[m | 25][..], &(arg as u16).to_be_bytes()].concat(),
        3 => [&[m | 26][..], &(arg as u32).to_be_bytes()].concat(),
        _ => [&[m | 27][..], &arg.to_be_bytes()].concat(),
    }
}

/// Random CBOR items built head by head.
fn raw_item() -> impl Strategy<Value = Vec<u8>> + Clone {
    let arg = prop_oneof![
        0u64..30,
        prop::sample::select(vec![
            255u64,
            256,
            65535,
            65536,
            u64::from(u32::MAX),
            1 << 32,
            i64::MAX as u64,
            1 << 63,
            u64::MAX
        ]),
        any::<u64>(),
    ];
    let leaf = prop_oneof![
        (0u8..2, arg, any::<u8>()).prop_map(|(major, arg, w)| head(major, arg, w)),
        (prop::collection::vec(any::<u8>(), 0..12), any::<u8>()).prop_map(|(b, w)| [
            head(2, b.len() as u64, w),
            b
        ]
        .concat()),
        (text(), any::<u8>())
            .prop_map(|(t, w)| [head(3, t.len() as u64, w), t.into_bytes()].concat()),
        // Invalid UTF-8 now and then.
        (prop::collection::vec(any::<u8>(), 0..6), any::<u8>()).prop_map(|(b, w)| [
            head(3, b.len() as u64, w),
            b
        ]
        .concat()),
        prop::sample::select(vec![0xf4u8, 0xf5, 0xf6, 0xf7, 0xff]).prop_map(|b| vec![b]),
        any::<u8>().prop_map(|v| vec![0xf8, v]),
        any::<[u8; 2]>().prop_map(|b| [&[0xf9][..], &b].concat()),
        prop::sample::select(vec![
            [0x7eu8, 0x00],
            [0xfe, 0x00],
            [0x7c, 0x00],
            [0x3c, 0x00]
        ])
        .prop_map(|b| [&[0xf9][..], &b].concat()),
        any::<[u8; 4]>().prop_map(|b| [&[0xfa][..], &b].concat()),
        any::<[u8; 8]>().prop_map(|b| [&[0xfb][..], &b].concat()),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..5), any::<u8>()).prop_map(|(items, w)| [
                head(4, items.len() as u64, w),
                items.concat()
            ]
            .concat()),
            (
                prop::collection::vec((inner.clone(), inner.clone()), 0..4),
                any::<u8>()
            )
                .prop_map(|(entries, w)| {
                    let mut out = head(5, entries.len() as u64, w);
                    for (k, v) in entries {
                        out.extend(k);
                        out.extend(v);
                    }
                    out
                }),
            (tag_number(), inner, any::<u8>())
                .prop_map(|(t, item, w)| [head(6, t, w), item].concat()),
        ]
    })
}

/// Typed values of the target types, as ciborium serializes them.
fn typed() -> impl Strategy<Value = Vec<u8>> + Clone {
    let point = (any::<i32>(), prop::option::of(text())).prop_map(|(x, y)| Point { x, y });
    let e = prop_oneof![
        Just(E::Unit),
        any::<u64>().prop_map(E::New),
        (any::<u8>(), any::<i8>()).prop_map(|(a, b)| E::Tup(a, b)),
        text().prop_map(|x| E::Str { x }),
    ];
    prop_oneof![
        point.clone().prop_map(|p| cbor(&p)),
        e.clone().prop_map(|e| cbor(&e)),
        prop::collection::vec(e, 0..4).prop_map(|v| cbor(&v)),
        (any::<u8>(), any::<bool>()).prop_map(|(a, b)| cbor(&Strict { a, b })),
        (any::<u8>(), text()).prop_map(|(a, s)| cbor(&TupleStruct(a, s))),
        prop_oneof![
            any::<u8>().prop_map(|x| cbor(&Internal::A { x })),
            text().prop_map(|y| cbor(&Internal::B { y })),
            any::<u8>().prop_map(|x| cbor(&Adjacent::A(x))),
            text().prop_map(|y| cbor(&Adjacent::B(y))),
        ],
        (
            any::<u8>(),
            prop::collection::btree_map(text(), value_tree(), 0..3)
        )
            .prop_map(|(a, rest)| cbor(&Flat { a, rest })),
        (any::<u128>(), any::<i128>()).prop_map(|v| cbor(&v)),
        any::<char>().prop_map(|c| cbor(&c)),
        any::<f32>().prop_map(|f| cbor(&f)),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| cbor(&Duration::new(s, n))),
        any::<[u8; 16]>().prop_map(|b| cbor(&IpAddr::from(b))),
        (tag_number(), value_tree()).prop_map(|(t, v)| cbor(&Captured(Some(t), v))),
        any::<u64>().prop_map(|v| cbor(&Required::<u64, 1>(v))),
        point.prop_map(|p| cbor(&Untagged::Pt(p))),
    ]
}

fn any_value() -> impl Strategy<Value = Vec<u8>> + Clone {
    prop_oneof![
        2 => value_tree().prop_map(|v| cbor(&v)),
        2 => raw_item(),
        1 => typed(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn get_reads_every_valid_value_as_ciborium_did(bytes in any_value()) {
        if value_is_valid(&bytes) {
            agree_all(&bytes).map_err(TestCaseError::fail)?;
        }
    }
}

/// The generators reach values of both kinds: accepted ones that many
/// types read, and rejected ones (so the filter is not vacuous).
#[test]
fn the_generators_reach_accepted_and_refused_values() {
    use proptest::strategy::ValueTree as _;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut valid, mut read) = (0, 0);
    for _ in 0..500 {
        let bytes = any_value().new_tree(&mut runner).unwrap().current();
        if value_is_valid(&bytes) {
            valid += 1;
            read += agree_all(&bytes).unwrap();
        }
    }
    assert!((250..500).contains(&valid), "{valid} of 500 valid");
    assert!(read > valid, "{read} reads of {valid} values");
}

// ---- each corner, by hand ----

/// Both reads of the valid value `hex`, which must agree; the value.
fn read<T: DeserializeOwned + Serialize + Debug>(hex: &str) -> Option<T> {
    let bytes = hex::decode(hex).unwrap();
    assert!(value_is_valid(&bytes), "{hex} is not a valid value");
    agree::<T>(&bytes).unwrap()
}

fn hex_of<T: Serialize>(value: &T) -> String {
    hex::encode(cbor(value))
}

#[test]
fn integers_of_every_width_read_within_their_range_only() {
    for b in bounds() {
        let hex = hex_of(&Value::Integer(Integer::try_from(b).unwrap()));
        macro_rules! each {
            ($($t:ty),*) => {$(
                assert_eq!(read::<$t>(&hex), <$t>::try_from(b).ok(), "{b} as {}", stringify!($t));
            )*};
        }
        each!(u8, u16, u32, u64, u128, i8, i16, i32, i64, i128);
    }
}

#[test]
fn bignums_read_as_integers_up_to_128_bits() {
    assert_eq!(read::<u128>(&hex_of(&u128::MAX)), Some(u128::MAX));
    assert_eq!(read::<i128>(&hex_of(&i128::MIN)), Some(i128::MIN));
    assert_eq!(read::<u64>("c24101"), Some(1));
    assert_eq!(read::<i8>("c34100"), Some(-1));
    // Leading zeros do not count; a 17th significant byte does.
    let ones = "ff".repeat(16);
    assert_eq!(read::<u128>(&format!("c25100{ones}")), Some(u128::MAX));
    assert_eq!(read::<u128>(&format!("c25101{ones}")), None);
    assert_eq!(read::<i128>(&format!("c350{ones}")), None);
    // Past 16 declared bytes, `any` sees a tag, not a number.
    assert_eq!(
        read::<Value>(&format!("c25100{ones}")),
        Some(Value::Tag(
            2,
            Box::new(Value::Bytes([vec![0], vec![0xff; 16]].concat()))
        ))
    );
    assert_eq!(read::<serde_json::Value>(&hex_of(&u128::MAX)), None);
    assert_eq!(read::<u8>("c2f6"), None);
}

#[test]
fn floats_read_from_every_width_and_never_from_integers() {
    assert_eq!(read::<f32>("f93e00"), Some(1.5));
    assert_eq!(read::<f64>("f93e00"), Some(1.5));
    assert_eq!(read::<f64>("fa47c35000"), Some(100_000.0));
    assert_eq!(read::<f32>("fb3ff199999999999a"), Some(1.1));
    assert!(read::<f64>("f97e00").unwrap().is_nan());
    assert_eq!(read::<f64>("01"), None);
    assert_eq!(read::<u8>("f93c00"), None);
    assert_eq!(read::<f64>("c1f93c00"), Some(1.0));
}

#[test]
fn bool_unit_and_option_read_as_ciborium_reads_them() {
    assert_eq!(read::<bool>("f5"), Some(true));
    assert_eq!(read::<bool>("01"), None);
    assert_eq!(read::<()>("f6"), Some(()));
    assert_eq!(read::<UnitStruct>("f6"), Some(UnitStruct));
    assert_eq!(read::<Option<u8>>("f6"), Some(None));
    assert_eq!(read::<Option<u8>>("05"), Some(Some(5)));
    assert_eq!(read::<Option<()>>("f6"), Some(None));
    // A tag before `null` is not skipped by the option: it reads as `Some`.
    assert_eq!(read::<Option<u8>>("c1f6"), None);
    assert_eq!(read::<Option<()>>("c1f6"), Some(Some(())));
}

#[test]
fn chars_and_strings_are_read_from_text_only() {
    assert_eq!(read::<char>("6161"), Some('a'));
    assert_eq!(read::<char>("64f09f9880"), Some('😀'));
    assert_eq!(read::<char>("626162"), None);
    assert_eq!(read::<char>("60"), None);
    assert_eq!(read::<String>("63616263"), Some("abc".to_owned()));
    assert_eq!(read::<String>("43616263"), None);
    assert_eq!(read::<Box<str>>("c16161"), Some("a".into()));
}

#[test]
fn bytes_read_from_byte_strings_and_arrays() {
    let buf = |b: &[u8]| serde_bytes::ByteBuf::from(b.to_vec());
    assert_eq!(
        read::<serde_bytes::ByteBuf>("43010203"),
        Some(buf(&[1, 2, 3]))
    );
    assert_eq!(
        read::<serde_bytes::ByteBuf>("83010203"),
        Some(buf(&[1, 2, 3]))
    );
    assert_eq!(read::<serde_bytes::ByteBuf>("63616263"), None);
    assert_eq!(read::<Vec<u8>>("43010203"), Some(vec![1, 2, 3]));
    assert_eq!(read::<Vec<u8>>("83010203"), Some(vec![1, 2, 3]));
    assert_eq!(read::<[u8; 2]>("420102"), Some([1, 2]));
    assert_eq!(read::<Vec<u8>>("8201190100"), None);
}

#[test]
fn sequences_read_as_many_items_as_the_type_takes() {
    // As ciborium: a tuple stops after its items, the rest is not read...
    assert_eq!(read::<(u8, u8)>("83010203"), Some((1, 2)));
    // ...so, inside an array, the next item starts where it stopped.
    assert_eq!(read::<Vec<(u8, u8)>>("8283010203820405"), None);
    assert_eq!(read::<(u8, u8, u8)>("820102"), None);
    assert_eq!(read::<Vec<Option<i16>>>("83f601c1f6"), None);
    assert_eq!(
        read::<Tree>("818180"),
        Some(Tree(vec![Tree(vec![Tree(vec![])])]))
    );
}

#[test]
fn structs_read_from_maps_only() {
    let point = Point {
        x: 1,
        y: Some("s".into()),
    };
    assert_eq!(read::<Point>(&hex_of(&point)), Some(point));
    assert_eq!(read::<Point>("82016161"), None);
    assert_eq!(read::<Point>("a1617801"), Some(Point { x: 1, y: None }));
    // Unknown fields are skipped, whatever they hold; keys may be bytes.
    assert_eq!(
        read::<Few>("a361610a617ac1a10182f6f9780061798140"),
        Some(Few { a: 10 })
    );
    assert_eq!(read::<Few>("a141610a"), Some(Few { a: 10 }));
    assert_eq!(read::<Few>("a1010a"), None);
    assert_eq!(read::<Strict>("a2616101617a01"), None);
    assert_eq!(
        read::<BTreeMap<i64, String>>("a1206161"),
        Some([(-1, "a".to_owned())].into())
    );
    assert_eq!(read::<Newtype>("6161"), Some(Newtype("a".into())));
    assert_eq!(
        read::<TupleStruct>("82016161"),
        Some(TupleStruct(1, "a".into()))
    );
}

#[test]
fn enums_read_from_a_text_or_a_one_entry_map() {
    assert_eq!(read::<E>(&hex_of(&E::Unit)), Some(E::Unit));
    assert_eq!(read::<E>(&hex_of(&E::New(5))), Some(E::New(5)));
    assert_eq!(read::<E>(&hex_of(&E::Tup(1, -1))), Some(E::Tup(1, -1)));
    let s = E::Str { x: "s".into() };
    assert_eq!(read::<E>(&hex_of(&s)), Some(s));
    assert_eq!(read::<E>("c164556e6974"), Some(E::Unit));
    // A unit variant in a map leaves the map's value unread, as ciborium.
    assert_eq!(read::<E>("a164556e697405"), Some(E::Unit));
    assert_eq!(read::<Vec<E>>("81a164556e697405"), Some(vec![E::Unit]));
    assert_eq!(read::<E>("a2634e657705617801"), None);
    assert_eq!(read::<E>("634e6577"), None);
    assert_eq!(read::<Result<u8, String>>("a1624f6b01"), Some(Ok(1)));
}

#[test]
fn buffered_types_read_as_before() {
    assert_eq!(read::<Untagged>("6161"), Some(Untagged::Text("a".into())));
    // Buffered bytes that are UTF-8 read as the text variant first.
    assert_eq!(
        read::<Untagged>("420102"),
        Some(Untagged::Text("\u{1}\u{2}".into()))
    );
    assert_eq!(
        read::<Untagged>("42ff00"),
        Some(Untagged::Bytes(serde_bytes::ByteBuf::from(vec![0xff, 0])))
    );
    assert_eq!(
        read::<Untagged>("a1617801"),
        Some(Untagged::Pt(Point { x: 1, y: None }))
    );
    assert_eq!(read::<Untagged>("c16161"), None);
    assert_eq!(
        read::<Internal>(&hex_of(&Internal::A { x: 3 })),
        Some(Internal::A { x: 3 })
    );
    let adjacent = Adjacent::B("b".into());
    assert_eq!(read::<Adjacent>(&hex_of(&adjacent)), Some(adjacent));
    assert_eq!(
        read::<Flat>("a2616101616201"),
        Some(Flat {
            a: 1,
            rest: [("b".to_owned(), Value::from(1))].into()
        })
    );
    // Buffering reads a tag as an enum, which the buffer cannot hold.
    assert_eq!(read::<Flat>("a26161016162c101"), None);
    let json: serde_json::Value = read("a2616101616282f5f6").unwrap();
    assert_eq!(json, serde_json::json!({"a": 1, "b": [true, null]}));
    assert_eq!(read::<serde_json::Value>("a10101"), None);
    assert_eq!(read::<serde_json::Value>("c10a"), None);
}

#[test]
fn tags_are_skipped_or_captured_as_ciborium_does() {
    assert_eq!(read::<u8>("c10a"), Some(10));
    assert_eq!(read::<String>("d8206161"), Some("a".into()));
    assert_eq!(
        read::<Value>("c10a"),
        Some(Value::Tag(1, Box::new(Value::from(10))))
    );
    assert_eq!(read::<Captured<u64>>("c10a"), Some(Captured(Some(1), 10)));
    assert_eq!(read::<Captured<u64>>("0a"), Some(Captured(None, 10)));
    assert_eq!(read::<Required<u64, 1>>("c10a"), Some(Required(10)));
    assert_eq!(read::<Required<u64, 1>>("c20a"), None);
    assert_eq!(
        read::<Accepted<String, 32>>("6161"),
        Some(Accepted("a".into()))
    );
    assert_eq!(
        read::<Duration>("a2647365637301656e616e6f7302"),
        Some(Duration::new(1, 2))
    );
    assert_eq!(read::<Duration>("820102"), None);
}

/// An enum read from a text reads its content from the items after it:
/// the recursion budget (256, as ciborium's) bounds the chain.
#[test]
fn the_recursion_budget_is_ciboriums() {
    #[derive(Debug, Serialize, Deserialize)]
    enum R {
        A(Box<R>),
        B,
    }
    // The tuple's array is one level, each variant another.
    for n in [100, 254, 255, 300] {
        let mut items = vec![Value::Text("A".into()); n];
        items.push(Value::Text("B".into()));
        let read = read::<(R,)>(&hex_of(&items));
        assert_eq!(read.is_some(), n + 2 <= 256, "{n} nested variants");
    }
}

/// What ciborium cannot survive fails cleanly here: a recursive type whose
/// levels read nothing (ciborium overflows the stack) and a tag enum's
/// tuple variant on an untagged value (ciborium panics).
#[test]
fn types_that_broke_ciborium_fail_cleanly() {
    assert_eq!(get_value::<Chain>(&hex::decode("05").unwrap()), None);
    assert_eq!(
        get_value::<Chain>(&hex::decode("f6").unwrap()),
        Some(Chain(None))
    );
    #[derive(Debug, Deserialize)]
    #[serde(rename = "@@TAG@@")]
    enum TagTuple {
        #[serde(rename = "@@UNTAGGED@@")]
        #[allow(dead_code)]
        Untagged(u64, u64),
    }
    assert!(get_value::<TagTuple>(&hex::decode("0a").unwrap()).is_none());
}
