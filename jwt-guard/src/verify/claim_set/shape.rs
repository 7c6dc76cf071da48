//! Reading a JSON value as the type a claim should have, in the pass that
//! parses it: a value of another type is consumed, checked as
//! [`serde_json::Value`] would read it, and reported as mistyped rather
//! than failing the parse, so that verification can name the claim.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON type that a claim may be read as. Each method reads one kind of
/// JSON value; the default reads none, consuming it.
pub(super) trait Shape<'de>: Sized {
    fn from_text(_text: Cow<'de, str>) -> Option<Self> {
        None
    }

    fn from_number(_number: f64) -> Option<Self> {
        None
    }

    fn from_seq<A: SeqAccess<'de>>(mut items: A) -> Result<Option<Self>, A::Error> {
        while items.next_element::<AnyJson>()?.is_some() {}
        Ok(None)
    }

    fn from_map<A: MapAccess<'de>>(mut members: A) -> Result<Option<Self>, A::Error> {
        while members.next_entry::<AnyJson, AnyJson>()?.is_some() {}
        Ok(None)
    }
}

/// A value read as a `T` if it has `T`'s shape, `None` if it is JSON of
/// another shape. Text that is not JSON fails the parse.
pub(super) struct Loose<T>(pub(super) Option<T>);

/// Any JSON value that [`serde_json::Value`] accepts, keeping nothing of
/// it: strings are unescaped (a lone surrogate is refused), numbers read
/// (one beyond `f64` is refused), and nesting is limited as `Value`'s is.
pub(super) type AnyJson = Loose<Nothing>;

/// The shape of no value.
pub(super) enum Nothing {}

impl Shape<'_> for Nothing {}

impl<'de> Shape<'de> for Cow<'de, str> {
    fn from_text(text: Cow<'de, str>) -> Option<Self> {
        Some(text)
    }
}

impl Shape<'_> for f64 {
    fn from_number(number: f64) -> Option<Self> {
        Some(number)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<T>(PhantomData<T>);

impl<'de, T: Shape<'de>> Visitor<'de> for LooseVisitor<T> {
    type Value = Loose<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Loose(T::from_number(number as f64)))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Loose(T::from_number(number as f64)))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Loose(T::from_number(number)))
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Loose(T::from_text(Cow::Borrowed(text))))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Loose(T::from_text(Cow::Owned(text.to_owned()))))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<Self::Value, A::Error> {
        T::from_seq(items).map(Loose)
    }

    fn visit_map<A: MapAccess<'de>>(self, members: A) -> Result<Self::Value, A::Error> {
        T::from_map(members).map(Loose)
    }
}

/// The next member name of an object.
pub(super) fn next_name<'de, A: MapAccess<'de>>(members: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    match members.next_key::<Loose<Cow<'de, str>>>()? {
        None => Ok(None),
        Some(Loose(Some(name))) => Ok(Some(name)),
        Some(Loose(None)) => Err(de::Error::custom("a member name is not a string")),
    }
}
