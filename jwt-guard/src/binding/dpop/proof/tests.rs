//! Each check of RFC 9449 section 4.3, on proofs made by a real key.

use serde_json::json;

use super::*;
use crate::clock;
use crate::testing::DpopKey;

const URL: &str = "https://api.test/reports";

const RULES: ProofRules<'static> =
    ProofRules { algorithms: AlgorithmSet::ASYMMETRIC, origin: "https://api.test", max_age: 60.0, leeway: 5.0 };

fn target<'a>(key: &'a DpopKey, token: &'a str) -> ProofTarget<'a> {
    ProofTarget { method: "GET", path: "/reports", access_token: Some(token), bound_to: Some(key.thumbprint()) }
}

/// What `parse` and then the signature check make of `proof`.
fn outcome(proof: &str, target: &ProofTarget<'_>) -> Result<(), ProofProblem> {
    let parsed = parse(proof, target, &RULES, clock::unix_now())?;
    parsed.verify_signature()
}

#[test]
fn a_proof_for_the_request_and_the_token_passes() {
    let key = DpopKey::new();
    let proof = key.proof("GET", URL).access_token("the-token").sign();
    let parsed = parse(&proof, &target(&key, "the-token"), &RULES, clock::unix_now()).unwrap();
    parsed.verify_signature().unwrap();
    assert_eq!(parsed.thumbprint(), key.thumbprint());
    let with_query = key.proof("GET", "https://API.test:443/reports?page=2#top").access_token("the-token").sign();
    assert_eq!(outcome(&with_query, &target(&key, "the-token")), Ok(()), "query, fragment, case and port aside");
}

#[test]
fn each_claim_must_fit_the_request() {
    let key = DpopKey::new();
    let target = target(&key, "the-token");
    let proof = || key.proof("GET", URL).access_token("the-token");
    let now = clock::unix_now_secs();
    for (proof, problem) in [
        (key.proof("POST", URL).access_token("the-token"), ProofProblem::WrongMethod),
        (key.proof("GET", "https://api.test/other"), ProofProblem::WrongUrl),
        (key.proof("GET", "https://evil.test/reports"), ProofProblem::WrongUrl),
        (proof().claim("iat", now - 120), ProofProblem::Stale),
        (proof().claim("iat", now + 60), ProofProblem::Stale),
        (proof().claim("ath", Value::Null), ProofProblem::MissingClaim("ath")),
        (key.proof("GET", URL).access_token("another-token"), ProofProblem::WrongTokenHash),
        (proof().claim("jti", Value::Null), ProofProblem::MissingClaim("jti")),
        (proof().claim("jti", "x".repeat(257)), ProofProblem::MissingClaim("jti")),
        (proof().claim("htu", Value::Null), ProofProblem::MissingClaim("htu")),
        (proof().claim("iat", "now"), ProofProblem::MissingClaim("iat")),
    ] {
        assert_eq!(outcome(&proof.sign(), &target), Err(problem));
    }
}

#[test]
fn the_header_must_carry_a_public_key_of_the_algorithm() {
    let key = DpopKey::new();
    let target = target(&key, "the-token");
    let proof = || key.proof("GET", URL).access_token("the-token");
    let mut private = key.public_jwk();
    private["d"] = json!("c2VjcmV0");
    for (proof, problem) in [
        (proof().header("typ", "JWT"), ProofProblem::WrongType),
        (proof().header("typ", Value::Null), ProofProblem::WrongType),
        (proof().header("alg", "none"), ProofProblem::AlgorithmNotAllowed),
        (proof().header("alg", "HS256"), ProofProblem::AlgorithmNotAllowed),
        (proof().header("alg", "RS256"), ProofProblem::BadKey("its type does not fit `alg`")),
        (proof().header("jwk", Value::Null), ProofProblem::BadKey("it has no `jwk` object")),
        (proof().header("jwk", private), ProofProblem::BadKey("it holds private key material")),
        (
            proof().header("crit", json!(["exp"])),
            ProofProblem::Malformed("critical header parameters are not supported"),
        ),
    ] {
        assert_eq!(outcome(&proof.sign(), &target), Err(problem));
    }
}

#[test]
fn the_key_must_be_the_bound_one_and_must_have_signed() {
    let (key, other) = (DpopKey::new(), DpopKey::new());
    let target = target(&key, "the-token");
    let by_other = other.proof("GET", URL).access_token("the-token").sign();
    assert_eq!(outcome(&by_other, &target), Err(ProofProblem::WrongKey));
    // The header names `key`, but `other` signed.
    let forged = other.proof("GET", URL).access_token("the-token").header("jwk", key.public_jwk()).sign();
    assert_eq!(outcome(&forged, &target), Err(ProofProblem::BadSignature));
}

#[test]
fn garbage_is_refused_before_any_signature_is_checked() {
    let key = DpopKey::new();
    let target = target(&key, "the-token");
    for (garbage, problem) in [
        ("x".repeat(9000), ProofProblem::TooLarge),
        ("not a proof".to_owned(), ProofProblem::Malformed("a JWS has three dot-separated parts")),
        ("e30.e30.c2ln".to_owned(), ProofProblem::WrongType),
        ("%%%.e30.c2ln".to_owned(), ProofProblem::Malformed("the header is not a JSON object")),
    ] {
        assert_eq!(parse(&garbage, &target, &RULES, clock::unix_now()).err(), Some(problem));
    }
}

#[test]
fn htu_is_compared_after_rfc_3986_normalization_without_dot_segments() {
    let origin = "https://api.test";
    for (htu, path) in [
        ("https://api.test/reports", "/reports"),
        ("HTTPS://API.Test/reports", "/reports"),
        ("https://api.test:443/reports", "/reports"),
        ("https://api.test/%72eports", "/reports"),
        ("https://api.test/reports", "/%72%65ports"),
        ("https://api.test/a%2fb", "/a%2Fb"),
        ("https://api.test/a%7E", "/a~"),
        ("https://api.test", "/"),
        ("https://api.test/reports?x=1#f", "/reports"),
        ("https://api.test/public/%2e%2e/admin", "/public/%2E%2E/admin"),
    ] {
        assert!(is_target_url(htu, origin, path), "{htu} for {path}");
    }
    for (htu, path) in [
        ("https://api.test/admin", "/public/%2e%2e/admin"),
        ("https://api.test/admin", "/public/../admin"),
        ("https://api.test/public/../admin", "/admin"),
        ("https://api.test/public/%2e%2e/admin", "/admin"),
        ("https://api.test/./reports", "/reports"),
        ("https://api.test/a%2fb", "/a/b"),
        ("https://api.test:8443/reports", "/reports"),
        ("http://api.test/reports", "/reports"),
        ("https://user@api.test/reports", "/reports"),
        ("https://api.test.evil/reports", "/reports"),
        ("https://api.test/Reports", "/reports"),
        ("https://api.test/%+1", "/%01"),
        ("https://api.test\\admin/reports", "/reports"),
        ("https://api.test\\@evil.test/reports", "/reports"),
        ("https://api.te\tst/reports", "/reports"),
        ("https://api.%74est/reports", "/reports"),
        ("ht\ttps://api.test/reports", "/reports"),
        ("https://api.testreports", "reports"),
        ("/reports", "/reports"),
    ] {
        assert!(!is_target_url(htu, origin, path), "{htu} is not {path}");
    }
}

/// Every check that costs no signature comes first: a proof wrong in a
/// claim, or of another key than the token's, is refused for that even
/// when its signature is bad too, so made-up proofs cost no signature
/// check; one right in all of them is refused for its signature.
#[test]
fn the_signature_is_checked_last() {
    let key = DpopKey::new();
    let target = target(&key, "the-token");
    let with_another_signature = |proof: String| {
        let another = key.proof("GET", URL).access_token("the-token").sign();
        let (signed, _) = proof.rsplit_once('.').expect("a compact JWS");
        format!("{signed}.{}", another.rsplit('.').next().expect("a signature"))
    };
    let now = clock::unix_now_secs();
    for (proof, problem) in [
        (key.proof("POST", URL).access_token("the-token"), ProofProblem::WrongMethod),
        (key.proof("GET", "https://api.test/other").access_token("the-token"), ProofProblem::WrongUrl),
        (key.proof("GET", URL).access_token("the-token").claim("iat", now - 120), ProofProblem::Stale),
        (key.proof("GET", URL).access_token("another-token"), ProofProblem::WrongTokenHash),
        (DpopKey::new().proof("GET", URL).access_token("the-token"), ProofProblem::WrongKey),
        (key.proof("GET", URL).access_token("the-token"), ProofProblem::BadSignature),
    ] {
        assert_eq!(outcome(&with_another_signature(proof.sign()), &target), Err(problem));
    }
}
