//! Keys replaced under the same `kid`, or rotated in a set without `kid`s:
//! a cached token dies with the key that verified it, and a new key under a
//! known `kid` is fetched once, not left to the next scheduled refresh.

use std::time::Duration;

use jsonwebtoken::Header;
use jwt_guard::{AuthError, error::TokenProblem};
use jwt_guard_tests::{KeyServer, TestKey, app, call, claims_for, mint_with_header, remote_verifier, single_issuer};
use rocket::futures::future::join_all;
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use serde_json::{Value, json};

use crate::{bearer, refreshing_client, until_refused};

/// A token of `server`'s issuer signed by `key`, under `kid` (none if
/// `None`).
fn signed(key: TestKey, kid: Option<&str>, server: &KeyServer) -> String {
    let mut header = Header::new(key.alg());
    header.kid = kid.map(str::to_owned);
    mint_with_header(key, &header, &claims_for(server.base()))
}

/// `key`'s public JWK without a `kid`.
fn jwk_without_kid(key: TestKey) -> Value {
    let mut jwk = key.jwk();
    jwk.as_object_mut().expect("a JWK is an object").remove("kid");
    jwk
}

#[rocket::async_test]
async fn a_cached_token_dies_with_a_key_replaced_under_the_same_kid() {
    let server = KeyServer::start(&[]).await;
    server.set_keys(vec![TestKey::RsaA.jwk_with_kid("signing")]);
    let client = refreshing_client(&server).await;
    let old = bearer(&signed(TestKey::RsaA, Some("signing"), &server));
    assert_eq!(call(&client, "/token", &[&old]).await.status, 200, "verified, then cached");
    assert_eq!(call(&client, "/token", &[&old]).await.status, 200, "from the cache");

    server.set_keys(vec![TestKey::RsaB.jwk_with_kid("signing")]);
    // Only the background refresh brings key B; the old token is valid
    // for five more minutes and its `kid` is still in the key set.
    let refused = until_refused(&client, &old, Duration::from_secs(5)).await;
    assert_eq!(refused, (401, json!("the token's signature is invalid")));
    let challenge = call(&client, "/token", &[&old]).await.challenge.expect("a challenge");
    assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
    let new = bearer(&signed(TestKey::RsaB, Some("signing"), &server));
    assert_eq!(call(&client, "/token", &[&new]).await.status, 200);
}

#[rocket::async_test]
async fn a_cached_token_without_kid_dies_when_the_only_key_rotates() {
    let server = KeyServer::start(&[]).await;
    server.set_keys(vec![jwk_without_kid(TestKey::RsaA)]);
    let client = refreshing_client(&server).await;
    let old = bearer(&signed(TestKey::RsaA, None, &server));
    assert_eq!(call(&client, "/token", &[&old]).await.status, 200, "verified, then cached");

    server.set_keys(vec![jwk_without_kid(TestKey::RsaB)]);
    let refused = until_refused(&client, &old, Duration::from_secs(5)).await;
    assert_eq!(refused, (401, json!("the token's signature is invalid")));
    let new = bearer(&signed(TestKey::RsaB, None, &server));
    assert_eq!(call(&client, "/token", &[&new]).await.status, 200);
}

#[rocket::async_test]
async fn a_key_replaced_under_the_same_kid_is_fetched_once_and_accepted() {
    let server = KeyServer::start(&[]).await;
    server.set_keys(vec![TestKey::RsaA.jwk_with_kid("signing")]);
    let client = Client::tracked(app(single_issuer(&server))).await.unwrap();
    let old = bearer(&signed(TestKey::RsaA, Some("signing"), &server));
    assert_eq!(call(&client, "/token", &[&old]).await.status, 200);

    server.set_keys(vec![TestKey::RsaB.jwk_with_kid("signing")]);
    sleep(Duration::from_millis(350)).await; // past the 0.3 s cooldown
    let before = server.jwks_hits();
    let new = bearer(&signed(TestKey::RsaB, Some("signing"), &server));
    for _ in 0..3 {
        assert_eq!(call(&client, "/token", &[&new]).await.status, 200, "no wait for the hourly refresh");
    }
    assert_eq!(server.jwks_hits() - before, 1, "one refetch for the failed signature, then the new key is held");
    let replaced = call(&client, "/token", &[&old]).await;
    assert_eq!(
        (replaced.status, replaced.body["error_description"].clone()),
        (401, json!("the token's signature is invalid"))
    );
}

#[rocket::async_test]
async fn a_thousand_forged_signatures_under_a_known_kid_fetch_at_most_once() {
    let server = KeyServer::start(&[TestKey::EdA]).await;
    // A cooldown that the flood, in a debug build on a busy machine, ends
    // well within.
    let verifier = remote_verifier(&server, "forged", Duration::from_secs(2));
    let genuine = signed(TestKey::EdA, Some(&TestKey::EdA.kid()), &server);
    assert!(verifier.verify(&genuine).await.is_ok());
    sleep(Duration::from_millis(2100)).await;

    let (signing_input, _) = genuine.rsplit_once('.').unwrap();
    let forged: Vec<String> = (0..1000).map(|n| format!("{signing_input}.{n:0>86}")).collect();
    let results = join_all(forged.iter().map(|token| verifier.verify(token))).await;
    let bad_signature = AuthError::InvalidToken(TokenProblem::BadSignature);
    assert!(results.iter().all(|result| result.as_ref().err() == Some(&bad_signature)));
    assert_eq!(server.jwks_hits(), 2, "the first load, then one refetch for 1,000 forged signatures");
}
