//! Step-up and freshness (RFC 9470): routes that need a stronger or more
//! recent login answer 401 `insufficient_user_authentication` with
//! `acr_values` and `max_age`; the built-in issuer states `auth_time` (kept
//! through refreshes) and the `acr` an authenticator gives; and tokens of
//! panva's oidc-provider carry the `acr` it states.

use std::time::Duration;

use jwt_guard::testing::TestIssuer;
use jwt_guard::{
    JwtGuard,
    issuer::{Authenticator, Grant, StaticUsers},
    protected,
};
use jwt_guard_tests::{OIDC_AUDIENCE, OidcProvider, StoreFile, TestKey, call, free_port, now, quiet_figment};
use rocket::http::ContentType;
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use serde_json::{Value, json};

use crate::bearer;

#[protected(acr = "urn:example:mfa", max_age = 300)]
#[get("/payments")]
fn payments() -> &'static str {
    "payments"
}

#[protected(acr("urn:example:acr:client-secret", "urn:example:mfa"))]
#[get("/machines")]
fn machines() -> &'static str {
    "machines"
}

#[protected(scope = "refunds", max_age = 60)]
#[get("/refunds")]
fn refunds() -> &'static str {
    "refunds"
}

async fn client_of(rocket: rocket::Rocket<rocket::Build>) -> Client {
    Client::tracked(rocket.register("/", jwt_guard::catchers()).mount("/", routes![payments, machines, refunds]))
        .await
        .expect("the app ignites")
}

/// POSTs JSON `body` to `path`; answers the JSON body.
async fn post(client: &Client, path: &str, body: Value) -> Value {
    let response = client.post(path).header(ContentType::JSON).body(body.to_string()).dispatch().await;
    serde_json::from_str::<Value>(&response.into_string().await.unwrap_or_default()).unwrap_or(Value::Null)
}

#[rocket::async_test]
async fn a_route_that_needs_a_recent_strong_login_says_so() {
    let issuer = TestIssuer::new();
    let client = client_of(issuer.attach_to(rocket::custom(quiet_figment()).attach(JwtGuard::fairing()))).await;
    let token =
        |acr: &str, ago: u64| bearer(&issuer.token().acr(acr).authenticated_ago(Duration::from_secs(ago)).sign());
    assert_eq!(call(&client, "/payments", &[&token("urn:example:mfa", 10)]).await.status, 200);
    let older_within_leeway = token("urn:example:mfa", 300 + 20);
    assert_eq!(call(&client, "/payments", &[&older_within_leeway]).await.status, 200, "the issuer's clock may lag");
    let ahead_within_leeway = issuer.token().acr("urn:example:mfa").without("iat").claim("auth_time", now() + 10);
    assert_eq!(call(&client, "/payments", &[&bearer(&ahead_within_leeway.sign())]).await.status, 200);
    for (case, token) in [
        ("a password only", token("urn:example:pwd", 10)),
        ("an hour ago", token("urn:example:mfa", 3600)),
        ("older than max_age by more than the leeway (30 s)", token("urn:example:mfa", 300 + 40)),
        ("no acr or auth_time", bearer(&issuer.token().sign())),
        (
            "an auth_time after the token's iat",
            bearer(&issuer.token().acr("urn:example:mfa").claim("auth_time", now() + 3600).sign()),
        ),
        (
            "no iat, and an auth_time further ahead than the leeway (30 s)",
            bearer(&issuer.token().acr("urn:example:mfa").without("iat").claim("auth_time", now() + 45).sign()),
        ),
    ] {
        let refused = call(&client, "/payments", &[&token]).await;
        assert_eq!(refused.status, 401, "{case}");
        assert_eq!(refused.body["error"], "insufficient_user_authentication", "{case}");
        let challenge = refused.challenge.unwrap_or_default();
        assert!(
            challenge.starts_with(r#"Bearer realm="api", error="insufficient_user_authentication", error_description="the route needs a stronger or more recent authentication", acr_values="urn:example:mfa", max_age="300""#),
            "{case}: {challenge}"
        );
    }
    // The rest of the policy first: logging in again would not grant a scope.
    let an_hour_ago =
        |scope: &str| bearer(&issuer.token().scope(scope).authenticated_ago(Duration::from_secs(3600)).sign());
    let refused = call(&client, "/refunds", &[&an_hour_ago("read")]).await;
    assert_eq!((refused.status, refused.body["error"].clone()), (403, json!("insufficient_scope")));
    let refused = call(&client, "/refunds", &[&an_hour_ago("refunds")]).await;
    assert_eq!((refused.status, refused.body["error"].clone()), (401, json!("insufficient_user_authentication")));
}

#[rocket::async_test]
async fn the_built_in_issuer_keeps_auth_time_through_refreshes_and_states_the_acr() {
    let users = StaticUsers::new().user("ada", "secret", Grant::new("ada").acr("urn:example:mfa"));
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys");
    let store = StoreFile::new();
    let config = json!({
        "local": { "key_file": format!("{keys}/ed-a.pem"), "refresh_expires_in": 3600 },
        "store": { "path": store.value() },
    });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config))).attach(JwtGuard::fairing().login(users));
    let client = client_of(rocket).await;
    let claims = |token: &Value| -> Value {
        use base64::Engine as _;
        let payload = token.as_str().unwrap().split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let login = post(&client, "/auth", json!({ "username": "ada", "password": "secret" })).await;
    let logged_in = claims(&login["access_token"]);
    assert_eq!(logged_in["acr"], "urn:example:mfa");
    assert_eq!(call(&client, "/payments", &[&bearer(login["access_token"].as_str().unwrap())]).await.status, 200);
    rocket::tokio::time::sleep(Duration::from_millis(1100)).await;
    let refreshed = post(&client, "/auth/refresh", json!({ "refresh_token": login["refresh_token"] })).await;
    let refreshed = claims(&refreshed["access_token"]);
    assert_eq!(refreshed["auth_time"], logged_in["auth_time"], "a refresh is not a new login");
    assert!(refreshed["iat"].as_u64() > logged_in["iat"].as_u64());
}

/// Logs users in with a password only, and claims on refresh that they
/// used a second factor: what no refresh may do.
struct Boastful;

#[jwt_guard::async_trait]
impl Authenticator for Boastful {
    async fn authenticate(&self, username: &str, _password: &str) -> Option<Grant> {
        Some(Grant::new(username).acr("urn:example:pwd"))
    }

    async fn refresh(&self, login: Grant) -> Option<Grant> {
        Some(login.acr("urn:example:mfa"))
    }
}

#[rocket::async_test]
async fn a_refresh_keeps_the_acr_of_the_login() {
    let store = StoreFile::new();
    let config = json!({ "local": { "refresh_expires_in": 3600 }, "store": { "path": store.value() } });
    let rocket =
        rocket::custom(quiet_figment().merge(("jwt_guard", config))).attach(JwtGuard::fairing().login(Boastful));
    let client = client_of(rocket).await;
    let login = post(&client, "/auth", json!({ "username": "ada", "password": "any" })).await;
    let refreshed = post(&client, "/auth/refresh", json!({ "refresh_token": login["refresh_token"] })).await;
    let access = refreshed["access_token"].as_str().expect("a refreshed token");
    let refused = call(&client, "/machines", &[&bearer(access)]).await;
    assert_eq!(
        (refused.status, refused.body["error"].clone()),
        (401, json!("insufficient_user_authentication")),
        "still a password-only login"
    );
}

#[rocket::async_test]
async fn a_real_providers_acr_meets_the_policies_that_name_it() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let config = json!({ "issuers": { "provider": { "issuer": provider.issuer(), "audience": OIDC_AUDIENCE } } });
    let client =
        client_of(rocket::custom(quiet_figment().merge(("jwt_guard", config))).attach(JwtGuard::fairing())).await;
    let token = bearer(&provider.token("read", OIDC_AUDIENCE).await);
    assert_eq!(call(&client, "/machines", &[&token]).await.status, 200, "the provider's acr is one of the route's");
    let refused = call(&client, "/payments", &[&token]).await;
    assert_eq!((refused.status, refused.body["error"].clone()), (401, json!("insufficient_user_authentication")));
}
