//! `Session::get` reads a stored value in place (`src/payload/de/`), with
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

mod get_support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use ciborium::Value;
use ciborium::tag::{Accepted, Captured, Required};
use ciborium::value::Integer;
use get_support::*;
use proptest::prelude::*;
use sealed_session::__private::value_is_valid;

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
