use ciborium::Value;
use ciborium::value::Integer;

use super::tree::TreePayload;
use super::*;

fn sample() -> TreePayload {
    let mut p = TreePayload {
        issued_at: 1_700_000_000,
        expires_at: 1_700_086_400,
        idle_deadline: Some(1_700_003_600),
        id: [9; 16],
        max_age: Some(86_400),
        ..TreePayload::default()
    };
    p.data.insert("count".into(), Value::Integer(3.into()));
    p.data.insert(
        "user".into(),
        Value::Map(vec![(
            Value::Text("name".into()),
            Value::Text("alice".into()),
        )]),
    );
    p.flashes
        .insert("_flash".into(), vec![Value::Text("saved".into())]);
    p
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

/// Values of every kind and head width.
fn values() -> Vec<Value> {
    let ints: [i128; 16] = [
        0,
        23,
        24,
        255,
        256,
        65_535,
        65_536,
        u32::MAX as i128,
        u64::MAX as i128,
        -1,
        -24,
        -25,
        -257,
        i64::MIN as i128,
        i64::MIN as i128 - 1,
        -(1i128 << 64),
    ];
    let mut values: Vec<Value> = ints
        .iter()
        .map(|&i| Value::Integer(Integer::try_from(i).unwrap()))
        .collect();
    values.extend([
        Value::Float(1.5),
        Value::Float(0.1),
        Value::Float(-0.0),
        Value::Float(f64::INFINITY),
        Value::Float(f64::NAN),
        Value::Float(65504.0),
        Value::Float(1e300),
        Value::Bool(true),
        Value::Bool(false),
        Value::Null,
        Value::Bytes(vec![]),
        Value::Bytes(vec![1; 300]),
        Value::Text(String::new()),
        Value::Text("é".repeat(40_000)),
        Value::Tag(1, Box::new(Value::Integer(1_700_000_000.into()))),
        Value::Tag(u64::MAX, Box::new(Value::Array(vec![Value::Null]))),
        Value::Array(vec![Value::Map(vec![(
            Value::Integer(1.into()),
            Value::Array(vec![]),
        )])]),
        Value::Map(vec![]),
        Value::Map(
            (0..20)
                .map(|i| (Value::Integer(i.into()), Value::Null))
                .collect(),
        ),
    ]);
    values
}

/// The direct encoder, fed with each value's own `ciborium` bytes, writes
/// exactly the bytes of the schema's serde path through `ciborium` (which
/// the test vectors were generated with).
#[test]
fn encoder_matches_ciborium_serde() {
    let mut tree = sample();
    let values = values();
    for (i, v) in values.iter().enumerate() {
        tree.data.insert(format!("k{i:03}"), v.clone());
    }
    tree.flashes.insert("other".into(), values.clone());
    for tree in [tree, TreePayload::default(), sample()] {
        let mut serde_bytes = Vec::new();
        ciborium::into_writer(&tree, &mut serde_bytes).unwrap();
        // Built through the value store, as `Session::insert` does.
        let mut lazy = Payload {
            issued_at: tree.issued_at,
            expires_at: tree.expires_at,
            idle_deadline: tree.idle_deadline,
            id: tree.id,
            max_age: tree.max_age,
            ..Payload::default()
        };
        for (k, v) in tree.data.iter().rev() {
            assert!(lazy.insert(k, cbor(v)));
        }
        for (bucket, items) in &tree.flashes {
            for v in items {
                lazy.add_flash(bucket, cbor(v));
            }
        }
        let lifetimes = lazy.lifetimes();
        assert_eq!(lazy.encoded_len(&lifetimes), serde_bytes.len());
        assert_eq!(lazy.encode(), serde_bytes);
        // Opened from those bytes, it writes them back unchanged.
        let opened = Payload::decode(&serde_bytes).unwrap();
        assert_eq!(opened, lazy);
        assert_eq!(opened.encode(), serde_bytes);
        // NaN != NaN: the trees are compared through their encodings.
        let again = TreePayload::of(&opened).unwrap();
        assert_eq!(again.encode().unwrap(), tree.encode().unwrap());
    }
}

/// Each value read lazily is the value the full decoder reads.
#[test]
fn lazy_values_read_as_the_full_decode() {
    let mut tree = sample();
    for (i, v) in values().into_iter().enumerate() {
        tree.data.insert(format!("k{i:03}"), v.clone());
        tree.flashes
            .entry(format!("b{}", i % 3))
            .or_default()
            .push(v);
    }
    let lazy = tree.lazy();
    assert_eq!(lazy.len(), tree.data.len());
    for ((k, v), (lk, bytes)) in tree.data.iter().zip(lazy.entries()) {
        assert_eq!(k, lk);
        assert_eq!(&cbor(v), bytes, "{k}");
        assert_eq!(lazy.get(k), Some(bytes));
        check_value(bytes).unwrap();
    }
    for ((name, items), (lname, bucket)) in tree.flashes.iter().zip(lazy.buckets()) {
        assert_eq!(name, lname);
        let read: Vec<Vec<u8>> = lazy.flash_items(bucket).map(<[u8]>::to_vec).collect();
        assert_eq!(read, items.iter().map(cbor).collect::<Vec<_>>(), "{name}");
    }
}

#[test]
fn round_trip() {
    let p = sample().lazy();
    assert_eq!(Payload::decode(&p.encode()).unwrap(), p);
    let empty = Payload::default();
    assert_eq!(Payload::decode(&empty.encode()).unwrap(), empty);
}

#[test]
fn rejects_trailing_bytes_and_truncation() {
    let bytes = sample().lazy().encode();
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(Payload::decode(&extra).is_err());
    for len in 0..bytes.len() {
        assert!(Payload::decode(&bytes[..len]).is_err(), "len {len}");
    }
}

/// The lazy pass and the full decoder accept and refuse the same inputs:
/// every truncation, every single-byte change to a few chosen values, and
/// every bit flip of a payload holding values of every kind.
#[test]
fn lazy_pass_and_full_decoder_agree() {
    let mut tree = sample();
    for (i, v) in values().into_iter().take(27).enumerate() {
        tree.data.insert(format!("k{i:02}"), v);
    }
    let bytes = tree.encode().unwrap();
    let agree = |b: &[u8]| {
        let full = TreePayload::decode(b);
        assert_eq!(Payload::is_valid(b), full.is_ok(), "{b:02x?}");
        if let Ok(full) = full {
            let lazy = Payload::decode(b).unwrap();
            assert_eq!(lazy.encode(), b);
            for ((k, v), (lk, bytes)) in full.data.iter().zip(lazy.entries()) {
                assert_eq!((k.as_str(), cbor(v).as_slice()), (lk, bytes));
                let read: Value = ciborium::from_reader(bytes).unwrap();
                assert_eq!(cbor(&read), bytes);
            }
        }
    };
    for len in 0..=bytes.len() {
        agree(&bytes[..len]);
    }
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            agree(&b);
        }
    }
    let small = sample().encode().unwrap();
    for i in 0..small.len() {
        for x in 0..=255u8 {
            let mut b = small.clone();
            b[i] = x;
            agree(&b);
        }
    }
}

#[test]
fn value_checks_match_the_payload_rules() {
    let deep = (0..32).fold(vec![0u8], |v, _| [vec![0x81], v].concat());
    assert!(check_value(&deep[1..]).is_ok());
    assert!(check_value(&deep).is_err());
    assert!(check_value(&[0xa2, 0x01, 0x00, 0x01, 0x00]).is_err());
    assert!(check_value(&[0x9f, 0xff]).is_err());
    assert!(check_value(&[0x18, 0x01]).is_err());
    assert!(check_value(&[0x01, 0x01]).is_err());
    assert!(check_value(&[0x62, 0xc3, 0x28]).is_err());
    // Large maps: keys in any order; a repeat anywhere is refused, whether
    // next to its twin, far from it, or in a nested map.
    let map = |keys: &[u8]| {
        let mut v = vec![0xa0 | u8::try_from(keys.len()).unwrap()];
        for &k in keys {
            v.extend([k, 0xf6]);
        }
        v
    };
    let scrambled: Vec<u8> = (0..20u8).map(|i| (i * 7) % 20).collect();
    assert!(check_value(&map(&scrambled)).is_ok());
    for (a, b) in [(0, 19), (3, 4), (10, 2)] {
        let mut keys = scrambled.clone();
        keys[a] = keys[b];
        assert!(check_value(&map(&keys)).is_err(), "{a} {b}");
        let nested = [&[0x82, 0x00][..], &map(&keys)].concat();
        assert!(check_value(&nested).is_err());
    }
    assert_eq!(kind(Some(0x20)), "integer");
    assert_eq!(kind(Some(0xf6)), "null");
    assert_eq!(kind(Some(0xfb)), "float");
    assert_eq!(kind(Some(0xc1)), "tagged value");
}

proptest::proptest! {
    /// Lookups compare 8-byte key prefixes first: every key is found, in
    /// the buffer or owned, and no other, whatever the keys share (long
    /// common prefixes, zero bytes where a shorter key's padding is,
    /// multi-byte characters).
    #[test]
    fn lookups_by_prefix_find_exactly_the_stored_keys(
        keys in proptest::collection::btree_set("[a\u{0}é]{0,11}", 0..24),
        absent in proptest::collection::vec("[a\u{0}é]{0,11}", 0..8),
    ) {
        let mut fresh = Payload::fresh(1, 2, [0; 16]);
        // Inserted in reverse order, read back in byte order.
        for (i, k) in keys.iter().enumerate().rev() {
            fresh.insert(k, vec![u8::try_from(i).unwrap()]);
        }
        let opened = Payload::decode(&fresh.encode()).unwrap();
        for p in [&fresh, &opened] {
            proptest::prop_assert!(p.keys().eq(keys.iter().map(String::as_str)));
            for (i, k) in keys.iter().enumerate() {
                proptest::prop_assert_eq!(p.get(k), Some(&[u8::try_from(i).unwrap()][..]));
            }
            for k in absent.iter().filter(|k| !keys.contains(*k)) {
                proptest::prop_assert_eq!(p.get(k), None);
            }
        }
    }
}

/// One step of [`lookups_agree_with_a_map_whatever_the_order`].
#[derive(Clone, Debug)]
enum Op {
    Get(String),
    Insert(String, u8),
    Remove(String),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let key = "[ab\u{0}]{0,9}";
    prop_oneof![
        4 => key.prop_map(Op::Get),
        // 0..24: a one-byte CBOR integer, the value's whole encoding.
        2 => (key, 0u8..24).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => key.prop_map(Op::Remove),
    ]
}

proptest::proptest! {
    /// The lookup looks at the entry after the last one found before it
    /// searches: over any interleaving of reads, in order or not, with
    /// inserts and removals that shift the entries under that hint, every
    /// answer is the map's, in an opened payload and in a fresh one.
    #[test]
    fn lookups_agree_with_a_map_whatever_the_order(
        start in proptest::collection::btree_map("[ab\u{0}]{0,9}", 0u8..24, 0..16),
        ops in proptest::collection::vec(op(), 0..64),
        in_order_first in proptest::bool::ANY,
    ) {
        let mut fresh = Payload::fresh(1, 2, [0; 16]);
        for (k, v) in &start {
            fresh.insert(k, vec![*v]);
        }
        let opened = Payload::decode(&fresh.encode()).unwrap();
        for mut p in [fresh, opened] {
            let mut model = start.clone();
            if in_order_first {
                for (k, v) in &model {
                    proptest::prop_assert_eq!(p.get(k), Some(&[*v][..]));
                }
            }
            for op in &ops {
                match op {
                    Op::Get(k) => {
                        let want = model.get(k).map(|v| vec![*v]);
                        proptest::prop_assert_eq!(p.get(k).map(<[u8]>::to_vec), want);
                        proptest::prop_assert_eq!(p.contains_key(k), model.contains_key(k));
                    }
                    Op::Insert(k, v) => {
                        p.insert(k, vec![*v]);
                        model.insert(k.clone(), *v);
                    }
                    Op::Remove(k) => {
                        let had = p.remove(k).map(|src| p.bytes(&src).to_vec());
                        proptest::prop_assert_eq!(had, model.remove(k).map(|v| vec![v]));
                    }
                }
            }
            proptest::prop_assert!(p.keys().eq(model.keys().map(String::as_str)));
        }
    }
}
