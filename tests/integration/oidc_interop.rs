//! Interop with an identity provider nobody here wrote: panva's
//! oidc-provider, found by discovery from its issuer alone, issuing JWT
//! access tokens through the client-credentials grant.

use std::time::Duration;

use jsonwebtoken::Header;
use jwt_guard::{JwtGuard, protected};
use jwt_guard_tests::{
    OIDC_AUDIENCE, OidcProvider, ProviderHits, TestKey, call, free_port, mint_with_header, now, poll_until,
    quiet_figment,
};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use serde_json::json;

use crate::bearer;

#[protected(scope = "read")]
#[get("/reports")]
fn reports() -> &'static str {
    "reports"
}

#[protected(scope = "write")]
#[get("/reports/edit")]
fn edit_reports() -> &'static str {
    "editing"
}

#[protected(claim(tenant = "acme"), issuer = "provider")]
#[get("/tenant")]
fn tenant() -> &'static str {
    "acme"
}

/// An app that knows the provider by its issuer URL alone.
async fn app_for(issuer: &str) -> Client {
    let config = json!({
        "refetch_cooldown": 0.2,
        "issuers": { "provider": { "issuer": issuer, "audience": OIDC_AUDIENCE } },
    });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports, edit_reports, tenant]);
    Client::tracked(rocket).await.expect("the app launches")
}

#[rocket::async_test]
async fn tokens_of_a_real_provider_meet_policies() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let client = app_for(&provider.issuer()).await;
    let read = provider.token("read", OIDC_AUDIENCE).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&read)]).await.status, 200);
    assert_eq!(call(&client, "/tenant", &[&bearer(&read)]).await.status, 200, "the custom claim");
    let denied = call(&client, "/reports/edit", &[&bearer(&read)]).await;
    assert_eq!(denied.status, 403);
    assert!(denied.challenge.unwrap().contains(r#"error="insufficient_scope""#));
    assert!(denied.body.to_string().contains("insufficient_scope"));
    let both = provider.token("read write", OIDC_AUDIENCE).await;
    assert_eq!(call(&client, "/reports/edit", &[&bearer(&both)]).await.status, 200);

    let elsewhere = provider.token("read", "https://other-api.test").await;
    let refused = call(&client, "/reports", &[&bearer(&elsewhere)]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.body["error_description"], "the token is not meant for this audience");
}

#[rocket::async_test]
async fn every_signature_algorithm_the_provider_offers_is_accepted() {
    for (alg, key) in [("PS256", TestKey::RsaA), ("ES256", TestKey::EcA), ("EdDSA", TestKey::EdA)] {
        let provider = OidcProvider::start(free_port(), &[key], alg).await;
        let client = app_for(&provider.issuer()).await;
        let token = provider.token("read", OIDC_AUDIENCE).await;
        let response = call(&client, "/reports", &[&bearer(&token)]).await;
        assert_eq!(response.status, 200, "{alg}");
    }
}

#[rocket::async_test]
async fn a_key_rotation_at_the_provider_needs_no_restart() {
    let port = free_port();
    let provider = OidcProvider::start(port, &[TestKey::RsaA], "RS256").await;
    let client = app_for(&provider.issuer()).await;
    let before = provider.token("read", OIDC_AUDIENCE).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&before)]).await.status, 200);
    provider.stop();

    let rotated = OidcProvider::start(port, &[TestKey::RsaB], "RS256").await;
    rocket::tokio::time::sleep(Duration::from_millis(250)).await;
    let after = rotated.token("read", OIDC_AUDIENCE).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&after)]).await.status, 200, "the new key is fetched");
    assert_eq!(call(&client, "/reports", &[&bearer(&after)]).await.status, 200);
    let hits = rotated.hits().await;
    assert_eq!(
        hits,
        ProviderHits { jwks: 1, discovery: 0, introspection: 0 },
        "exactly one JWKS refetch, no new discovery"
    );
}

#[rocket::async_test]
async fn an_outage_of_the_provider_keeps_known_keys_and_recovers() {
    let port = free_port();
    let provider = OidcProvider::start(port, &[TestKey::RsaA], "RS256").await;
    let issuer = provider.issuer();
    let client = app_for(&issuer).await;
    let known = provider.token("read", OIDC_AUDIENCE).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&known)]).await.status, 200);
    provider.stop();
    rocket::tokio::time::sleep(Duration::from_millis(250)).await;

    assert_eq!(call(&client, "/reports", &[&bearer(&known)]).await.status, 200, "known keys keep working");
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("not-published-yet".into());
    let claims = json!({ "iss": issuer, "aud": OIDC_AUDIENCE, "exp": now() + 300, "scope": "read" });
    let unknown = call(&client, "/reports", &[&bearer(&mint_with_header(TestKey::RsaB, &header, &claims))]).await;
    assert_eq!(unknown.status, 503);
    assert!(unknown.retry_after.is_some());

    // Back with a key the app has never seen, which it must fetch.
    let back = OidcProvider::start(port, &[TestKey::RsaB], "RS256").await;
    let fresh = bearer(&back.token("read", OIDC_AUDIENCE).await);
    let accepted = poll_until(Duration::from_secs(10), || async {
        (call(&client, "/reports", &[&fresh]).await.status == 200).then_some(())
    });
    assert!(accepted.await.is_some(), "recovery without a restart");
    assert!(back.hits().await.jwks >= 1, "the new key was fetched from the provider that came back");
}
