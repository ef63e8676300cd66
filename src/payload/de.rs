//! A serde `Deserializer` over one value's CBOR bytes, which the strict
//! pass ([`super::validate`]) has already accepted: definite lengths only,
//! simple values only `false`, `true` and `null`, valid UTF-8 text, nesting
//! at most `MAX_DEPTH` deep.
//!
//! It reads the bytes in place: text and byte strings are handed to the
//! visitor borrowed from the session's buffer (`visit_borrowed_str`,
//! `visit_borrowed_bytes`), so reading a value copies no secret into a
//! scratch buffer and leaves nothing to wipe. What a visitor copies out is
//! its own value.
//!
//! Its semantics are `ciborium` 0.2's (`ciborium::de`), which read these
//! values before and whose encoder writes them: the same headers are
//! accepted for each requested type (tags are skipped where ciborium skips
//! them; bignums read as integers; arrays read as byte strings; a text or a
//! one-entry map reads as an enum; `@@TAG@@` enums capture a tag), the same
//! integer range checks, the same 256-level recursion budget, and the same
//! reading order, so a visitor that stops early leaves the bytes where
//! ciborium left them. `tests/get_differential.rs` and the `get_value` fuzz
//! target hold it to ciborium on random values. One difference is by
//! design: ciborium handed `deserialize_string` and `deserialize_byte_buf`
//! an owned copy (`visit_string`, `visit_byte_buf`) and every other string
//! a scratch slice (`visit_str`, `visit_bytes`); here every string is
//! borrowed. serde's defaults forward each of these to the next, so only a
//! hand-written visitor that implements `visit_string` or `visit_byte_buf`
//! but not `visit_str` or `visit_bytes` can tell. Where ciborium would panic
//! (a `@@TAG@@` visitor asking an untagged value for its tag) or recurse
//! without end (a recursive type that nests `Option`s or newtypes without
//! reading a byte), it fails instead.

use serde::de::{self, DeserializeOwned, IntoDeserializer as _, Visitor};

/// Reading failed. Carries no detail: the caller reports the key, the
/// requested type and the stored value's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the value does not read as the requested type")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

/// How deep arrays, maps, enums and tags may nest while being read
/// (ciborium's default recursion limit).
const RECURSE: usize = 256;

/// How deep `Option`s and newtypes may nest while being read: they read no
/// byte, so only this bounds a recursive type that nests them without end.
const WRAPS: usize = 256;

/// The serde name of ciborium's tag-capturing enum (`ciborium::tag`).
const TAG_ENUM: &str = "@@TAG@@";
const TAGGED: &str = "@@TAGGED@@";
const UNTAGGED: &str = "@@UNTAGGED@@";

/// Bignum tags (RFC 8949 §3.4.3).
const BIGPOS: u64 = 2;
const BIGNEG: u64 = 3;

/// Reads a `T` from `bytes`, one valid value (what follows the value, if a
/// visitor stops early, is not looked at, as with ciborium).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = Deserializer {
        input: bytes,
        pos: 0,
        recurse: RECURSE,
        wraps: WRAPS,
    };
    T::deserialize(&mut de)
}

/// A data item's head; lengths as `usize`.
#[derive(Clone, Copy)]
enum Head {
    Pos(u64),
    Neg(u64),
    Bytes(usize),
    Text(usize),
    Array(usize),
    Map(usize),
    Tag(u64),
    Bool(bool),
    Null,
    Float(f64),
}

struct Deserializer<'de> {
    input: &'de [u8],
    pos: usize,
    recurse: usize,
    wraps: usize,
}

impl<'de> Deserializer<'de> {
    /// The next head, consumed (its string's bytes are not).
    #[inline]
    fn pull(&mut self) -> Result<Head, Error> {
        let first = *self.input.get(self.pos).ok_or(Error)?;
        let info = first & 0x1f;
        let (arg, used) = match info {
            0..24 => (u64::from(info), 1),
            24 => (u64::from(self.arg::<1>()?[0]), 2),
            25 => (u64::from(u16::from_be_bytes(self.arg::<2>()?)), 3),
            26 => (u64::from(u32::from_be_bytes(self.arg::<4>()?)), 5),
            27 => (u64::from_be_bytes(self.arg::<8>()?), 9),
            _ => return Err(Error),
        };
        let len = || usize::try_from(arg).map_err(|_| Error);
        let head = match first >> 5 {
            0 => Head::Pos(arg),
            1 => Head::Neg(arg),
            2 => Head::Bytes(len()?),
            3 => Head::Text(len()?),
            4 => Head::Array(len()?),
            5 => Head::Map(len()?),
            6 => Head::Tag(arg),
            _ => match first {
                0xf4 => Head::Bool(false),
                0xf5 => Head::Bool(true),
                0xf6 => Head::Null,
                0xf9 => Head::Float(half(self.input.get(self.pos..self.pos + 3))?),
                0xfa => Head::Float(f64::from(f32::from_bits(
                    u32::try_from(arg).map_err(|_| Error)?,
                ))),
                0xfb => Head::Float(f64::from_bits(arg)),
                // Undefined, other simple values, break: never in a payload.
                _ => return Err(Error),
            },
        };
        self.pos += used;
        Ok(head)
    }

    /// The `N` argument bytes after the head's first byte.
    #[inline]
    fn arg<const N: usize>(&self) -> Result<[u8; N], Error> {
        let start = self.pos + 1;
        let bytes = self.input.get(start..start + N).ok_or(Error)?;
        <[u8; N]>::try_from(bytes).map_err(|_| Error)
    }

    /// The next head, not consumed.
    #[inline]
    fn peek(&mut self) -> Result<Head, Error> {
        let pos = self.pos;
        let head = self.pull();
        self.pos = pos;
        head
    }

    /// The next head, tags before it consumed and skipped.
    #[inline]
    fn pull_untagged(&mut self) -> Result<Head, Error> {
        loop {
            match self.pull()? {
                Head::Tag(_) => continue,
                head => return Ok(head),
            }
        }
    }

    /// The next `len` bytes, consumed, borrowed from the input.
    #[inline]
    fn take(&mut self, len: usize) -> Result<&'de [u8], Error> {
        let end = self.pos.checked_add(len).ok_or(Error)?;
        let bytes = self.input.get(self.pos..end).ok_or(Error)?;
        self.pos = end;
        Ok(bytes)
    }

    #[inline]
    fn text(&mut self, len: usize) -> Result<&'de str, Error> {
        std::str::from_utf8(self.take(len)?).map_err(|_| Error)
    }

    /// Runs `f` one container (or enum, or tag) deeper.
    #[inline]
    fn recurse<V>(&mut self, f: impl FnOnce(&mut Self) -> Result<V, Error>) -> Result<V, Error> {
        self.recurse = self.recurse.checked_sub(1).ok_or(Error)?;
        let result = f(self);
        self.recurse += 1;
        result
    }

    /// Runs `f` one `Option` or newtype deeper.
    #[inline]
    fn wrap<V>(&mut self, f: impl FnOnce(&mut Self) -> Result<V, Error>) -> Result<V, Error> {
        self.wraps = self.wraps.checked_sub(1).ok_or(Error)?;
        let result = f(self);
        self.wraps += 1;
        result
    }

    /// An integer, from its head (`head`, or the next one) or a bignum:
    /// whether it is negative, and its magnitude minus one if so, as
    /// ciborium's `integer`.
    fn integer(&mut self, mut head: Option<Head>) -> Result<(bool, u128), Error> {
        loop {
            let h = match head.take() {
                Some(h) => h,
                None => self.pull()?,
            };
            let neg = match h {
                Head::Pos(x) => return Ok((false, x.into())),
                Head::Neg(x) => return Ok((true, x.into())),
                Head::Tag(BIGPOS) => false,
                Head::Tag(BIGNEG) => true,
                Head::Tag(_) => continue,
                _ => return Err(Error),
            };
            let Head::Bytes(len) = self.pull()? else {
                return Err(Error);
            };
            let bytes = self.take(len)?;
            let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
            let digits = bytes.get(start..).unwrap_or_default();
            if digits.len() > 16 {
                return Err(Error);
            }
            let raw = digits
                .iter()
                .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
            return Ok((neg, raw));
        }
    }

    fn visit_i64<V: Visitor<'de>>(&mut self, head: Option<Head>, v: V) -> Result<V::Value, Error> {
        let x = match self.integer(head)? {
            (false, raw) => i64::try_from(raw),
            (true, raw) => i64::try_from(raw).map(|x| x ^ !0),
        };
        v.visit_i64(x.map_err(|_| Error)?)
    }

    fn visit_i128<V: Visitor<'de>>(&mut self, head: Option<Head>, v: V) -> Result<V::Value, Error> {
        let x = match self.integer(head)? {
            (false, raw) => i128::try_from(raw),
            (true, raw) => i128::try_from(raw).map(|x| x ^ !0),
        };
        v.visit_i128(x.map_err(|_| Error)?)
    }

    fn visit_u64<V: Visitor<'de>>(&mut self, head: Option<Head>, v: V) -> Result<V::Value, Error> {
        match self.integer(head)? {
            (false, raw) => v.visit_u64(u64::try_from(raw).map_err(|_| Error)?),
            (true, _) => Err(Error),
        }
    }
}

/// A half-precision float's value, decoded by `ciborium-ll` (the encoder's
/// own conversion).
fn half(bytes: Option<&[u8]>) -> Result<f64, Error> {
    let bytes = bytes.ok_or(Error)?;
    match ciborium_ll::Decoder::from(bytes).pull() {
        Ok(ciborium_ll::Header::Float(x)) => Ok(x),
        _ => Err(Error),
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let head = self.pull()?;
        match head {
            Head::Pos(x) => visitor.visit_u64(x),
            Head::Neg(x) => match i64::try_from(x) {
                Ok(x) => visitor.visit_i64(x ^ !0),
                Err(_) => visitor.visit_i128(i128::from(x) ^ !0),
            },
            Head::Bytes(len) => visitor.visit_borrowed_bytes(self.take(len)?),
            Head::Text(len) => visitor.visit_borrowed_str(self.text(len)?),
            Head::Array(len) => self.recurse(|me| visitor.visit_seq(Access(me, len))),
            Head::Map(len) => self.recurse(|me| visitor.visit_map(Access(me, len))),
            Head::Tag(tag) => match self.peek()? {
                // A bignum that fits: an integer.
                Head::Bytes(len) if matches!(tag, BIGPOS | BIGNEG) && len <= 16 => {
                    match self.integer(Some(head))? {
                        (false, raw) => visitor.visit_u128(raw),
                        (true, raw) => {
                            let x = i128::try_from(raw).map_err(|_| Error)?;
                            visitor.visit_i128(x ^ !0)
                        }
                    }
                }
                _ => self.recurse(|me| visitor.visit_enum(TagAccess::new(me, Some(tag)))),
            },
            Head::Float(x) => visitor.visit_f64(x),
            Head::Bool(x) => visitor.visit_bool(x),
            Head::Null => visitor.visit_none(),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Bool(x) => visitor.visit_bool(x),
            _ => Err(Error),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Float(x) => visitor.visit_f64(x),
            _ => Err(Error),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_i64(None, visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_i64(None, visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_i64(None, visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_i64(None, visitor)
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_i128(None, visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_u64(None, visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_u64(None, visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_u64(None, visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit_u64(None, visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.integer(None)? {
            (false, raw) => visitor.visit_u128(raw),
            (true, _) => Err(Error),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Text(len) if len <= 4 => {
                let mut chars = self.text(len)?.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(Error),
                }
            }
            _ => Err(Error),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Text(len) => visitor.visit_borrowed_str(self.text(len)?),
            _ => Err(Error),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Bytes(len) => visitor.visit_borrowed_bytes(self.take(len)?),
            Head::Array(len) => self.recurse(|me| visitor.visit_seq(Access(me, len))),
            _ => Err(Error),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // As ciborium: a tag before `null` is not skipped here.
        match self.peek()? {
            Head::Null => {
                self.pos += 1;
                visitor.visit_none()
            }
            _ => self.wrap(|me| visitor.visit_some(me)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Null => visitor.visit_unit(),
            _ => Err(Error),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.wrap(|me| visitor.visit_newtype_struct(me))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Array(len) => self.recurse(|me| visitor.visit_seq(Access(me, len))),
            Head::Bytes(len) => visitor.visit_seq(BytesAccess(self.take(len)?.iter())),
            _ => Err(Error),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Map(len) => self.recurse(|me| visitor.visit_map(Access(me, len))),
            _ => Err(Error),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == TAG_ENUM {
            let tag = match self.peek()? {
                Head::Tag(tag) => {
                    self.pull()?;
                    Some(tag)
                }
                _ => None,
            };
            return self.recurse(|me| visitor.visit_enum(TagAccess::new(me, tag)));
        }
        loop {
            let at = self.pos;
            match self.pull()? {
                Head::Tag(_) => continue,
                // `{"Variant": content}`: the key is read as the variant.
                Head::Map(1) => break,
                // `"Variant"`: its head is read again, as the variant.
                Head::Text(_) => {
                    self.pos = at;
                    break;
                }
                _ => return Err(Error),
            }
        }
        self.recurse(|me| visitor.visit_enum(Access(me, 0)))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.pull_untagged()? {
            Head::Text(len) => visitor.visit_borrowed_str(self.text(len)?),
            Head::Bytes(len) => visitor.visit_borrowed_bytes(self.take(len)?),
            _ => Err(Error),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// An array's or map's items, `.1` of them left (entries for a map); also an
/// enum read from a text or a one-entry map.
struct Access<'a, 'de>(&'a mut Deserializer<'de>, usize);

impl<'de> de::SeqAccess<'de> for Access<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.1 == 0 {
            return Ok(None);
        }
        self.1 -= 1;
        seed.deserialize(&mut *self.0).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.1)
    }
}

impl<'de> de::MapAccess<'de> for Access<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.1 == 0 {
            return Ok(None);
        }
        self.1 -= 1;
        seed.deserialize(&mut *self.0).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.0)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.1)
    }
}

impl<'de> de::EnumAccess<'de> for Access<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let variant = seed.deserialize(&mut *self.0)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Access<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.0, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.0, visitor)
    }
}

/// A byte string read as a sequence of `u8`s.
struct BytesAccess<'de>(std::slice::Iter<'de, u8>);

impl<'de> de::SeqAccess<'de> for BytesAccess<'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(&b) => seed.deserialize(b.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// ciborium's tag access (`ciborium::tag`): a tagged value as the enum
/// `@@TAG@@`, variant `@@TAGGED@@` (a tuple of the tag and the value) or
/// `@@UNTAGGED@@` (a newtype of the value).
struct TagAccess<'a, 'de> {
    parent: Option<&'a mut Deserializer<'de>>,
    state: usize,
    tag: Option<u64>,
}

impl<'a, 'de> TagAccess<'a, 'de> {
    fn new(parent: &'a mut Deserializer<'de>, tag: Option<u64>) -> Self {
        TagAccess {
            parent: Some(parent),
            state: 0,
            tag,
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut TagAccess<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.state += 1;
        match self.state {
            1 => visitor.visit_str(if self.tag.is_some() { TAGGED } else { UNTAGGED }),
            // ciborium panics here when there is no tag.
            _ => visitor.visit_u64(self.tag.ok_or(Error)?),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128
        u8 u16 u32 u64 u128
        bool f32 f64
        char str string
        bytes byte_buf
        seq map
        struct tuple tuple_struct
        identifier ignored_any
        option unit unit_struct newtype_struct enum
    }
}

impl<'a, 'de> de::EnumAccess<'de> for TagAccess<'a, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        mut self,
        seed: V,
    ) -> Result<(V::Value, Self), Error> {
        let variant = seed.deserialize(&mut self)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for TagAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Err(Error)
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        mut self,
        seed: T,
    ) -> Result<T::Value, Error> {
        seed.deserialize(self.parent.take().ok_or(Error)?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(Error)
    }
}

impl<'de> de::SeqAccess<'de> for TagAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.state < 2 {
            return seed.deserialize(self).map(Some);
        }
        match self.parent.take() {
            Some(parent) => seed.deserialize(parent).map(Some),
            None => Ok(None),
        }
    }
}
