//! Deserializing a token's claims into the app's own type, and saying what
//! does not fit without repeating anything the token says.
//!
//! serde's errors and paths quote the input: a member name of a map-typed
//! claim, an unknown field, a value. The holder of a token chooses all of
//! them, so none may reach a response. A claim is named only when its name
//! is one of the fields the type itself declares to serde.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};
use serde_path_to_error::{Segment, Track};

use crate::error::ClaimsMismatch;

/// `claims` as a `T`, or what does not fit.
pub(super) fn deserialize<T: DeserializeOwned>(claims: &Map<String, Value>) -> Result<T, ClaimsMismatch> {
    let mut track = Track::new();
    let result = T::deserialize(serde_path_to_error::Deserializer::new(claims, &mut track));
    result.map_err(|error| {
        let declared = declared_fields::<T>();
        let path = track.path();
        let top_level = path.iter().next().and_then(|segment| match segment {
            Segment::Map { key } => declared.iter().copied().find(|name| name == key),
            _ => None,
        });
        match top_level {
            Some(name) => ClaimsMismatch::Mistyped(name),
            None if path.iter().next().is_none() => {
                // A missing top-level field: serde names it, from `T`.
                let message = error.to_string();
                declared
                    .iter()
                    .copied()
                    .find(|name| message == format!("missing field `{name}`"))
                    .map_or(ClaimsMismatch::Unnamed, ClaimsMismatch::Missing)
            }
            None => ClaimsMismatch::Unnamed,
        }
    })
}

/// The JSON names of the fields that `T` declares, if it deserializes
/// from a struct; none otherwise.
fn declared_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _probed = T::deserialize(FieldProbe(&mut fields));
    fields.unwrap_or_default()
}

/// A deserializer that reads nothing: it records the field names that a
/// struct's `Deserialize` implementation hands to `deserialize_struct`,
/// then fails.
struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("probed"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct AppClaims {
        tenant: String,
        #[serde(rename = "https://example.com/level")]
        level: u8,
        #[serde(default)]
        attrs: HashMap<String, u32>,
        #[serde(default)]
        address: Option<Address>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Address {
        city: String,
    }

    fn mismatch<T: DeserializeOwned + std::fmt::Debug>(claims: Value) -> ClaimsMismatch {
        deserialize::<T>(claims.as_object().unwrap()).unwrap_err()
    }

    #[test]
    fn claims_are_named_by_the_names_the_type_declares() {
        let level = "https://example.com/level";
        assert_eq!(mismatch::<AppClaims>(json!({ level: 1 })), ClaimsMismatch::Missing("tenant"));
        assert_eq!(mismatch::<AppClaims>(json!({ "tenant": 7, level: 1 })), ClaimsMismatch::Mistyped("tenant"));
        assert_eq!(mismatch::<AppClaims>(json!({ "tenant": "a", level: 300 })), ClaimsMismatch::Mistyped(level));
        let nested = json!({ "tenant": "a", level: 1, "address": { "town": "x" } });
        assert_eq!(mismatch::<AppClaims>(nested), ClaimsMismatch::Mistyped("address"));
    }

    #[test]
    fn nothing_the_token_chose_is_repeated() {
        let injected = r#"x", error="injected", realm="evil"#;
        let claims = json!({ "tenant": "a", "https://example.com/level": 1, "attrs": { injected: "not a number" } });
        let error = mismatch::<AppClaims>(claims);
        assert_eq!(error, ClaimsMismatch::Mistyped("attrs"));
        assert_eq!(error.to_string(), "the claim `attrs` has the wrong type or value");
        // A map-typed claims type declares no names at all.
        let claims = json!({ injected: "not a number" });
        assert_eq!(mismatch::<HashMap<String, u32>>(claims.clone()), ClaimsMismatch::Unnamed);
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            sub: Option<String>,
        }
        assert_eq!(mismatch::<Strict>(claims), ClaimsMismatch::Unnamed);
    }
}
