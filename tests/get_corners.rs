//! `Session::get` reads each kind of value as `ciborium` did, case by case:
//! integer ranges, bignums, float widths, options, strings and bytes,
//! sequences read partly, structs, enums, buffered (untagged, flattened)
//! types, tags, the recursion budget, and what ciborium could not survive.
//! Each case is checked against ciborium (where it survives) and against the
//! expected value.
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
use std::fmt::Debug;
use std::time::Duration;

use ciborium::Value;
use ciborium::tag::{Accepted, Captured, Required};
use ciborium::value::Integer;
use get_support::*;
use sealed_session::__private::{get_value, value_is_valid};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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
