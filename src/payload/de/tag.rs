//! ciborium's tag capture (`ciborium::tag`), over the reader.

use serde::de::{self, Visitor};

use super::reader::{Deserializer, Error};

/// The serde name of ciborium's tag-capturing enum (`ciborium::tag`).
pub(super) const TAG_ENUM: &str = "@@TAG@@";
const TAGGED: &str = "@@TAGGED@@";
const UNTAGGED: &str = "@@UNTAGGED@@";

/// ciborium's tag access (`ciborium::tag`): a tagged value as the enum
/// `@@TAG@@`, variant `@@TAGGED@@` (a tuple of the tag and the value) or
/// `@@UNTAGGED@@` (a newtype of the value).
pub(super) struct TagAccess<'a, 'de> {
    parent: Option<&'a mut Deserializer<'de>>,
    state: usize,
    tag: Option<u64>,
}

impl<'a, 'de> TagAccess<'a, 'de> {
    pub(super) fn new(parent: &'a mut Deserializer<'de>, tag: Option<u64>) -> Self {
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
