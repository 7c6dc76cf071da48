//! The verified-token cache seen by a client: a token sent again is
//! answered from the cache only while it would still verify afresh.

use std::time::Duration;

use jwt_guard_tests::{KeyServer, TestKey, app, call, claims_for, mint, now, single_issuer};
use rocket::local::asynchronous::Client;
use serde_json::json;

use crate::{bearer, refreshing_client, until_refused};

#[rocket::async_test]
async fn a_cached_token_is_refused_once_it_expires() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let mut config = single_issuer(&server);
    config["leeway"] = json!(0);
    let client = Client::tracked(app(config)).await.unwrap();
    let mut claims = claims_for(server.base());
    claims["exp"] = json!(now() + 3);
    let token = bearer(&mint(TestKey::RsaA, &claims));
    assert_eq!(call(&client, "/token", &[&token]).await.status, 200, "verified, then cached");
    assert_eq!(call(&client, "/token", &[&token]).await.status, 200, "from the cache");
    let refused = until_refused(&client, &token, Duration::from_secs(5)).await;
    assert_eq!(refused, (401, json!("the token has expired")), "not served past its `exp`");
}

#[rocket::async_test]
async fn a_cached_token_is_refused_once_its_key_leaves_the_key_set() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = refreshing_client(&server).await;
    let token = bearer(&mint(TestKey::RsaA, &claims_for(server.base())));
    assert_eq!(call(&client, "/token", &[&token]).await.status, 200, "verified, then cached");
    server.set_keys(vec![TestKey::RsaB.jwk()]);
    // Only the background refresh can take key A away; the token itself
    // stays valid for five minutes.
    let refused = until_refused(&client, &token, Duration::from_secs(5)).await;
    assert_eq!(refused, (401, json!("the token's signing key is not known")));
    assert!(server.jwks_hits() >= 2, "the refresh fetched the new key set");
}
