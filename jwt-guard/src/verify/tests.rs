//! The verifier's use of the verified-token cache.

use futures_util::FutureExt as _;
use serde_json::json;

use super::*;
use crate::algorithm::Algorithm;
use crate::config::IssuerConfig;
use crate::keys::signing::SigningKey;

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "https://api.test";

/// A verifier with one fixed-key issuer and a cache of `cache_size`
/// tokens, and a valid token of that issuer.
fn verifier_and_token(cache_size: u64) -> (Verifier, String) {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let mut config = Config { token_cache_size: cache_size, ..Config::default() };
    let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] }));
    config.issuers.insert("fixed".into(), issuer);
    let claims = json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": clock::unix_now() + 300.0 });
    let token = key.sign("at+jwt", claims.as_object().unwrap()).unwrap();
    (Verifier::new(&config).unwrap(), token)
}

fn is_cached(verifier: &Verifier, token: &str) -> bool {
    verifier.cached(token).now_or_never().expect("no revocation list to wait for").is_some()
}

fn verify(verifier: &Verifier, token: &str) -> Result<Token, AuthError> {
    verifier.verify(token).now_or_never().expect("fixed keys never wait")
}

#[test]
fn verified_tokens_are_cached_unless_the_cache_is_off() {
    for (token_cache_size, cached) in [(4096, true), (0, false)] {
        let (verifier, token) = verifier_and_token(token_cache_size);
        assert!(!is_cached(&verifier, &token));
        assert!(verify(&verifier, &token).is_ok());
        assert_eq!(is_cached(&verifier, &token), cached, "token_cache_size = {token_cache_size}");
    }
}

#[test]
fn refused_tokens_are_never_cached() {
    let (verifier, token) = verifier_and_token(4096);
    let (signing_input, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{signing_input}.{}", "A".repeat(86));
    assert_eq!(verify(&verifier, &forged).unwrap_err(), AuthError::from(TokenProblem::BadSignature));
    assert!(!is_cached(&verifier, &forged));
}

#[test]
fn a_header_is_kept_once_a_token_carrying_it_verified_and_then_shared() {
    let (verifier, token) = verifier_and_token(0);
    let (signing_input, _) = token.rsplit_once('.').unwrap();
    let header_text = signing_input.split_once('.').unwrap().0;
    let forged = format!("{signing_input}.{}", "A".repeat(86));
    assert!(verify(&verifier, &forged).is_err());
    assert!(verifier.headers.get(header_text).is_none(), "a refused token's header is not kept");
    let first = verify(&verifier, &token).unwrap();
    let kept = verifier.headers.get(header_text).expect("a verified token's header is kept");
    assert_eq!(first.header(), Some(&*kept));
    let second = verify(&verifier, &token).unwrap();
    assert!(std::ptr::eq(first.header().unwrap(), second.header().unwrap()), "shared, not decoded again");
    assert_eq!(verify(&verifier, &forged).unwrap_err(), AuthError::from(TokenProblem::BadSignature));
}
