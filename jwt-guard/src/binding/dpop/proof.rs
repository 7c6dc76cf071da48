//! One DPoP proof (RFC 9449 section 4.3): a JWS whose header carries the
//! client's public key, made for one request. Every check that costs no
//! signature runs first, so a flood of made-up proofs costs no signature
//! verification; [`ParsedProof::verify_signature`] comes last.

use reqwest::Url;
use serde_json::{Map, Value};

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::digest::sha256_base64url;
use crate::error::ProofProblem;
use crate::keys::{VerifyingKey, holds_private_members, ready_key};
use crate::verify::compact::{self, CompactParts};

/// The longest proof accepted: room for an RSA key of 8192 bits and its
/// signature.
const MAX_PROOF_BYTES: usize = 8192;

/// The longest `jti` accepted.
const MAX_JTI_BYTES: usize = 256;

/// The request a proof must be made for. No `Debug`: it holds the access
/// token.
#[derive(Clone, Copy)]
pub(crate) struct ProofTarget<'a> {
    /// The request's method, upper case.
    pub(crate) method: &'a str,
    /// The request's path, without its query.
    pub(crate) path: &'a str,
    /// The access token the proof comes with, whose hash `ath` must be.
    pub(crate) access_token: Option<&'a str>,
    /// The thumbprint the access token is bound to (`cnf.jkt`), which the
    /// proof's key must have.
    pub(crate) bound_to: Option<&'a str>,
}

/// What an app accepts of proofs.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProofRules<'a> {
    pub(super) algorithms: AlgorithmSet,
    /// `scheme://authority` of the URLs that clients call.
    pub(super) origin: &'a str,
    /// How old a proof may be, in seconds.
    pub(super) max_age: f64,
    /// The clock skew allowed, in seconds.
    pub(super) leeway: f64,
}

/// A proof that passed every check but its signature's.
pub(super) struct ParsedProof<'p> {
    parts: CompactParts<'p>,
    alg: Algorithm,
    key: VerifyingKey,
    pub(super) jti: String,
    pub(super) iat: f64,
    pub(super) nonce: Option<String>,
}

impl ParsedProof<'_> {
    /// The thumbprint of the proof's key: what binds a token to it.
    pub(super) fn thumbprint(&self) -> &str {
        self.key.thumbprint()
    }

    /// Verifies the signature with the proof's own key.
    pub(super) fn verify_signature(&self) -> Result<(), ProofProblem> {
        if self.parts.signed_by(&self.key, self.alg) { Ok(()) } else { Err(ProofProblem::BadSignature) }
    }
}

/// Checks everything of `proof` that costs no signature, for `target`
/// under `rules` at `now`.
pub(super) fn parse<'p>(
    proof: &'p str,
    target: &ProofTarget<'_>,
    rules: &ProofRules<'_>,
    now: f64,
) -> Result<ParsedProof<'p>, ProofProblem> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofProblem::TooLarge);
    }
    let parts = compact::split(proof).map_err(|_| ProofProblem::Malformed("a JWS has three dot-separated parts"))?;
    let mut header = compact::decode_object(parts.header, "the header is not a JSON object")
        .map_err(|_| ProofProblem::Malformed("the header is not a JSON object"))?;
    if !header.get("typ").and_then(Value::as_str).is_some_and(|typ| typ.eq_ignore_ascii_case("dpop+jwt")) {
        return Err(ProofProblem::WrongType);
    }
    if header.contains_key("crit") {
        return Err(ProofProblem::Malformed("critical header parameters are not supported"));
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|alg| alg.parse::<Algorithm>().ok())
        .filter(|alg| rules.algorithms.contains(*alg))
        .ok_or(ProofProblem::AlgorithmNotAllowed)?;
    let key = public_key(header.remove("jwk"), alg)?;
    let claims = compact::decode_claims(parts.payload)
        .map_err(|_| ProofProblem::Malformed("the payload is not a JSON object with unique members"))?;
    let text = |name: &'static str| claims.get(name).and_then(Value::as_str).ok_or(ProofProblem::MissingClaim(name));
    let jti = text("jti")?;
    if jti.is_empty() || jti.len() > MAX_JTI_BYTES {
        return Err(ProofProblem::MissingClaim("jti"));
    }
    if text("htm")? != target.method {
        return Err(ProofProblem::WrongMethod);
    }
    if !is_target_url(text("htu")?, rules.origin, target.path) {
        return Err(ProofProblem::WrongUrl);
    }
    let iat = claims.get("iat").and_then(Value::as_f64).ok_or(ProofProblem::MissingClaim("iat"))?;
    if iat < now - rules.max_age - rules.leeway || iat > now + rules.leeway {
        return Err(ProofProblem::Stale);
    }
    if let Some(access_token) = target.access_token {
        check_token_hash(&claims, access_token)?;
    }
    if target.bound_to.is_some_and(|jkt| jkt != key.thumbprint()) {
        return Err(ProofProblem::WrongKey);
    }
    let nonce = claims.get("nonce").and_then(Value::as_str).map(str::to_owned);
    Ok(ParsedProof { parts, alg, key, jti: jti.to_owned(), iat, nonce })
}

/// The public key of the proof's `jwk`, which must fit `alg`.
fn public_key(jwk: Option<Value>, alg: Algorithm) -> Result<VerifyingKey, ProofProblem> {
    let Some(jwk @ Value::Object(_)) = jwk else { return Err(ProofProblem::BadKey("it has no `jwk` object")) };
    if holds_private_members(&jwk) {
        return Err(ProofProblem::BadKey("it holds private key material"));
    }
    let key = ready_key(jwk).map_err(|_| ProofProblem::BadKey("it is not a usable key"))?;
    if !key.algorithms.contains(alg) {
        return Err(ProofProblem::BadKey("its type does not fit `alg`"));
    }
    Ok(key)
}

/// Whether `htu` is `origin` and `path`, ignoring a query and a fragment,
/// as RFC 9449 section 4.3 compares them: after the syntax-based
/// normalization of RFC 3986 section 6.2.2 (the scheme and host in any
/// case, a default port left out, percent-encoded unreserved characters
/// of the path decoded and its other percent-encodings in upper case), but
/// never with dot-segments resolved: `path` is the request's path as
/// received (it starts with `/`), so a proof for `/admin` is not one for
/// `/public/%2e%2e/admin`. The same text, as clients send it, needs no
/// normalizing. A host is ASCII: a name in punycode, or an address.
fn is_target_url(htu: &str, origin: &str, path: &str) -> bool {
    if !path.starts_with('/') {
        return false;
    }
    let without_query = htu.split(['?', '#']).next().unwrap_or_default();
    if without_query.strip_prefix(origin) == Some(path) {
        return true;
    }
    let Some((scheme, rest)) = without_query.split_once("://") else { return false };
    let (authority, sent_path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    // Only letters, digits and `+-.` in the scheme, and `-._~:[]` besides
    // in the host and port: stricter than RFC 3986, which allows a host's
    // percent-encodings and sub-delimiters, because the URL parser below
    // follows the WHATWG rules, which would take a `\` for a `/`, drop tabs
    // and newlines, and decode a host's percent-encodings, and so read
    // another URL than the proof names. No user information either.
    let scheme_char = |byte: u8| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte);
    let authority_char = |byte: u8| byte.is_ascii_alphanumeric() || b"-._~:[]".contains(&byte);
    if !scheme.bytes().all(scheme_char) || !authority.bytes().all(authority_char) {
        return false;
    }
    let (Ok(sent), Ok(expected)) = (Url::parse(&format!("{scheme}://{authority}/")), Url::parse(&format!("{origin}/")))
    else {
        return false;
    };
    sent.origin() == expected.origin() && normalized_path(sent_path) == normalized_path(path)
}

/// A URL path after RFC 3986 section 6.2.2.1 and 6.2.2.2: each
/// percent-encoded unreserved character decoded, every other
/// percent-encoding in upper case; an empty path is `/` (section 6.2.3).
/// Dot-segments stay as they are.
fn normalized_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut normalized = String::with_capacity(path.len().max(1));
    let mut at = 0;
    while at < bytes.len() {
        let encoded = bytes
            .get(at + 1..at + 3)
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (bytes[at], encoded) {
            (b'%', Some(byte)) if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) => {
                normalized.push(char::from(byte));
                at += 3;
            }
            (b'%', Some(byte)) => {
                normalized.push_str(&format!("%{byte:02X}"));
                at += 3;
            }
            _ => {
                let width = path[at..].chars().next().map_or(1, char::len_utf8);
                normalized.push_str(&path[at..at + width]);
                at += width;
            }
        }
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    normalized
}

/// Checks that `ath` is the base64url SHA-256 of `access_token`.
fn check_token_hash(claims: &Map<String, Value>, access_token: &str) -> Result<(), ProofProblem> {
    let ath = claims.get("ath").and_then(Value::as_str).ok_or(ProofProblem::MissingClaim("ath"))?;
    let expected = sha256_base64url(access_token.as_bytes());
    if aws_lc_rs::constant_time::verify_slices_are_equal(ath.as_bytes(), expected.as_bytes()).is_err() {
        return Err(ProofProblem::WrongTokenHash);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
