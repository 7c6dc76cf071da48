//! The verifier's use of the verified-token cache, and the bound tokens
//! it refuses, having no request to check their binding against.

use futures_util::FutureExt as _;
use serde_json::json;

use super::*;
use crate::algorithm::Algorithm;
use crate::config::{DpopMode, IssuerConfig};
use crate::keys::signing::SigningKey;

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "https://api.test";

/// A verifier with one fixed-key issuer and a cache of `cache_size`
/// tokens, and a valid token of that issuer.
fn verifier_and_token(cache_size: u64) -> (Verifier, String) {
    let (verifier, key) = verifier_and_key(cache_size, DpopMode::default());
    (verifier, signed(&key, json!({})))
}

/// A verifier with one fixed-key issuer of `dpop` mode, and its key.
fn verifier_and_key(cache_size: u64, dpop: DpopMode) -> (Verifier, SigningKey) {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let mut config = Config { token_cache_size: cache_size, ..Config::default() };
    let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] })).dpop(dpop);
    config.issuers.insert("fixed".into(), issuer);
    (Verifier::new(&config).unwrap(), key)
}

/// A valid token signed with `key`, with the `extra` claims.
fn signed(key: &SigningKey, extra: serde_json::Value) -> String {
    let mut claims = json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": clock::unix_now() + 300.0 });
    claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    key.sign("at+jwt", claims.as_object().unwrap()).unwrap()
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

#[test]
fn a_bound_token_is_refused_as_a_bearer_token_with_or_without_the_cache() {
    let bound = [
        (json!({ "cnf": { "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } }), TokenProblem::ProofRequired),
        (
            json!({ "cnf": { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" } }),
            TokenProblem::CertificateMismatch,
        ),
    ];
    for (cache_size, (claims, problem)) in [0, 4096].into_iter().flat_map(|size| bound.clone().map(|case| (size, case)))
    {
        let (verifier, key) = verifier_and_key(cache_size, DpopMode::Allowed);
        let token = signed(&key, claims);
        for _twice in 0..2 {
            assert_eq!(verify(&verifier, &token).unwrap_err(), AuthError::from(problem.clone()));
            let revocable = verifier.verify_whatever_bound(&token).now_or_never().unwrap();
            assert!(revocable.is_ok(), "verified whatever it is bound to");
        }
    }
}

#[test]
fn a_bearer_token_of_an_issuer_that_requires_dpop_is_refused() {
    let (verifier, key) = verifier_and_key(4096, DpopMode::Required);
    let token = signed(&key, json!({}));
    assert_eq!(verify(&verifier, &token).unwrap_err(), AuthError::from(TokenProblem::DpopRequired));
    let (verifier, key) = verifier_and_key(4096, DpopMode::Allowed);
    assert!(verify(&verifier, &signed(&key, json!({}))).is_ok());
}

#[test]
fn a_token_bound_by_a_method_that_cannot_be_checked_is_refused() {
    let (verifier, key) = verifier_and_key(4096, DpopMode::Allowed);
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" });
    for cnf in [json!({ "jwk": jwk }), json!({ "kid": "k1" }), json!({})] {
        let token = signed(&key, json!({ "cnf": cnf }));
        assert_eq!(
            verifier.verify_whatever_bound(&token).now_or_never().unwrap().unwrap_err(),
            AuthError::from(TokenProblem::UnsupportedConfirmation),
            "{cnf}"
        );
    }
    let both = signed(&key, json!({ "cnf": { "jwk": jwk, "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } }));
    assert_eq!(verify(&verifier, &both).unwrap_err(), AuthError::from(TokenProblem::ProofRequired));
}

#[test]
fn a_token_s_debug_shows_its_claims_never_the_token() {
    let (verifier, key) = verifier_and_key(0, DpopMode::Allowed);
    let token = signed(&key, json!({ "sub": "ada" }));
    let shown = format!("{:?}", verify(&verifier, &token).unwrap());
    assert!(shown.contains(r#"\"sub\":\"ada\""#), "{shown}");
    let signature = token.rsplit('.').next().unwrap();
    assert!(!shown.contains(signature), "{shown}");
}
