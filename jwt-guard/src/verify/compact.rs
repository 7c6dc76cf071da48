//! The compact serialization of a JWS (RFC 7515 section 7.1): three
//! base64url parts, a JOSE header and a JSON claims object.
//!
//! Decoding is strict: no padding, no stray bits, no duplicate members at
//! the top level of the claims (RFC 7519 section 4 allows a parser to
//! reject them, and they are a classic way to fool a second parser).

use std::fmt;

use crate::algorithm::Algorithm;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::config::TokenType;
use crate::error::TokenProblem;
use crate::keys::VerifyingKey;
use crate::token::{ACCESS_TYPE, TokenHeader};

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CompactParts<'a> {
    pub(crate) header: &'a str,
    pub(crate) payload: &'a str,
    pub(crate) signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
}

impl CompactParts<'_> {
    /// Whether the signature verifies with `key` under `alg`. The
    /// signature is decoded on the stack: none is longer than an RSA
    /// signature of 8192 bits, the longest key accepted.
    pub(crate) fn signed_by(&self, key: &VerifyingKey, alg: Algorithm) -> bool {
        const MAX_SIGNATURE_BYTES: usize = 8192 / 8;
        let mut signature = [0u8; MAX_SIGNATURE_BYTES];
        match URL_SAFE_NO_PAD.decode_slice(self.signature, &mut signature) {
            Ok(len) => key.key.verifies(alg, self.signing_input.as_bytes(), &signature[..len]),
            Err(_) => false,
        }
    }
}

/// Whether `token` has the shape of a compact JWS (or JWE): three (or
/// five) dot-separated parts, the first a base64url JSON object (its first
/// four characters decode to a `{`). Anything else is an opaque token, for
/// introspection, dots or not (Ory Hydra's `ory_at_...` tokens have one).
pub(crate) fn is_jws(token: &str) -> bool {
    let dots = token.bytes().filter(|byte| *byte == b'.').count();
    let header = token.split('.').next().unwrap_or_default();
    let start = header.get(..4).unwrap_or(header);
    (dots == 2 || dots == 4) && URL_SAFE_NO_PAD.decode(start).is_ok_and(|bytes| bytes.first() == Some(&b'{'))
}

/// Splits a token into its parts.
pub(crate) fn split(token: &str) -> Result<CompactParts<'_>, TokenProblem> {
    let dots = token.bytes().filter(|byte| *byte == b'.').count();
    match dots {
        2 => {}
        4 => return Err(TokenProblem::Encrypted),
        _ => return Err(TokenProblem::Malformed("a JWS has three dot-separated parts")),
    }
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or_default();
    let (header, payload) = signing_input.split_once('.').unwrap_or_default();
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(TokenProblem::Malformed("a part is empty"));
    }
    Ok(CompactParts { header, payload, signature, signing_input })
}

/// The header as sent. `jku`, `x5u`, `jwk` and `x5c` are never read: keys
/// come from the issuer's configuration only (RFC 8725 section 3.10).
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<IgnoredAny>,
    #[serde(default)]
    enc: Option<IgnoredAny>,
}

/// A `typ` value without its optional `application/` (RFC 7515 section
/// 4.1.9), to compare in any letter case.
fn media_subtype(typ: &str) -> &str {
    const MEDIA_TYPE_PREFIX: &str = "application/";
    match typ.get(..MEDIA_TYPE_PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(MEDIA_TYPE_PREFIX) => &typ[MEDIA_TYPE_PREFIX.len()..],
        _ => typ,
    }
}

/// The `typ` values of an access token: absent, `JWT` (RFC 7519) or
/// `at+jwt` (RFC 9068), with or without `application/`, in any case.
fn is_access_token_type(typ: &str) -> bool {
    let subtype = media_subtype(typ);
    subtype.eq_ignore_ascii_case("jwt") || subtype.eq_ignore_ascii_case(ACCESS_TYPE)
}

/// Whether an access token's header declares the type its issuer
/// requires, if it requires one.
pub(crate) fn declares(header: &TokenHeader, required: Option<TokenType>) -> bool {
    match required {
        None => true,
        Some(TokenType::AtJwt) => {
            header.typ.as_deref().is_some_and(|typ| media_subtype(typ).eq_ignore_ascii_case(ACCESS_TYPE))
        }
    }
}

/// Decodes and checks the header of an access token.
pub(crate) fn decode_header(encoded: &str) -> Result<TokenHeader, TokenProblem> {
    decode_typed_header(encoded, |typ| typ.is_none_or(is_access_token_type))
}

/// Decodes and checks the header of a token whose `typ` must be
/// `subtype` (such as `logout+jwt`), with or without `application/`, in
/// any case: a logout token or a Security Event Token, which must never
/// pass for another kind of JWT (RFC 8725 section 3.11).
pub(crate) fn decode_explicitly_typed_header(encoded: &str, subtype: &str) -> Result<TokenHeader, TokenProblem> {
    decode_typed_header(encoded, |typ| typ.is_some_and(|typ| media_subtype(typ).eq_ignore_ascii_case(subtype)))
}

/// Decodes and checks a header whose `typ` (if any) `typ_ok` accepts.
fn decode_typed_header(encoded: &str, typ_ok: impl Fn(Option<&str>) -> bool) -> Result<TokenHeader, TokenProblem> {
    const NOT_A_HEADER: &str = "the header is not a JSON object with an `alg`";
    // Read straight into the fields it has: a field given twice is an
    // error of the derived deserializer, and other members are ignored.
    // That deserializer takes an array too, which is no header.
    let bytes = decode_part(encoded)?;
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(TokenProblem::Malformed(NOT_A_HEADER));
    }
    let raw: RawHeader = serde_json::from_slice(&bytes).map_err(|_| TokenProblem::Malformed(NOT_A_HEADER))?;
    if raw.enc.is_some() {
        return Err(TokenProblem::Encrypted);
    }
    if raw.crit.is_some() {
        return Err(TokenProblem::UnsupportedCritical);
    }
    if !typ_ok(raw.typ.as_deref()) {
        return Err(TokenProblem::WrongType);
    }
    let alg: Algorithm = raw.alg.parse().map_err(|_| TokenProblem::AlgorithmNotAllowed)?;
    Ok(TokenHeader { alg, kid: raw.kid, typ: raw.typ })
}

/// Decodes the claims object.
pub(crate) fn decode_claims(encoded: &str) -> Result<Map<String, Value>, TokenProblem> {
    decode_object(encoded, "the payload is not a JSON object with unique members")
}

/// Decodes a part that must be a JSON object with unique members;
/// `not_an_object` says what is wrong when it is not one.
pub(crate) fn decode_object(encoded: &str, not_an_object: &'static str) -> Result<Map<String, Value>, TokenProblem> {
    serde_json::from_slice::<UniqueMembers>(&decode_part(encoded)?)
        .map(|object| object.0)
        .map_err(|_| TokenProblem::Malformed(not_an_object))
}

/// The bytes of a base64url part.
fn decode_part(encoded: &str) -> Result<Vec<u8>, TokenProblem> {
    URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenProblem::Malformed("a part is not unpadded base64url"))
}

/// A JSON object whose members all have distinct names.
struct UniqueMembers(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;

        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueMembers;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut members = Map::new();
                while let Some((name, value)) = access.next_entry::<String, Value>()? {
                    match members.entry(name) {
                        Entry::Vacant(vacant) => vacant.insert(value),
                        Entry::Occupied(_) => return Err(de::Error::custom("duplicate member")),
                    };
                }
                Ok(UniqueMembers(members))
            }
        }

        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests;
