//! Parsing a JWKS (RFC 7517) into ready keys.
//!
//! Every key is checked on its own: a key of an unknown type, curve or
//! algorithm, an encryption key, a symmetric key or a weak RSA key is
//! skipped with a log line, and the others are still used. A key that
//! holds private key material is warned of, each; of the other skipped
//! keys, the first few are logged each with its reason, the rest counted
//! in one line: a set of a hundred thousand unusable keys is a few lines,
//! not a hundred thousand per fetch.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse, ThumbprintHash,
};
use serde::Deserialize;

use super::{KeySet, VerifyingKey};
use crate::algorithm::{Algorithm, AlgorithmSet};

/// RSA moduli outside this range of bits are refused (RFC 7518 section 3.3
/// sets the floor; the ceiling bounds the cost of one verification).
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

/// JWK members that only a private key has (RFC 7518 section 6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Whether `jwk` holds a member that only a private key has.
pub(crate) fn holds_private_members(jwk: &serde_json::Value) -> bool {
    PRIVATE_MEMBERS.iter().any(|member| jwk.get(*member).is_some())
}

/// The unusable keys of one set that are logged each on its own line.
const UNUSABLE_LOGGED: usize = 4;

/// Parses a JWKS document, keeping the keys that may verify signatures.
///
/// `issuer` names the issuer in log lines.
pub(crate) fn parse_jwks(body: &[u8], issuer: &str) -> Result<KeySet, String> {
    let raw: RawJwks =
        serde_json::from_slice(body).map_err(|_| "the JWKS is not a JSON object with a `keys` array".to_owned())?;
    let mut unusable = 0_usize;
    let keys = raw
        .keys
        .into_iter()
        .enumerate()
        .filter_map(|(index, value)| {
            if holds_private_members(&value) {
                // Published, the private key signs for anyone.
                log::warn!("jwt-guard: issuer `{issuer}`: JWKS key #{index} holds private key material; not used");
                return None;
            }
            ready_key(value)
                .inspect_err(|reason| {
                    unusable += 1;
                    if unusable <= UNUSABLE_LOGGED {
                        log::info!("jwt-guard: issuer `{issuer}`: skipping JWKS key #{index}: {reason}");
                    }
                })
                .ok()
        })
        .collect();
    if unusable > UNUSABLE_LOGGED {
        let more = unusable - UNUSABLE_LOGGED;
        log::info!("jwt-guard: issuer `{issuer}`: skipping {more} more JWKS keys ({unusable} in all)");
    }
    Ok(KeySet::new(keys))
}

/// A public key of a JWK, bound to the algorithms of its type (and its
/// `alg`, if it names one); why it cannot be one, if not.
pub(crate) fn ready_key(value: serde_json::Value) -> Result<VerifyingKey, String> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|_| "not a JWK this library reads")?;
    let common = &jwk.common;
    if common.public_key_use.as_ref().is_some_and(|usage| *usage != PublicKeyUse::Signature) {
        return Err("its `use` is not `sig`".into());
    }
    if common.key_operations.as_ref().is_some_and(|ops| !ops.contains(&KeyOperations::Verify)) {
        return Err("its `key_ops` lack `verify`".into());
    }
    let by_type = algorithms_of_type(&jwk.algorithm)?;
    let algorithms = match common.key_algorithm {
        None => by_type,
        Some(KeyAlgorithm::UNKNOWN_ALGORITHM) => return Err("its `alg` is unknown".into()),
        Some(named) => {
            let alg: Algorithm =
                named.to_string().parse().map_err(|_| format!("its `alg` {named} is not a signature algorithm"))?;
            AlgorithmSet::only(alg).intersection(by_type)
        }
    };
    if algorithms.is_empty() {
        return Err("its `alg` does not fit its key type".into());
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "its key material is invalid")?;
    let fingerprint = thumbprint(&jwk)?;
    Ok(VerifyingKey::new(jwk.common.key_id, algorithms, key, fingerprint))
}

/// The key's RFC 7638 SHA-256 thumbprint.
fn thumbprint(jwk: &Jwk) -> Result<Box<str>, String> {
    let thumbprint = jwk.thumbprint(ThumbprintHash::SHA256).map_err(|_| "its thumbprint cannot be computed")?;
    Ok(thumbprint.into())
}

/// The algorithms a key of this type and size may verify.
fn algorithms_of_type(params: &AlgorithmParameters) -> Result<AlgorithmSet, String> {
    let decoded_len = |field: &str| {
        URL_SAFE_NO_PAD.decode(field).map(|bytes| bytes.len()).map_err(|_| "a key member is not base64url")
    };
    match params {
        AlgorithmParameters::RSA(rsa) => {
            let modulus = URL_SAFE_NO_PAD.decode(&rsa.n).map_err(|_| "`n` is not base64url")?;
            let start = modulus.iter().position(|byte| *byte != 0).unwrap_or(modulus.len());
            let bits =
                modulus.get(start).map_or(0, |first| (modulus.len() - start) * 8 - first.leading_zeros() as usize);
            if !RSA_BITS.contains(&bits) {
                return Err(format!("its RSA modulus has {bits} bits, outside 2048 to 8192"));
            }
            Ok(AlgorithmSet::RSA)
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            let (alg, coordinate_len) = match ec.curve {
                EllipticCurve::P256 => (Algorithm::ES256, 32),
                EllipticCurve::P384 => (Algorithm::ES384, 48),
                _ => return Err("its curve is not P-256 or P-384".into()),
            };
            if decoded_len(&ec.x)? != coordinate_len || decoded_len(&ec.y)? != coordinate_len {
                return Err("its coordinates do not fit its curve".into());
            }
            Ok(AlgorithmSet::only(alg))
        }
        AlgorithmParameters::OctetKeyPair(okp) => {
            if okp.curve != EllipticCurve::Ed25519 || decoded_len(&okp.x)? != 32 {
                return Err("it is not an Ed25519 public key".into());
            }
            Ok(AlgorithmSet::only(Algorithm::EdDSA))
        }
        AlgorithmParameters::OctetKey(_) => Err("it is a symmetric key, which a public JWKS must never hold".into()),
        _ => Err("its `kty` is not RSA, EC or OKP".into()),
    }
}

#[cfg(test)]
mod tests;
