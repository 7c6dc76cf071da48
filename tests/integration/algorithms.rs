//! Algorithms: RS256, ES256, ES384 and EdDSA accepted with keys of their
//! own type; `none`, HMAC with a public key, algorithms outside the
//! issuer's allow-list and mismatched key types refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use jwt_guard_tests::{KeyServer, TestKey, app, call, claims_for, issuer_table, mint, mint_with_header};
use rocket::local::asynchronous::Client;
use serde_json::json;

use crate::{bearer, setup};

#[rocket::async_test]
async fn every_asymmetric_key_type_verifies_its_own_tokens() {
    let keys = [TestKey::RsaA, TestKey::EcA, TestKey::Ec384A, TestKey::EdA];
    let (server, client) = setup(&keys).await;
    for key in keys {
        let response = call(&client, "/token", &[&bearer(&mint(key, &claims_for(server.base())))]).await;
        assert_eq!(response.status, 200, "{key:?}");
        assert_eq!(response.body["alg"], format!("{:?}", key.alg()));
    }
}

#[rocket::async_test]
async fn a_jwk_without_alg_verifies_every_algorithm_of_its_type_and_one_with_alg_only_that() {
    let server = KeyServer::start(&[]).await;
    let mut any_rsa = TestKey::RsaA.jwk_with_kid("rsa-any");
    any_rsa.as_object_mut().unwrap().remove("alg");
    server.set_keys(vec![any_rsa, TestKey::RsaA.jwk()]);
    let client = Client::tracked(app(jwt_guard_tests::single_issuer(&server))).await.unwrap();
    let with = |alg: Algorithm, kid: &str| {
        let mut header = Header::new(alg);
        header.kid = Some(kid.into());
        mint_with_header(TestKey::RsaA, &header, &claims_for(server.base()))
    };
    for alg in [Algorithm::RS256, Algorithm::PS256, Algorithm::RS512, Algorithm::PS384] {
        let response = call(&client, "/token", &[&bearer(&with(alg, "rsa-any"))]).await;
        assert_eq!((response.status, response.body["alg"].clone()), (200, json!(format!("{alg:?}"))));
    }
    let response = call(&client, "/token", &[&bearer(&with(Algorithm::PS256, "kid-rsa-a"))]).await;
    assert_eq!(response.status, 401, "the JWK says RS256 only");
    assert_eq!(response.body["error_description"], "the token's signing algorithm is not accepted");
}

#[rocket::async_test]
async fn a_token_without_kid_uses_the_only_key_for_its_algorithm() {
    let (server, client) = setup(&[TestKey::RsaA, TestKey::EcA]).await;
    let no_kid = mint_with_header(TestKey::EcA, &Header::new(Algorithm::ES256), &claims_for(server.base()));
    assert_eq!(call(&client, "/token", &[&bearer(&no_kid)]).await.status, 200);

    let (server, client) = setup(&[TestKey::RsaA, TestKey::RsaB]).await;
    let ambiguous = mint_with_header(TestKey::RsaA, &Header::new(Algorithm::RS256), &claims_for(server.base()));
    let response = call(&client, "/token", &[&bearer(&ambiguous)]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token's signing key is not known");
}

/// A token with this header and a signature that is only base64url.
fn forged(header: serde_json::Value, claims: &serde_json::Value, signature: &[u8]) -> String {
    let part = |value: &serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!("{}.{}.{}", part(&header), part(claims), URL_SAFE_NO_PAD.encode(signature))
}

#[rocket::async_test]
async fn unsigned_and_symmetric_tokens_are_refused() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let claims = claims_for(server.base());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let token = forged(json!({"alg": alg, "kid": TestKey::RsaA.kid()}), &claims, b"");
        let token = format!("{token}x");
        let response = call(&client, "/token", &[&bearer(&token)]).await;
        assert_eq!(response.status, 401, "{alg}");
        assert_eq!(response.body["error_description"], "the token's signing algorithm is not accepted");
    }
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some(TestKey::RsaA.kid());
    let with_public_key_as_secret = jsonwebtoken::encode(
        &hs256,
        &claims,
        &EncodingKey::from_secret(&TestKey::RsaA.public_pem()).expect("a secret"),
    )
    .unwrap();
    let response = call(&client, "/token", &[&bearer(&with_public_key_as_secret)]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token's signing algorithm is not accepted");
}

#[rocket::async_test]
async fn the_issuers_allow_list_and_the_key_type_bind_the_algorithm() {
    let server = KeyServer::start(&[TestKey::RsaA, TestKey::EcA]).await;
    let mut issuer = issuer_table(&server);
    issuer["algorithms"] = json!(["ES256"]);
    let client = Client::tracked(app(json!({ "issuers": { "only-es256": issuer } }))).await.unwrap();
    let claims = claims_for(server.base());
    assert_eq!(call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims))]).await.status, 200);
    let rs256 = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(rs256.status, 401);
    assert_eq!(rs256.body["error_description"], "the token's signing algorithm is not accepted");

    // An EC key's `kid` on an RS256 token: the key type does not fit.
    let (server, client) = crate::setup(&[TestKey::RsaA, TestKey::EcA]).await;
    let mut mismatched = Header::new(Algorithm::RS256);
    mismatched.kid = Some(TestKey::EcA.kid());
    let token = mint_with_header(TestKey::RsaA, &mismatched, &claims_for(server.base()));
    let response = call(&client, "/token", &[&bearer(&token)]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token's signing algorithm is not accepted");
}

#[rocket::async_test]
async fn weak_and_symmetric_keys_in_a_jwks_are_never_used() {
    let server = KeyServer::start(&[]).await;
    let oct = json!({"kty": "oct", "kid": "shared", "alg": "HS256", "k": URL_SAFE_NO_PAD.encode(b"0123456789abcdef0123456789abcdef")});
    server.set_keys(vec![jwt_guard_tests::weak_rsa_jwk(), TestKey::EcA.jwk(), oct]);
    let client = Client::tracked(app(jwt_guard_tests::single_issuer(&server))).await.unwrap();
    let claims = claims_for(server.base());
    // Were the weak key used, this token would fail on its signature.
    let mut weak_kid = Header::new(Algorithm::RS256);
    weak_kid.kid = Some("kid-rsa-weak".into());
    let weak = call(&client, "/token", &[&bearer(&mint_with_header(TestKey::RsaA, &weak_kid, &claims))]).await;
    assert_eq!(weak.status, 401);
    assert_eq!(weak.body["error_description"], "the token's signing key is not known");
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some("shared".into());
    let symmetric = jsonwebtoken::encode(
        &hs256,
        &claims,
        &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef").expect("a secret"),
    )
    .unwrap();
    assert_eq!(call(&client, "/token", &[&bearer(&symmetric)]).await.status, 401);
    assert_eq!(call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims))]).await.status, 200);
}
