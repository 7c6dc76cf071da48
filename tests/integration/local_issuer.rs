//! The built-in issuer: login, refresh, revocation, expiry, key
//! publication and rotation seen by another app over HTTP, identity
//! loading, the test helpers, the quickstart end to end, and the service
//! accounts of the `multi_issuer` example.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[allow(deprecated)]
use jwt_guard::testing::TestIssuer;
use jwt_guard::{Claims, CurrentUser, JwtGuard, LoadIdentity, Token, protected, verify::RevocationList};
use jwt_guard_tests::{
    DPOP_CHALLENGE, KeyServer, RunningApp, StoreFile, TestKey, call, free_port, issuer_table, quiet_figment,
    run_node_script, send_json,
};
use rocket::http::{ContentType, Header};
use rocket::local::asynchronous::Client;
use rocket::{Build, Request, Rocket, Route, get, routes};
use serde_json::{Map, Value, json};

use crate::{bearer, login, post};

#[allow(dead_code, clippy::all)]
#[path = "../../examples/quickstart/main.rs"]
mod quickstart;

/// The quickstart's demo users.
use quickstart::demo_users as users;

#[allow(dead_code, clippy::all)]
#[path = "../../examples/multi_issuer/main.rs"]
mod multi_issuer;

#[get("/me")]
fn me(token: Token) -> String {
    format!("{} {}", token.subject().unwrap_or_default(), token.issuer())
}

/// An app whose built-in issuer is configured by `local`.
fn app(local: Value) -> Rocket<Build> {
    rocket::custom(quiet_figment().merge(("jwt_guard", json!({ "local": local }))))
        .attach(JwtGuard::fairing().login(users()))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![me])
}

#[rocket::async_test]
async fn login_issues_tokens_that_the_guards_accept() {
    let client = Client::tracked(app(json!({}))).await.unwrap();
    let (status, body) = login(&client, "user1", "abcxyz").await;
    assert_eq!(status, 200);
    assert_eq!((body["token_type"].clone(), body["expires_in"].clone()), (json!("Bearer"), json!(300)));
    assert!(body.get("refresh_token").is_none(), "no refresh tokens unless configured");
    let token = body["access_token"].as_str().unwrap();
    let me = call(&client, "/me", &[&bearer(token)]).await;
    assert_eq!((me.status, me.body), (200, json!("user1 local")));
}

/// Another resource server, on panva's oauth4webapi, takes the built-in
/// issuer's tokens: found by discovery, checked as RFC 9068 profiles JWT
/// access tokens, which needs `client_id` among their claims.
#[rocket::async_test]
async fn another_resource_server_validates_its_tokens_as_rfc_9068_access_tokens() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = RunningApp::launch(app(json!({ "issuer": issuer, "client_id": "reports-web" })), port).await;
    let login = reqwest::Client::new().post(format!("{issuer}/auth"));
    let (status, tokens) = send_json(login, &json!({ "username": "user1", "password": "abcxyz" })).await;
    assert_eq!(status, 200);
    let token = tokens["access_token"].as_str().unwrap();
    let validated = run_node_script("discovery-clients", "validate-access-token.mjs", &[&issuer, token, &issuer]).await;
    assert_eq!(validated, json!({ "valid": true, "sub": "user1", "client_id": "reports-web" }));
    app.stop().await;
}

/// A public client on panva's oauth4webapi finds the built-in issuer's
/// token and revocation endpoints by discovery, refreshes a session there
/// (its refresh token rotated), revokes the new refresh token, and is
/// then refused a refresh with it.
#[rocket::async_test]
async fn a_standard_client_refreshes_and_revokes_through_the_discovered_endpoints() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let local = json!({ "issuer": issuer, "client_id": "reports-web", "refresh_expires_in": 3600 });
    let app = RunningApp::launch(app(local), port).await;
    let login = reqwest::Client::new().post(format!("{issuer}/auth"));
    let (status, tokens) = send_json(login, &json!({ "username": "user1", "password": "abcxyz" })).await;
    assert_eq!(status, 200);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let discovery = reqwest::get(format!("{issuer}/.well-known/openid-configuration")).await.unwrap();
    let document: Value = serde_json::from_slice(&discovery.bytes().await.unwrap()).unwrap();
    let dpop_algorithms = document["dpop_signing_alg_values_supported"].as_array().expect("DPoP algorithms");
    assert!(dpop_algorithms.contains(&json!("ES256")) && !dpop_algorithms.contains(&json!("HS256")), "{document}");
    let seen =
        run_node_script("discovery-clients", "refresh-and-revoke.mjs", &[&issuer, refresh_token, "reports-web"]).await;
    assert_eq!(
        seen,
        json!({
            "endpoints": { "token": format!("{issuer}/auth/refresh"), "revocation": format!("{issuer}/auth/revoke") },
            "refreshed": { "token_type": "bearer", "access_token": "string", "rotated": true },
            "revoked": true,
            "after_revocation": "invalid_grant",
        })
    );
    app.stop().await;
}

/// An app whose built-in issuer logs no user in (no authenticator: it
/// issues tokens in code) serves no sessions: its discovery document
/// names no endpoint of them, and there is none.
#[rocket::async_test]
async fn an_issuer_without_logins_names_no_session_endpoints() {
    let local = json!({ "local": { "refresh_expires_in": 3600 } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", local))).attach(JwtGuard::fairing());
    let client = Client::tracked(rocket).await.unwrap();
    let document: Value =
        client.get("/.well-known/openid-configuration").dispatch().await.into_json().await.expect("a document");
    assert!(document["jwks_uri"].is_string(), "{document}");
    for member in ["revocation_endpoint", "token_endpoint", "dpop_signing_alg_values_supported"] {
        assert_eq!(document.get(member), None, "{document}");
    }
    assert_eq!(document["grant_types_supported"], json!([]));
    assert_eq!(client.post("/auth/revoke").dispatch().await.status().code, 404);
}

#[rocket::async_test]
async fn wrong_credentials_are_401_and_malformed_requests_400() {
    let client = Client::tracked(app(json!({ "username_key": "login" }))).await.unwrap();
    for (user, password) in [("user1", "wrong"), ("nobody", "abcxyz"), ("user1", "")] {
        let body = json!({ "login": user, "password": password }).to_string();
        let (status, body) = post(&client, "/auth", ContentType::JSON, &body).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"error": "invalid_credentials", "error_description": "the username or password is wrong"})
        );
    }
    let cases = [
        (ContentType::Form, "login=user1&password=abcxyz", "send the credentials as `Content-Type: application/json`"),
        (ContentType::JSON, "{not json", "the request body is not a JSON object"),
        (ContentType::JSON, "[1, 2]", "the request body is not a JSON object"),
        (ContentType::JSON, r#"{"username": "user1", "password": "abcxyz"}"#, "the body needs a string `login`"),
        (ContentType::JSON, r#"{"login": "user1", "password": 7}"#, "the body needs a string `password`"),
    ];
    for (content_type, body, description) in cases {
        let (status, body) = post(&client, "/auth", content_type, body).await;
        assert_eq!((status, body), (400, json!({"error": "invalid_request", "error_description": description})));
    }
    let huge = format!(r#"{{"login": "{}", "password": "x"}}"#, "a".repeat(20_000));
    assert_eq!(post(&client, "/auth", ContentType::JSON, &huge).await.0, 400);
}

/// RFC 6749 section 5.1: no cache keeps a token endpoint's answer.
#[rocket::async_test]
async fn logins_and_refreshes_are_answered_no_store() {
    let client = Client::tracked(app(json!({ "refresh_expires_in": 3600 }))).await.unwrap();
    let no_store = |response: &rocket::local::asynchronous::LocalResponse<'_>| {
        let headers = response.headers();
        (
            response.status().code,
            headers.get_one("Cache-Control").map(str::to_owned),
            headers.get_one("Pragma").map(str::to_owned),
        )
    };
    let expected = |status: u16| (status, Some("no-store".to_owned()), Some("no-cache".to_owned()));
    let login = |password: &str| {
        let body = json!({ "username": "user1", "password": password }).to_string();
        client.post("/auth").header(ContentType::JSON).body(body)
    };
    let granted = login("abcxyz").dispatch().await;
    assert_eq!(no_store(&granted), expected(200));
    let tokens: Value = granted.into_json().await.unwrap();
    assert_eq!(no_store(&login("wrong").dispatch().await), expected(401));
    let refresh = |token: &Value| {
        client
            .post("/auth/refresh")
            .header(ContentType::Form)
            .body(format!("refresh_token={}", token.as_str().unwrap()))
    };
    assert_eq!(no_store(&refresh(&tokens["refresh_token"]).dispatch().await), expected(200));
    assert_eq!(no_store(&refresh(&json!("not-a-refresh-token")).dispatch().await), expected(400));
    let keys = client.get("/.well-known/jwks.json").dispatch().await;
    assert_eq!(keys.headers().get_one("Cache-Control"), Some("max-age=300"), "public keys stay cacheable");
}

#[rocket::async_test]
async fn access_tokens_expire() {
    let rocket =
        rocket::custom(quiet_figment().merge(("jwt_guard", json!({ "leeway": 0, "local": { "expires_in": 1 } }))))
            .attach(JwtGuard::fairing().login(users()))
            .register("/", jwt_guard::catchers())
            .mount("/", routes![me]);
    let client = Client::tracked(rocket).await.unwrap();
    let token = login(&client, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    assert_eq!(call(&client, "/me", &[&bearer(&token)]).await.status, 200);
    rocket::tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = call(&client, "/me", &[&bearer(&token)]).await;
    assert_eq!((expired.status, expired.body["error_description"].clone()), (401, json!("the token has expired")));
}

/// A client of an app with the demo users' login, consulting `list`,
/// serving `routes`; and a token of `user1`.
async fn revoking_app(list: Arc<impl RevocationList>, routes: Vec<Route>) -> (Client, String) {
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing().login(users()).revocations(list))
        .register("/", jwt_guard::catchers())
        .mount("/", routes);
    let client = Client::tracked(rocket).await.unwrap();
    let token = login(&client, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    (client, token)
}

/// An app's own revocation list: the token ids it was told of.
#[derive(Default)]
struct DenyList(std::sync::Mutex<Vec<String>>);

#[rocket::async_trait]
impl RevocationList for DenyList {
    async fn is_revoked(&self, jti: &str) -> bool {
        self.0.lock().unwrap().iter().any(|revoked| revoked == jti)
    }
}

#[rocket::async_test]
async fn tokens_that_the_apps_revocation_list_names_are_refused() {
    let revocations = Arc::new(DenyList::default());
    let (client, first) = revoking_app(Arc::clone(&revocations), routes![me]).await;
    let second = login(&client, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    let jti = client.rocket().state::<JwtGuard>().unwrap().verifier().verify(&first).await.unwrap();
    revocations.0.lock().unwrap().push(jti.claim("jti").unwrap().as_str().unwrap().to_owned());
    let revoked = call(&client, "/me", &[&bearer(&first)]).await;
    assert_eq!((revoked.status, revoked.body["error_description"].clone()), (401, json!("the token has been revoked")));
    assert_eq!(call(&client, "/me", &[&bearer(&second)]).await.status, 200, "other tokens are unaffected");
}

/// A revocation list that revokes nothing and counts its lookups.
#[derive(Default)]
struct CountingRevocations(AtomicUsize);

#[rocket::async_trait]
impl RevocationList for CountingRevocations {
    async fn is_revoked(&self, _: &str) -> bool {
        self.0.fetch_add(1, Ordering::SeqCst);
        false
    }
}

/// Three guards that need the token.
#[protected(scope = "read")]
#[get("/three-guards")]
fn three_guards(token: Token, claims: Claims<Map<String, Value>>) -> String {
    format!("{} {}", token.subject().unwrap_or_default(), claims.len())
}

#[rocket::async_test]
async fn the_revocation_list_is_consulted_once_per_request_however_many_guards_ask() {
    let revocations = Arc::new(CountingRevocations::default());
    let (client, token) = revoking_app(Arc::clone(&revocations), routes![three_guards]).await;
    let lookups_at_login = revocations.0.load(Ordering::SeqCst);
    for request in 1..=3 {
        let response = call(&client, "/three-guards", &[&bearer(&token)]).await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(revocations.0.load(Ordering::SeqCst) - lookups_at_login, request, "fresh, then from the cache");
    }
}

#[rocket::async_test]
async fn keys_are_published_and_a_rotation_is_seen_by_another_app_over_http() {
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys");
    let port = free_port();
    let issuer_url = format!("http://127.0.0.1:{port}");
    let store = StoreFile::new();
    let issuer_app = |local: Value| {
        rocket::custom(
            quiet_figment().merge(("jwt_guard", json!({ "local": local, "store": { "path": store.value() } }))),
        )
        .attach(JwtGuard::fairing().login(users()))
        .mount("/", routes![me])
    };
    let first_key = json!({ "issuer": issuer_url, "key_file": format!("{keys}/ed-a.pem") });
    let first = RunningApp::launch(issuer_app(first_key.clone()), port).await;

    let resource = rocket::custom(quiet_figment().merge((
        "jwt_guard",
        json!({ "refetch_cooldown": 0.2, "issuers": { "accounts": { "issuer": issuer_url, "audience": issuer_url } } }),
    )))
    .attach(JwtGuard::fairing())
    .register("/", jwt_guard::catchers())
    .mount("/", routes![me]);
    let resource = Client::tracked(resource).await.unwrap();
    // A second instance of the issuer app, with the same key and `iss`,
    // answers logins in process.
    let issuer = Client::untracked(issuer_app(first_key)).await.unwrap();
    let jwks: Value = issuer.get("/.well-known/jwks.json").dispatch().await.into_json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert!(jwks["keys"][0].get("d").is_none(), "no private part is published");

    let old_token = login(&issuer, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    let seen = call(&resource, "/me", &[&bearer(&old_token)]).await;
    assert_eq!((seen.status, seen.body), (200, json!("user1 accounts")));

    first.stop().await;
    let rotated = json!({
        "issuer": issuer_url,
        "key_file": format!("{keys}/ed-b.pem"),
        "retired_key_files": [format!("{keys}/ed-a.pem")],
    });
    let second = RunningApp::launch(issuer_app(rotated.clone()), port).await;
    let rotated_issuer = Client::untracked(issuer_app(rotated)).await.unwrap();
    let new_token = login(&rotated_issuer, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    rocket::tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(call(&resource, "/me", &[&bearer(&new_token)]).await.status, 200, "the new key is fetched");
    assert_eq!(call(&resource, "/me", &[&bearer(&old_token)]).await.status, 200, "the retired key still verifies");
    second.stop().await;
}

/// The app's user type.
#[derive(Debug)]
struct User {
    name: String,
}

#[jwt_guard::async_trait]
impl LoadIdentity for User {
    async fn load(token: &Token, _: &Request<'_>) -> Option<Self> {
        match token.subject()? {
            "user1" => Some(User { name: "User One".into() }),
            _ => None,
        }
    }
}

#[get("/profile")]
fn profile(user: CurrentUser<User>) -> String {
    user.name.clone()
}

#[rocket::async_test]
async fn identity_loading_turns_tokens_into_users() {
    let (issuer, client) = crate::test_issuer_client(routes![profile]).await;
    let known = client.get("/profile").header(issuer.token().subject("user1").bearer()).dispatch().await;
    assert_eq!(known.into_string().await.unwrap(), "User One");
    let gone = client.get("/profile").header(issuer.token().subject("user9").bearer()).dispatch().await;
    assert_eq!(gone.status().code, 401);
    assert_eq!(
        gone.headers().get_one("WWW-Authenticate").map(str::to_owned),
        Some(format!(
            r#"Bearer realm="api", error="invalid_token", error_description="the token's subject no longer exists", {DPOP_CHALLENGE}"#
        ))
    );
}

#[rocket::async_test]
async fn a_route_that_loads_the_user_stops_the_launch_without_the_fairing() {
    let without_fairing = rocket::custom(quiet_figment()).mount("/", routes![profile]);
    let error = Client::tracked(without_fairing).await.expect_err("the sentinel stops launch");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(aborts) if aborts.len() == 1), "{error}");
}

#[protected(issuer = "auth0", scope = "read")]
#[get("/auth0-reports")]
fn auth0_reports() -> &'static str {
    "reports"
}

#[protected(issuer = "auth0", scope = "read", role = "admin")]
#[get("/auth0-admin")]
fn auth0_admin() -> &'static str {
    "admin"
}

/// What the app's own `auth0` says of the provider (a template of tenants,
/// scopes in `permissions`, DPoP required, a shorter lifetime in the
/// running profile) is gone with the stand-in; the shape of its roles,
/// which the policies read, stays.
#[rocket::async_test]
async fn the_test_issuer_replaces_the_named_issuer_but_keeps_the_shape_of_its_roles() {
    use rocket::figment::providers::Serialized;

    let issuer = TestIssuer::named("auth0");
    let auth0 = json!({
        "issuer": "https://{tenant}.auth0.test/",
        "tenants": ["acme"],
        "audience": "https://api.example.com",
        "scope_claim": "permissions",
        "roles_claim": "https://example.com/roles",
        "dpop": "required",
    });
    let figment = quiet_figment().merge(("jwt_guard.issuers.auth0", auth0));
    let running = figment.profile().clone();
    let figment = figment.merge(Serialized::default("jwt_guard.issuers.auth0.max_lifetime", 1).profile(running));
    let rocket = rocket::custom(figment).attach(JwtGuard::fairing()).mount("/", routes![auth0_admin]);
    let client = Client::tracked(issuer.attach_to(rocket)).await.expect("the stand-in is no template");
    let status = |header: Header<'static>| {
        let client = &client;
        async move { client.get("/auth0-admin").header(header).dispatch().await.status().code }
    };
    let admin = || issuer.token().scope("read").claim("https://example.com/roles", json!(["admin"]));
    assert_eq!(status(admin().bearer()).await, 200);
    assert_eq!(status(issuer.token().scope("read").claim("roles", json!(["admin"])).bearer()).await, 403);
}

#[rocket::async_test]
async fn the_test_issuer_stands_in_for_a_named_issuer_and_mints_every_variant() {
    let issuer = TestIssuer::named("auth0");
    let rocket = rocket::custom(quiet_figment().merge((
        "jwt_guard.issuers.auth0",
        json!({ "issuer": "https://tenant.example.com/", "audience": "https://api.example.com" }),
    )))
    .attach(JwtGuard::fairing())
    .register("/", jwt_guard::catchers())
    .mount("/", routes![auth0_reports]);
    let client = Client::tracked(issuer.attach_to(rocket)).await.unwrap();
    let status = |header: Header<'static>| {
        let client = &client;
        async move { client.get("/auth0-reports").header(header).dispatch().await.status().code }
    };
    // Each variant refused for what it makes wrong, as an app's tests rely on.
    let refusal = |header: Header<'static>| {
        let client = &client;
        async move {
            let response = client.get("/auth0-reports").header(header).dispatch().await;
            let status = response.status().code;
            let body: Value = response.into_json().await.unwrap_or_default();
            (status, body["error_description"].as_str().unwrap_or_default().to_owned())
        }
    };
    assert_eq!(status(issuer.token().scope("read").bearer()).await, 200);
    assert_eq!(status(issuer.token().scope("write").bearer()).await, 403);
    for (variant, token, description) in [
        ("expired", issuer.token().scope("read").expired(), "the token has expired"),
        (
            "audience",
            issuer.token().scope("read").audience("https://other.test"),
            "the token is not meant for this audience",
        ),
        ("issuer", issuer.token().scope("read").issuer("https://evil.test/"), "the token's issuer is not trusted"),
        ("kid", issuer.token().scope("read").kid("unknown"), "the token's signing key is not known"),
    ] {
        assert_eq!(refusal(token.bearer()).await, (401, description.to_owned()), "{variant}");
    }
    assert_eq!(
        status(issuer.token().scope("read").expires_in(Duration::from_secs(60)).claim("x", 1).bearer()).await,
        200
    );
}

#[rocket::async_test]
async fn the_quickstart_serves_its_four_routes_to_the_demo_users() {
    let app = quickstart::app();
    let figment = app.figment().clone().merge(("log_level", "off"));
    let client = Client::tracked(app.configure(figment)).await.unwrap();
    let public = call(&client, "/public", &[]).await;
    assert_eq!((public.status, public.body), (200, json!({"message": "no token needed here"})));
    assert_eq!(call(&client, "/protected", &[]).await.status, 401);

    let user1 = login(&client, "user1", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    let user2 = login(&client, "user2", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
    let protected = call(&client, "/protected", &[&bearer(&user1)]).await;
    assert_eq!((protected.status, protected.body), (200, json!({"subject": "user1", "scopes": ["read"]})));
    assert_eq!(call(&client, "/read", &[&bearer(&user1)]).await.status, 200);
    let denied = call(&client, "/admin", &[&bearer(&user1)]).await;
    assert_eq!(denied.status, 403);
    let challenge = denied.challenge.unwrap();
    assert!(challenge.contains(&format!(r#"scope="admin", {DPOP_CHALLENGE}"#)), "{challenge}");

    let protected = call(&client, "/protected", &[&bearer(&user2)]).await;
    assert_eq!(protected.body, json!({"subject": "user2", "scopes": ["read", "admin"]}));
    assert_eq!(call(&client, "/read", &[&bearer(&user2)]).await.status, 200);
    let admin = call(&client, "/admin", &[&bearer(&user2)]).await;
    assert_eq!((admin.status, admin.body), (200, json!({"message": "welcome, administrator user2"})));
}

/// `ROCKET_ADDRESS=0.0.0.0`, as in a container: the app and its built-in
/// issuer are named by the loopback address, not by one no client can
/// reach, and the quickstart launches as it does on 127.0.0.1.
#[rocket::async_test]
async fn the_quickstart_listening_on_every_address_is_named_by_its_loopback_address() {
    for (listening, named) in [("0.0.0.0", "http://127.0.0.1:8000"), ("::", "http://[::1]:8000")] {
        let figment = rocket::Config::figment().merge(("address", listening)).merge(("log_level", "off"));
        let client = Client::tracked(quickstart::app_from(figment)).await.expect("the quickstart launches");
        let metadata = call(&client, "/.well-known/oauth-protected-resource", &[]).await;
        assert_eq!((metadata.status, &metadata.body["resource"]), (200, &json!(named)), "{listening}");
        let discovery = call(&client, "/.well-known/openid-configuration", &[]).await;
        assert_eq!(discovery.body["issuer"], named, "{listening}");
        let token = login(&client, "user2", "abcxyz").await.1["access_token"].as_str().unwrap().to_owned();
        assert_eq!(call(&client, "/admin", &[&bearer(&token)]).await.status, 200, "{listening}");
    }
}

#[rocket::async_test]
async fn the_multi_issuer_example_lets_its_service_accounts_in_through_the_built_in_issuer() {
    // Auth0 and Entra ID stand in as key servers on 127.0.0.1.
    let (auth0, entra) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::EcA]).await);
    let config = json!({ "issuers": { "auth0": issuer_table(&auth0), "entra": issuer_table(&entra) }, "local": {} });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(multi_issuer::service_accounts()))
        .register("/", jwt_guard::catchers())
        .mount("/", multi_issuer::routes());
    let client = Client::tracked(rocket).await.unwrap();
    let (status, body) = login(&client, "billing", "billing-secret").await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let whoami = call(&client, "/whoami", &[&bearer(token)]).await;
    assert_eq!((whoami.status, whoami.body), (200, json!("billing via local")));
    let orders = call(&client, "/orders", &[&bearer(token)]).await;
    assert_eq!(orders.status, 403, "`/orders` takes Auth0's tokens only");
}
