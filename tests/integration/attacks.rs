//! The attacks of RFC 8725 and malformed inputs, each refused with the
//! right status and challenge, and never echoed back.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use jwt_guard_tests::{KeyServer, TestKey, app, call, claims_for, issuer_table, mint, mint_with_header, now};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

use crate::bearer;

/// An app trusting `primary` (RS256 only) and `secondary`.
async fn setup() -> (KeyServer, KeyServer, Client) {
    let primary = KeyServer::start(&[TestKey::RsaA, TestKey::EcA]).await;
    let secondary = KeyServer::start(&[TestKey::RsaOther]).await;
    let mut first = issuer_table(&primary);
    first["algorithms"] = json!(["RS256"]);
    let config = json!({ "issuers": { "primary": first, "secondary": issuer_table(&secondary) } });
    let client = Client::tracked(app(config)).await.unwrap();
    (primary, secondary, client)
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with this header and claims, and a signature that is junk.
fn unsigned(header: &Value, claims: &Value) -> String {
    format!("{}.{}.{}", encode(header), encode(claims), URL_SAFE_NO_PAD.encode(b"not a signature"))
}

/// A token of `key` with these claims as raw JSON text.
fn signed_raw(key: TestKey, header: &Value, payload: &str) -> String {
    signed_over_header(key, &header.to_string(), payload)
}

/// A token of `key` with this header and these claims as raw JSON text.
fn signed_over_header(key: TestKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key.encoding_key(), key.alg()).unwrap();
    format!("{input}.{signature}")
}

/// Asserts that `authorization` is refused with `status` and `code`, and
/// that nothing of the token comes back; the refusal's description.
async fn assert_refused(client: &Client, label: &str, authorization: &[&str], status: u16, code: &str) -> String {
    let response = call(client, "/token", authorization).await;
    assert_eq!(response.status, status, "{label}");
    let challenge = response.challenge.unwrap_or_else(|| panic!("{label}: no challenge"));
    assert!(challenge.starts_with(&format!(r#"Bearer realm="api", error="{code}""#)), "{label}: {challenge}");
    assert_eq!(response.body["error"], code, "{label}");
    let body = response.body.to_string();
    for value in authorization {
        let token = value.trim_start_matches("Bearer ");
        for part in token.split('.').filter(|part| part.len() > 8) {
            assert!(!body.contains(part) && !challenge.contains(part), "{label}: the response echoes the token");
        }
    }
    response.body["error_description"].as_str().unwrap_or_default().to_owned()
}

#[rocket::async_test]
async fn forged_algorithms_and_keys_are_refused() {
    let (primary, secondary, client) = setup().await;
    let claims = claims_for(primary.base());
    let mut cases: Vec<(String, String)> = ["none", "None", "NONE", "nOnE"]
        .into_iter()
        .map(|alg| (format!("alg {alg}"), unsigned(&json!({"alg": alg, "kid": TestKey::RsaA.kid()}), &claims)))
        .collect();
    let public_pem = TestKey::RsaA.public_pem();
    let pem_body: String =
        String::from_utf8(public_pem.clone()).unwrap().lines().filter(|line| !line.starts_with("-----")).collect();
    let public_der = STANDARD.decode(pem_body).unwrap();
    for (form, secret) in [("PEM", public_pem), ("DER", public_der)] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(TestKey::RsaA.kid());
        let token =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret).expect("a secret")).unwrap();
        cases.push((format!("HS256 with the RSA public key ({form}) as secret"), token));
    }
    cases.push(("ES256, outside the issuer's allow-list".into(), mint(TestKey::EcA, &claims)));
    let mut other_kid = Header::new(Algorithm::RS256);
    other_kid.kid = Some(TestKey::RsaA.kid());
    cases.push((
        "a kid of the primary issuer on a token of the secondary".into(),
        mint_with_header(TestKey::RsaA, &other_kid, &claims_for(secondary.base())),
    ));
    for (label, token) in cases {
        assert_refused(&client, &label, &[&bearer(&token)], 401, "invalid_token").await;
    }
}

#[rocket::async_test]
async fn keys_named_in_token_headers_are_never_fetched() {
    let (primary, _secondary, client) = setup().await;
    let attacker = KeyServer::start(&[TestKey::RsaOther]).await;
    let claims = claims_for(primary.base());
    let headers = [
        ("jku", json!(attacker.jwks_uri())),
        ("x5u", json!(format!("{}/cert.pem", attacker.base()))),
        ("jwk", TestKey::RsaOther.jwk()),
        ("x5c", json!([STANDARD.encode(b"not really a certificate")])),
    ];
    for (name, value) in headers {
        let header = json!({ "alg": "RS256", "kid": TestKey::RsaOther.kid(), name: value });
        let token = signed_raw(TestKey::RsaOther, &header, &claims.to_string());
        assert_refused(&client, name, &[&bearer(&token)], 401, "invalid_token").await;
    }
    assert_eq!((attacker.jwks_hits(), attacker.discovery_hits()), (0, 0), "the attacker's server saw no request");
}

#[rocket::async_test]
async fn malformed_tokens_are_refused() {
    let (primary, _secondary, client) = setup().await;
    let good = mint(TestKey::RsaA, &claims_for(primary.base()));
    let other = mint(TestKey::RsaA, &json!({"iss": primary.base(), "aud": "https://api.test", "exp": now() + 60}));
    let parts: Vec<&str> = good.split('.').collect();
    let header = json!({"alg": "RS256", "kid": TestKey::RsaA.kid()});
    let t = now();
    let with_claims = |claims: &str| signed_raw(TestKey::RsaA, &header, &claims.replace("ISS", primary.base()));
    let mut flipped = parts[1].to_owned().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let cases = [
        (
            "unknown crit",
            signed_raw(
                TestKey::RsaA,
                &json!({"alg": "RS256", "kid": TestKey::RsaA.kid(), "crit": ["x-bank"], "x-bank": 1}),
                &claims_for(primary.base()).to_string(),
            ),
        ),
        ("five-segment JWE", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d".to_owned()),
        ("standard base64", format!("{}+/.{}.{}", parts[0], parts[1], parts[2])),
        ("an extra dot", format!("{}.{}..{}", parts[0], parts[1], parts[2])),
        ("an empty segment", format!("{}..{}", parts[0], parts[2])),
        ("signature stripped", format!("{}.{}.", parts[0], parts[1])),
        ("signature of another token", format!("{}.{}.{}", parts[0], parts[1], other.rsplit('.').next().unwrap())),
        ("a claim changed, the signature kept", {
            let mut claims = claims_for(primary.base());
            claims["sub"] = json!("admin");
            format!("{}.{}.{}", parts[0], encode(&claims), parts[2])
        }),
        ("one payload byte changed", format!("{}.{}.{}", parts[0], String::from_utf8(flipped).unwrap(), parts[2])),
        ("header that is not an object", format!("{}.{}.{}", encode(&json!(["RS256"])), parts[1], parts[2])),
        ("payload that is not an object", signed_raw(TestKey::RsaA, &header, "\"claims\"")),
        (
            "duplicate payload members",
            with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":{},"exp":1}}"#, t + 60)),
        ),
        (
            "duplicate header members",
            signed_over_header(
                TestKey::RsaA,
                &format!(r#"{{"alg":"RS256","kid":"{}","kid":"{}"}}"#, TestKey::RsaB.kid(), TestKey::RsaA.kid()),
                &claims_for(primary.base()).to_string(),
            ),
        ),
        ("exp as a string", with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":"{}"}}"#, t + 60))),
        (
            "nbf as a string",
            with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":{},"nbf":"0"}}"#, t + 60)),
        ),
        (
            "iat as a string",
            with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":{},"iat":"0"}}"#, t + 60)),
        ),
        ("negative exp", with_claims(r#"{"iss":"ISS","aud":"https://api.test","exp":-1}"#)),
        ("huge nbf", with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":{},"nbf":1e300}}"#, t + 60))),
        (
            "huge iat",
            with_claims(&format!(
                r#"{{"iss":"ISS","aud":"https://api.test","exp":{},"iat":9007199254740993}}"#,
                t + 60
            )),
        ),
        ("exp beyond f64", with_claims(r#"{"iss":"ISS","aud":"https://api.test","exp":1e400}"#)),
        ("aud as an object", with_claims(&format!(r#"{{"iss":"ISS","aud":{{"a":1}},"exp":{}}}"#, t + 60))),
        ("another audience", with_claims(&format!(r#"{{"iss":"ISS","aud":"https://other.test","exp":{}}}"#, t + 60))),
        ("no iss", with_claims(&format!(r#"{{"aud":"https://api.test","exp":{}}}"#, t + 60))),
        // Not base64url either: refused for its size, before any decoding.
        ("over max_token_bytes", format!("{}.{}.{}", parts[0], "~".repeat(9000), parts[2])),
    ];
    let mut descriptions = Vec::new();
    for (label, token) in cases {
        descriptions
            .push((label.to_owned(), assert_refused(&client, label, &[&bearer(&token)], 401, "invalid_token").await));
    }
    // Each refused for what is wrong with it, not for a side effect of how
    // it was made.
    let malformed = |what: &str| format!("the token is malformed: {what}");
    let not_a_payload = malformed("the payload is not a JSON object with unique members");
    let not_a_header = malformed("the header is not a JSON object with an `alg`");
    let expected = [
        ("unknown crit", "the token has critical header parameters that are not supported".to_owned()),
        ("five-segment JWE", "encrypted tokens (JWE) are not accepted".to_owned()),
        ("standard base64", malformed("a part is not unpadded base64url")),
        ("an extra dot", malformed("a JWS has three dot-separated parts")),
        ("an empty segment", malformed("a part is empty")),
        ("signature stripped", malformed("a part is empty")),
        ("signature of another token", "the token's signature is invalid".to_owned()),
        ("a claim changed, the signature kept", "the token's signature is invalid".to_owned()),
        ("one payload byte changed", not_a_payload.clone()),
        ("header that is not an object", not_a_header.clone()),
        ("payload that is not an object", not_a_payload.clone()),
        ("duplicate payload members", not_a_payload.clone()),
        ("duplicate header members", not_a_header),
        ("exp as a string", "the token's `exp` claim has the wrong type".to_owned()),
        ("nbf as a string", "the token's `nbf` claim has the wrong type".to_owned()),
        ("iat as a string", "the token's `iat` claim has the wrong type".to_owned()),
        ("negative exp", "the token has expired".to_owned()),
        ("huge nbf", "the token is not valid yet".to_owned()),
        ("huge iat", "the token was issued in the future".to_owned()),
        ("exp beyond f64", not_a_payload),
        ("aud as an object", "the token's `aud` claim has the wrong type".to_owned()),
        ("another audience", "the token is not meant for this audience".to_owned()),
        ("no iss", "the token lacks the `iss` claim".to_owned()),
        ("over max_token_bytes", "the token is too large".to_owned()),
    ];
    let expected: Vec<(String, String)> =
        expected.into_iter().map(|(label, description)| (label.to_owned(), description)).collect();
    assert_eq!(descriptions, expected);
    let fractional =
        with_claims(&format!(r#"{{"iss":"ISS","aud":"https://api.test","exp":{}.5,"iat":{}.25}}"#, t + 60, t));
    assert_eq!(call(&client, "/token", &[&bearer(&fractional)]).await.status, 200, "fractional dates are valid");
}

#[rocket::async_test]
async fn malformed_authorization_headers_are_invalid_requests() {
    let (primary, _secondary, client) = setup().await;
    let token = mint(TestKey::RsaA, &claims_for(primary.base()));
    let two_tokens = format!("Bearer {token} {token}");
    let comma = format!("Bearer {token},{token}");
    let control = format!("Bearer {}\u{1}{}", &token[..20], &token[20..]);
    let padded_inside = format!("Bearer {}", token.replacen('.', "=.", 1));
    let single = bearer(&token);
    let cases: [(&str, Vec<&str>); 5] = [
        ("two tokens", vec![&two_tokens]),
        ("a comma", vec![&comma]),
        ("a control character", vec![&control]),
        ("padding inside", vec![&padded_inside]),
        ("two Authorization headers", vec![&single, &single]),
    ];
    for (label, authorization) in cases {
        assert_refused(&client, label, &authorization, 400, "invalid_request").await;
    }
}
