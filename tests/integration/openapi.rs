//! The OpenAPI security that jwt-guard writes from the compiled policies,
//! for the `openapi` example's API: validated by a real validator
//! (@apidevtools/swagger-parser), and its requirements equal to the
//! policies, route by route.

use jwt_guard::{JwtGuard, issuer::StaticUsers};
use jwt_guard_tests::{KeyServer, RunningApp, TestKey, free_port, quiet_figment, run_node_script};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};

#[path = "../../examples/openapi/api.rs"]
mod api;

#[rocket::async_test]
async fn the_document_is_valid_and_its_security_is_the_policies() {
    let partner = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({ "issuers": { "partner": { "issuer": partner.base(), "audience": "https://api.test" } } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(StaticUsers::new()))
        .mount("/", api::routes());
    let port = free_port();
    let app = RunningApp::launch(rocket, port).await;

    let url = format!("http://127.0.0.1:{port}/openapi.json");
    let seen = run_node_script("discovery-clients", "validate-openapi.mjs", &[&url]).await;
    assert_eq!(seen["valid"], true, "{}", seen["problem"]);
    assert_eq!(seen["openapi"], "3.1.0");
    assert_eq!(
        seen["schemes"],
        json!({
            "partner": {
                "type": "openIdConnect",
                "openIdConnectUrl": format!("{}/.well-known/openid-configuration", partner.base()),
                "description": format!("Access tokens of {}", partner.base()),
            },
            "local": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Access tokens of this API's own issuer: `POST /auth` with the user's credentials as JSON returns one",
            },
        })
    );
    assert_eq!(
        seen["security"],
        json!({
            // `#[protected]`: any valid token of any issuer.
            "GET /profile": [{ "partner": [] }, { "local": [] }],
            // `scope = "reports:read"`.
            "GET /reports": [{ "partner": ["reports:read"] }, { "local": ["reports:read"] }],
            // `any(scope = "reports:delete", claim(role = "admin"))`: the
            // claim needs no scope, so a token without one may pass.
            "DELETE /reports/{id}": [
                { "partner": ["reports:delete"] }, { "partner": [] },
                { "local": ["reports:delete"] }, { "local": [] },
            ],
            // The group's `issuer = "local", scope = "audit"`.
            "GET /audit/log": [{ "local": ["audit"] }],
            // No policy, no requirement.
            "GET /health": null,
        })
    );
    app.stop().await;
}

/// A template's keys are found per tenant: its scheme is a bearer token's,
/// not the discovery document of a tenant made up to fill the template.
#[rocket::async_test]
async fn a_template_is_described_as_bearer_tokens_of_its_tenants() {
    let template = "https://login.example.com/{tenant}/v2.0";
    let entra = json!({ "issuer": template, "tenants": ["contoso"], "audience": "https://api.test" });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", json!({ "issuers": { "entra": entra } }))))
        .attach(JwtGuard::fairing().login(StaticUsers::new()))
        .mount("/", api::routes());
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let document: Value = client.get("/openapi.json").dispatch().await.into_json().await.unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["entra"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": format!("Access tokens of {template}"),
        })
    );
}
