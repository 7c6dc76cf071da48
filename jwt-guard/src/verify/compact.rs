//! The compact serialization of a JWS (RFC 7515 section 7.1): three
//! base64url parts, a JOSE header and a JSON claims object.
//!
//! Decoding is strict: no padding, no stray bits, no duplicate members at
//! the top level of the claims (RFC 7519 section 4 allows a parser to
//! reject them, and they are a classic way to fool a second parser).
//!
//! The parts are decoded with `base64-simd`, whose vector decoder is as
//! strict as the `base64` crate's (the same inputs refused, padding and
//! stray bits among them) and several times as fast: decoding the payload
//! was a tenth of an uncached verification.

use std::borrow::Cow;
use std::fmt;
use std::mem::MaybeUninit;

use base64_simd::{Out, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
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
    /// signature is decoded on the stack, into a buffer as long as the
    /// longest signature accepted: RSA with a key of 8192 bits.
    pub(crate) fn signed_by(&self, key: &VerifyingKey, alg: Algorithm) -> bool {
        const MAX_SIGNATURE_BYTES: usize = 8192 / 8;
        let mut buffer = [MaybeUninit::uninit(); MAX_SIGNATURE_BYTES];
        decode_into(self.signature, &mut buffer)
            .is_ok_and(|signature| key.key.verifies(alg, self.signing_input.as_bytes(), signature))
    }
}

/// `read` of the bytes of the base64url part `encoded`, decoded on the
/// stack when they are at most `N`, on the heap when longer.
fn read_decoded<const N: usize, R>(
    encoded: &str,
    read: impl FnOnce(&[u8]) -> Result<R, TokenProblem>,
) -> Result<R, TokenProblem> {
    let mut buffer = [MaybeUninit::uninit(); N];
    match decode_into(encoded, &mut buffer) {
        Ok(bytes) => read(bytes),
        Err(PartError::TooLong) => read(&decode_part(encoded)?),
        Err(PartError::NotBase64Url) => Err(NOT_BASE64URL),
    }
}

/// Why a part does not decode into a buffer.
enum PartError {
    /// It is not unpadded base64url.
    NotBase64Url,
    /// It decodes to more bytes than the buffer holds.
    TooLong,
}

/// Decodes the base64url part `encoded` into the start of `buffer`,
/// which need not be initialized: a buffer on the stack, sized for the
/// longest part it takes, is not zeroed first.
fn decode_into<'b>(encoded: &str, buffer: &'b mut [MaybeUninit<u8>]) -> Result<&'b [u8], PartError> {
    let len = URL_SAFE_NO_PAD.decoded_length(encoded.as_bytes()).map_err(|_| PartError::NotBase64Url)?;
    let buffer = buffer.get_mut(..len).ok_or(PartError::TooLong)?;
    let decoded = URL_SAFE_NO_PAD.decode(encoded.as_bytes(), Out::from_uninit_slice(buffer));
    decoded.map(|bytes| &*bytes).map_err(|_| PartError::NotBase64Url)
}

/// Whether `token` has the shape of a compact JWS (or JWE): three (or
/// five) dot-separated parts, the first a base64url JSON object (its first
/// four characters decode to a `{`). Anything else is an opaque token, for
/// introspection, dots or not (Ory Hydra's `ory_at_...` tokens have one).
pub(crate) fn is_jws(token: &str) -> bool {
    let dots = memchr::memchr_iter(b'.', token.as_bytes()).count();
    let header = token.split('.').next().unwrap_or_default();
    let start = header.get(..4).unwrap_or(header);
    (dots == 2 || dots == 4) && decode_part(start).is_ok_and(|bytes| bytes.first() == Some(&b'{'))
}

/// Splits a token into its parts. The dots are found with `memchr`'s
/// vector search: a token is hundreds of bytes, and this runs on every
/// verification. The dots after the second are counted only when there
/// is one, to tell a JWE.
pub(crate) fn split(token: &str) -> Result<CompactParts<'_>, TokenProblem> {
    const NOT_THREE_PARTS: TokenProblem = TokenProblem::Malformed("a JWS has three dot-separated parts");
    let bytes = token.as_bytes();
    let first = memchr::memchr(b'.', bytes).ok_or(NOT_THREE_PARTS)?;
    let second = memchr::memchr(b'.', &bytes[first + 1..]).ok_or(NOT_THREE_PARTS)? + first + 1;
    if memchr::memchr(b'.', &bytes[second + 1..]).is_some() {
        // A JWE has five parts.
        return Err(match memchr::memchr_iter(b'.', &bytes[second + 1..]).count() {
            2 => TokenProblem::Encrypted,
            _ => NOT_THREE_PARTS,
        });
    }
    // The dots are ASCII, so each part starts and ends on a character.
    let (header, payload, signature) = (&token[..first], &token[first + 1..second], &token[second + 1..]);
    if header.is_empty() || payload.is_empty() || signature.is_empty() {
        return Err(TokenProblem::Malformed("a part is empty"));
    }
    Ok(CompactParts { header, payload, signature, signing_input: &token[..second] })
}

/// The header as sent. `jku`, `x5u`, `jwk` and `x5c` are never read: keys
/// come from the issuer's configuration only (RFC 8725 section 3.10).
#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow)]
    kid: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    typ: Option<Cow<'a, str>>,
    /// Whether `crit` is there, whatever its value: `null` included, which
    /// an `Option` would read as absent.
    #[serde(default, deserialize_with = "present")]
    crit: bool,
    /// Whether `enc` is there, as `crit`.
    #[serde(default, deserialize_with = "present")]
    enc: bool,
}

/// That a member is there, whatever its value.
fn present<'de, D: Deserializer<'de>>(value: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(value).map(|_| true)
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

/// The `typ` of an OpenID Connect back-channel logout token.
const LOGOUT_TYPE: &str = "logout+jwt";

/// Decodes and checks the header of an OpenID Connect back-channel logout
/// token: `typ` `logout+jwt` (with or without `application/`, in any
/// case), as the specification recommends, or else the generic `JWT`, or
/// none, as providers that predate explicit typing send (Keycloak before
/// 25, Authentik before 2025.12); never another type, such as an access
/// token's `at+jwt` or a Security Event Token's. What tells a logout token
/// from an ID token of the same issuer and audience is then its claims,
/// as section 4.1 of the specification has it: an `events` member with the
/// logout event, and no `nonce`.
pub(crate) fn decode_logout_token_header(encoded: &str) -> Result<TokenHeader, TokenProblem> {
    decode_typed_header(encoded, |typ| {
        typ.is_none_or(|typ| {
            let subtype = media_subtype(typ);
            subtype.eq_ignore_ascii_case(LOGOUT_TYPE) || subtype.eq_ignore_ascii_case("jwt")
        })
    })
}

/// Decodes and checks a header whose `typ` (if any) `typ_ok` accepts.
/// Headers are short: decoded on the stack, as signatures are.
fn decode_typed_header(encoded: &str, typ_ok: impl Fn(Option<&str>) -> bool) -> Result<TokenHeader, TokenProblem> {
    read_decoded::<MAX_STACK_HEADER_BYTES, _>(encoded, |bytes| read_header(bytes, typ_ok))
}

/// Reads a decoded header straight into the fields it has (a field given
/// twice is an error of the derived deserializer, and other members are
/// ignored), and checks it. That deserializer takes an array too, which
/// is no header.
fn read_header(bytes: &[u8], typ_ok: impl Fn(Option<&str>) -> bool) -> Result<TokenHeader, TokenProblem> {
    const NOT_A_HEADER: &str = "the header is not a JSON object with an `alg`";
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(TokenProblem::Malformed(NOT_A_HEADER));
    }
    let raw: RawHeader<'_> = serde_json::from_slice(bytes).map_err(|_| TokenProblem::Malformed(NOT_A_HEADER))?;
    if raw.enc {
        return Err(TokenProblem::Encrypted);
    }
    if raw.crit {
        return Err(TokenProblem::UnsupportedCritical);
    }
    if !typ_ok(raw.typ.as_deref()) {
        return Err(TokenProblem::WrongType);
    }
    let alg: Algorithm = raw.alg.parse().map_err(|_| TokenProblem::AlgorithmNotAllowed)?;
    Ok(TokenHeader { alg, kid: raw.kid.map(Cow::into_owned), typ: raw.typ.map(Cow::into_owned) })
}

/// Whether the header `encoded` has a `nonce`, as a Microsoft Graph token's
/// does: read again, for a token whose signature failed.
pub(crate) fn has_nonce(encoded: &str) -> bool {
    decode_object(encoded, "").is_ok_and(|header| header.contains_key("nonce"))
}

/// The longest decoded header read on the stack; a longer one (a header
/// with a long `kid`, say) is read on the heap.
const MAX_STACK_HEADER_BYTES: usize = 256;

/// What is wrong with a part that does not decode.
const NOT_BASE64URL: TokenProblem = TokenProblem::Malformed("a part is not unpadded base64url");

/// Decodes the claims object.
pub(crate) fn decode_claims(encoded: &str) -> Result<Map<String, Value>, TokenProblem> {
    decode_object(encoded, NOT_CLAIMS)
}

/// What is wrong with a payload that is not a claims object.
pub(crate) const NOT_CLAIMS: &str = "the payload is not a JSON object with unique members";

/// Decodes a part that must be a JSON object with unique members;
/// `not_an_object` says what is wrong when it is not one. In one pass:
/// a DPoP proof's header and claims, a logout token's claims and a signed
/// introspection answer are read whole, as a map.
pub(crate) fn decode_object(encoded: &str, not_an_object: &'static str) -> Result<Map<String, Value>, TokenProblem> {
    serde_json::from_slice::<UniqueMembers>(&decode_part(encoded)?)
        .map(|object| object.0)
        .map_err(|_| TokenProblem::Malformed(not_an_object))
}

/// `token`, then the text of its base64url part `encoded`, which must be
/// UTF-8: a verified token keeps both in one buffer. The part is decoded
/// on the stack first, so that only its own bytes are checked as UTF-8,
/// not the token's, which a `str` already is.
pub(crate) fn decode_text_after(token: &str, encoded: &str) -> Result<String, TokenProblem> {
    read_decoded::<MAX_STACK_PAYLOAD_BYTES, _>(encoded, |bytes| {
        let claims = std::str::from_utf8(bytes).map_err(|_| TokenProblem::Malformed("a part is not UTF-8"))?;
        let mut text = String::with_capacity(token.len() + claims.len());
        text.push_str(token);
        text.push_str(claims);
        Ok(text)
    })
}

/// The longest decoded payload read on the stack; a longer one is read
/// on the heap.
const MAX_STACK_PAYLOAD_BYTES: usize = 2048;

/// The bytes of a base64url part.
fn decode_part(encoded: &str) -> Result<Vec<u8>, TokenProblem> {
    URL_SAFE_NO_PAD.decode_to_vec(encoded).map_err(|_| NOT_BASE64URL)
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
