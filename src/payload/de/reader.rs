//! The reading position over a value's bytes: heads, strings borrowed
//! from the input, integers (bignums included) and the nesting budgets.

use serde::de::{self, Visitor};

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

/// Bignum tags (RFC 8949 §3.4.3).
pub(super) const BIGPOS: u64 = 2;
pub(super) const BIGNEG: u64 = 3;

/// A data item's head; lengths as `usize`.
#[derive(Clone, Copy)]
pub(super) enum Head {
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

pub(super) struct Deserializer<'de> {
    input: &'de [u8],
    pub(super) pos: usize,
    recurse: usize,
    wraps: usize,
}

impl<'de> Deserializer<'de> {
    /// A reader at the start of `input`, with ciborium's budgets.
    pub(super) fn new(input: &'de [u8]) -> Self {
        Deserializer {
            input,
            pos: 0,
            recurse: RECURSE,
            wraps: WRAPS,
        }
    }

    /// The next head, consumed (its string's bytes are not).
    #[inline]
    pub(super) fn pull(&mut self) -> Result<Head, Error> {
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
    pub(super) fn peek(&mut self) -> Result<Head, Error> {
        let pos = self.pos;
        let head = self.pull();
        self.pos = pos;
        head
    }

    /// The next head, tags before it consumed and skipped.
    #[inline]
    pub(super) fn pull_untagged(&mut self) -> Result<Head, Error> {
        loop {
            match self.pull()? {
                Head::Tag(_) => continue,
                head => return Ok(head),
            }
        }
    }

    /// The next `len` bytes, consumed, borrowed from the input.
    #[inline]
    pub(super) fn take(&mut self, len: usize) -> Result<&'de [u8], Error> {
        let end = self.pos.checked_add(len).ok_or(Error)?;
        let bytes = self.input.get(self.pos..end).ok_or(Error)?;
        self.pos = end;
        Ok(bytes)
    }

    #[inline]
    pub(super) fn text(&mut self, len: usize) -> Result<&'de str, Error> {
        std::str::from_utf8(self.take(len)?).map_err(|_| Error)
    }

    /// Runs `f` one container (or enum, or tag) deeper.
    #[inline]
    pub(super) fn recurse<V>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<V, Error>,
    ) -> Result<V, Error> {
        self.recurse = self.recurse.checked_sub(1).ok_or(Error)?;
        let result = f(self);
        self.recurse += 1;
        result
    }

    /// Runs `f` one `Option` or newtype deeper.
    #[inline]
    pub(super) fn wrap<V>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<V, Error>,
    ) -> Result<V, Error> {
        self.wraps = self.wraps.checked_sub(1).ok_or(Error)?;
        let result = f(self);
        self.wraps += 1;
        result
    }

    /// An integer, from its head (`head`, or the next one) or a bignum:
    /// whether it is negative, and its magnitude minus one if so, as
    /// ciborium's `integer`.
    pub(super) fn integer(&mut self, mut head: Option<Head>) -> Result<(bool, u128), Error> {
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

    pub(super) fn visit_i64<V: Visitor<'de>>(
        &mut self,
        head: Option<Head>,
        v: V,
    ) -> Result<V::Value, Error> {
        let x = match self.integer(head)? {
            (false, raw) => i64::try_from(raw),
            (true, raw) => i64::try_from(raw).map(|x| x ^ !0),
        };
        v.visit_i64(x.map_err(|_| Error)?)
    }

    pub(super) fn visit_i128<V: Visitor<'de>>(
        &mut self,
        head: Option<Head>,
        v: V,
    ) -> Result<V::Value, Error> {
        let x = match self.integer(head)? {
            (false, raw) => i128::try_from(raw),
            (true, raw) => i128::try_from(raw).map(|x| x ^ !0),
        };
        v.visit_i128(x.map_err(|_| Error)?)
    }

    pub(super) fn visit_u64<V: Visitor<'de>>(
        &mut self,
        head: Option<Head>,
        v: V,
    ) -> Result<V::Value, Error> {
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
