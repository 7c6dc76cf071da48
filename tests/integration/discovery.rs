//! An API that describes itself (RFC 9728): its protected-resource
//! metadata, written from the compiled policies of its mounted routes; the
//! challenges that point to it and name the scopes a route needs; the
//! audience that defaults to the resource; and real clients nobody here
//! wrote (the MCP TypeScript SDK, panva's oauth4webapi) that read them,
//! then get a token from panva's oidc-provider and call the route.

use jwt_guard::{JwtGuard, Token, policy, protect, protected};
use jwt_guard_tests::{
    DPOP_CHALLENGE, KeyServer, OidcProvider, RunningApp, TestKey, call, claims_for, free_port, mint, quiet_figment,
    run_node_script,
};
use rocket::local::asynchronous::Client;
use rocket::{Build, Rocket, get, route, routes};
use serde_json::{Value, json};

use crate::bearer;

#[protected(scope = "read")]
#[get("/reports")]
fn reports() -> &'static str {
    "reports"
}

// Rocket's generic form, with a trailing comma, which Rocket takes too:
// the policy's scopes are known as well as those of `#[get]`.
#[protected(any_scope("write", "admin"))]
#[route(GET, uri = "/reports/edit")]
fn edit_reports() -> &'static str {
    "editing"
}

#[get("/audit")]
fn audit() -> &'static str {
    "audit"
}

#[get("/whoami")]
fn whoami(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

#[get("/health")]
fn health() -> &'static str {
    "ok"
}

/// The resource of the app under test, which has a path.
const RESOURCE: &str = "https://api.test/v1";

/// Its metadata's path.
const METADATA_PATH: &str = "/.well-known/oauth-protected-resource/v1";

/// An app that is the resource `resource`, trusting `issuers`, with
/// routes behind a scope, two alternative scopes, a group's policy, the
/// `Token` guard alone, and nothing.
fn described_app(resource: &str, issuers: Value) -> Rocket<Build> {
    let config = json!({
        "resource": resource,
        "resource_name": "Reports API",
        "resource_documentation": "https://docs.api.test/reports",
        "resource_scopes": ["offline_access"],
        "issuers": issuers,
    });
    rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports, edit_reports, whoami, health])
        .mount("/", protect(policy!(scope = "audit"), routes![audit]))
}

/// A key server, and a client of the described app that trusts it with
/// no `audience`: the resource is its audience.
async fn setup() -> (KeyServer, Client) {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let issuers = json!({ "primary": { "issuer": server.base(), "jwks_uri": server.jwks_uri() } });
    let client = Client::tracked(described_app(RESOURCE, issuers)).await.expect("the app ignites");
    (server, client)
}

/// A token of `server` for `audience` with the scopes `scope`.
fn token_for(server: &KeyServer, audience: &str, scope: &str) -> String {
    let mut claims = claims_for(server.base());
    claims["aud"] = json!(audience);
    claims["scope"] = json!(scope);
    bearer(&mint(TestKey::RsaA, &claims))
}

#[rocket::async_test]
async fn the_metadata_lists_the_issuers_and_every_scope_that_the_mounted_policies_name() {
    let (server, client) = setup().await;
    let response = client.get(METADATA_PATH).dispatch().await;
    assert_eq!(response.status().code, 200);
    assert_eq!(response.content_type(), Some(rocket::http::ContentType::JSON));
    assert_eq!(response.headers().get_one("Cache-Control"), Some("public, max-age=300"));
    let metadata: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(
        metadata,
        json!({
            "resource": RESOURCE,
            "authorization_servers": [server.base()],
            "scopes_supported": ["admin", "audit", "offline_access", "read", "write"],
            "bearer_methods_supported": ["header"],
            "token_signing_alg_values_supported": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
            "dpop_signing_alg_values_supported": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
            "dpop_bound_access_tokens_required": false,
            "resource_name": "Reports API",
            "resource_documentation": "https://docs.api.test/reports",
        })
    );
    let root = client.get("/.well-known/oauth-protected-resource").dispatch().await;
    assert_eq!(root.status().code, 404, "a resource with a path has its metadata at the path-suffixed URL only");
}

/// A template is no issuer identifier: its listed tenants' issuers are
/// the authorization servers, and a template of any tenant lists none.
#[rocket::async_test]
async fn a_templates_listed_tenants_are_its_authorization_servers() {
    let (server, _) = setup().await;
    let issuers = json!({
        "primary": { "issuer": server.base(), "jwks_uri": server.jwks_uri() },
        "entra": { "issuer": "https://login.example.com/{tenant}/v2.0", "tenants": ["contoso", "fabrikam"] },
        "anyone": { "issuer": "https://{tenant}.auth.example.com/", "tenants": "any" },
    });
    let client = Client::tracked(described_app(RESOURCE, issuers)).await.expect("the app ignites");
    let metadata: Value = client.get(METADATA_PATH).dispatch().await.into_json().await.unwrap();
    let mut servers: Vec<&str> =
        metadata["authorization_servers"].as_array().unwrap().iter().map(|server| server.as_str().unwrap()).collect();
    servers.sort_unstable();
    let mut expected =
        vec![server.base(), "https://login.example.com/contoso/v2.0", "https://login.example.com/fabrikam/v2.0"];
    expected.sort_unstable();
    assert_eq!(servers, expected);

    let anyone = json!({ "anyone": { "issuer": "https://{tenant}.auth.example.com/", "tenants": "any" } });
    let client = Client::tracked(described_app(RESOURCE, anyone)).await.expect("the app ignites");
    let metadata: Value = client.get(METADATA_PATH).dispatch().await.into_json().await.unwrap();
    assert_eq!(metadata.get("authorization_servers"), None, "none to list: the member is left out");
}

#[rocket::async_test]
async fn challenges_point_to_the_metadata_and_a_401_names_the_scopes_of_the_route() {
    let (server, client) = setup().await;
    let metadata = "https://api.test/.well-known/oauth-protected-resource/v1";
    let dpop = format!(r#"{DPOP_CHALLENGE}, resource_metadata="{metadata}""#);
    let challenge = |path: &'static str, authorization: Vec<String>| {
        let client = &client;
        async move {
            let authorization: Vec<&str> = authorization.iter().map(String::as_str).collect();
            let response = call(client, path, &authorization).await;
            (response.status, response.challenge.unwrap_or_default())
        }
    };
    assert_eq!(
        challenge("/reports", vec![]).await,
        (401, format!(r#"Bearer realm="api", resource_metadata="{metadata}", scope="read", {dpop}"#))
    );
    assert_eq!(
        challenge("/reports/edit", vec![]).await,
        (401, format!(r#"Bearer realm="api", resource_metadata="{metadata}", scope="write", {dpop}"#)),
        "of alternative scopes, the first"
    );
    assert_eq!(
        challenge("/audit", vec![]).await,
        (401, format!(r#"Bearer realm="api", resource_metadata="{metadata}", scope="audit", {dpop}"#)),
        "a group's policy"
    );
    assert_eq!(
        challenge("/whoami", vec![]).await,
        (401, format!(r#"Bearer realm="api", resource_metadata="{metadata}", {dpop}"#)),
        "no policy, no scope"
    );
    let expired = {
        let mut claims = claims_for(server.base());
        claims["aud"] = json!(RESOURCE);
        claims["exp"] = json!(1);
        bearer(&mint(TestKey::RsaA, &claims))
    };
    let (status, invalid) = challenge("/reports", vec![expired]).await;
    assert_eq!(status, 401);
    assert!(
        invalid.starts_with(&format!(r#"Bearer realm="api", resource_metadata="{metadata}", error="invalid_token""#)),
        "{invalid}"
    );
    assert!(invalid.ends_with(&format!(r#", scope="read", {dpop}"#)), "{invalid}");
    let (status, forbidden) = challenge("/reports/edit", vec![token_for(&server, RESOURCE, "read")]).await;
    assert_eq!(status, 403);
    assert!(
        forbidden
            .starts_with(&format!(r#"Bearer realm="api", resource_metadata="{metadata}", error="insufficient_scope""#)),
        "{forbidden}"
    );
    assert!(forbidden.ends_with(&format!(r#", scope="write", {dpop}"#)), "{forbidden}");
}

#[rocket::async_test]
async fn an_issuer_without_an_audience_accepts_tokens_for_the_resource_only() {
    let (server, client) = setup().await;
    let for_us = call(&client, "/reports", &[&token_for(&server, RESOURCE, "read")]).await;
    assert_eq!(for_us.status, 200);
    let for_another = call(&client, "/reports", &[&token_for(&server, "https://api.test/v2", "read")]).await;
    assert_eq!(for_another.status, 401);
    assert_eq!(for_another.body["error"], "invalid_token");
}

#[rocket::async_test]
async fn without_a_resource_nothing_is_served_and_challenges_are_as_before() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({ "issuers": { "primary": jwt_guard_tests::issuer_table(&server) } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .mount("/", routes![reports]);
    let client = Client::tracked(rocket).await.expect("the app ignites");
    assert_eq!(client.get("/.well-known/oauth-protected-resource").dispatch().await.status().code, 404);
    let refused = call(&client, "/reports", &[]).await;
    assert_eq!(refused.challenge, Some(format!(r#"Bearer realm="api", scope="read", {DPOP_CHALLENGE}"#)));
}

/// The described app on 127.0.0.1, trusting panva's oidc-provider, as
/// the resource `http://127.0.0.1:{port}`.
async fn served_with_provider() -> (OidcProvider, RunningApp, String) {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let port = free_port();
    let resource = format!("http://127.0.0.1:{port}");
    let issuers = json!({ "provider": { "issuer": provider.issuer() } });
    let app = RunningApp::launch(described_app(&resource, issuers), port).await;
    (provider, app, resource)
}

#[rocket::async_test]
async fn real_clients_discover_the_metadata_from_a_401() {
    let (provider, app, resource) = served_with_provider().await;
    let route = format!("{resource}/reports");
    let seen = run_node_script("discovery-clients", "discover.mjs", &[&route, &resource]).await;
    let metadata_url = format!("{resource}/.well-known/oauth-protected-resource");
    let scopes = json!(["admin", "audit", "offline_access", "read", "write"]);
    assert_eq!(
        seen["mcp"],
        json!({
            "status": 401,
            "resourceMetadataUrl": metadata_url,
            "scope": "read",
            "error": null,
            "resource": resource,
            "authorization_servers": [provider.issuer()],
            "scopes_supported": scopes,
            "selectedResource": format!("{resource}/"),
        })
    );
    let o4w = &seen["oauth4webapi"];
    assert_eq!(o4w["schemes"], json!(["bearer", "dpop"]));
    assert_eq!(o4w["parameters"]["resource_metadata"], json!(metadata_url));
    assert_eq!(o4w["parameters"]["error"], "invalid_token");
    assert_eq!(o4w["parameters"]["scope"], "read");
    assert_eq!(o4w["resource"], json!(resource), "RFC 9728 section 3.3: exactly the resource identifier");
    assert_eq!(o4w["wellKnownResource"], json!(resource));
    assert_eq!(o4w["authorization_servers"], json!([provider.issuer()]));
    assert_eq!(o4w["scopes_supported"], scopes);
    assert_eq!(o4w["bearer_methods_supported"], json!(["header"]));
    app.stop().await;
}

#[rocket::async_test]
async fn a_client_that_knows_only_the_route_gets_a_token_from_the_provider_and_is_served() {
    let (provider, app, resource) = served_with_provider().await;
    let route = format!("{resource}/reports");
    let issuer = provider.issuer();
    let run = run_node_script(
        "discovery-clients",
        "client-credentials.mjs",
        &[&route, &issuer, "reports-client", "reports-secret"],
    )
    .await;
    assert_eq!(
        run,
        json!({
            "refusedStatus": 401,
            "scope": "read",
            "outcome": "AUTHORIZED",
            "token": { "iss": issuer, "aud": resource, "scope": "read" },
            "status": 200,
            "body": "reports",
        })
    );
    app.stop().await;
}
