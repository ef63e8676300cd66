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
//! ciborium left them. `tests/get_differential.rs` (random values),
//! `tests/get_corners.rs` (each case by hand) and the `get_value` fuzz
//! target hold it to ciborium. One difference is by
//! design: ciborium handed `deserialize_string` and `deserialize_byte_buf`
//! an owned copy (`visit_string`, `visit_byte_buf`) and every other string
//! a scratch slice (`visit_str`, `visit_bytes`); here every string is
//! borrowed. serde's defaults forward each of these to the next, so only a
//! hand-written visitor that implements `visit_string` or `visit_byte_buf`
//! but not `visit_str` or `visit_bytes` can tell. Where ciborium would panic
//! (a `@@TAG@@` visitor asking an untagged value for its tag) or recurse
//! without end (a recursive type that nests `Option`s or newtypes without
//! reading a byte), it fails instead.

mod access;
mod reader;
mod tag;

use serde::de::{self, DeserializeOwned, Visitor};

use access::{Access, BytesAccess};
pub(crate) use reader::Error;
use reader::{BIGNEG, BIGPOS, Deserializer, Head};
use tag::{TAG_ENUM, TagAccess};

/// Reads a `T` from `bytes`, one valid value (what follows the value, if a
/// visitor stops early, is not looked at, as with ciborium).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    T::deserialize(&mut Deserializer::new(bytes))
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
