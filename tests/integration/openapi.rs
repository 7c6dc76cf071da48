//! The OpenAPI security that jwt-guard writes from the compiled policies,
//! for the `openapi` example's API: validated by a real validator
//! (@apidevtools/swagger-parser), and its requirements equal to the
//! policies, route by route.

use jwt_guard::{JwtGuard, issuer::StaticUsers};
use jwt_guard_tests::{KeyServer, RunningApp, TestKey, free_port, quiet_figment, run_node_script};
use rocket::get;
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

/// Gives the issuers of `https://orders.example.com/…` the name
/// `customers`.
struct Customers;

#[jwt_guard::async_trait]
impl jwt_guard::verify::IssuerResolver for Customers {
    fn issuer_names(&self) -> &'static [&'static str] {
        &["customers"]
    }

    async fn resolve(&self, iss: &str) -> Option<jwt_guard::verify::ResolvedIssuer> {
        let tenant = iss.strip_prefix("https://orders.example.com/")?;
        let config = jwt_guard::config::IssuerConfig::new(iss, "https://api.test");
        Some(jwt_guard::verify::ResolvedIssuer::new("customers", tenant, config))
    }
}

#[utoipa::path(responses((status = 200, description = "The order")), params(("arg0" = String, Path)))]
#[jwt_guard::protected(issuer = "customers", scope = "orders:read")]
#[get("/orders/<_>")]
fn order() -> &'static str {
    "order"
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(order))]
struct OrdersDoc;

/// A route mounted under a base path, with a nameless segment, pinned to
/// the issuers that the app's resolver finds: its operation, at the path
/// its attribute writes, requires their bearer tokens.
#[rocket::async_test]
async fn a_resolvers_issuers_under_a_base_path_are_described_and_required() {
    use utoipa::OpenApi as _;
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing().issuer_resolver(Customers))
        .mount("/api", rocket::routes![order])
        .mount("/", jwt_guard::openapi::routes("/openapi.json", OrdersDoc::openapi()));
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let document: Value = client.get("/openapi.json").dispatch().await.into_json().await.unwrap();
    assert_eq!(
        document["components"]["securitySchemes"],
        json!({
            "customers": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Access tokens of the issuers that the API finds for `customers`",
            },
        })
    );
    assert_eq!(document["paths"]["/orders/{arg0}"]["get"]["security"], json!([{ "customers": ["orders:read"] }]));
}

#[utoipa::path(responses((status = 200, description = "The items")))]
#[jwt_guard::protected(scope = "items:read")]
#[get("/items", format = "json")]
fn items_as_json() -> &'static str {
    "[]"
}

#[jwt_guard::protected(scope = "items:export")]
#[get("/items", format = "text/csv", rank = 2)]
fn items_as_csv() -> &'static str {
    ""
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(items_as_json))]
struct ItemsDoc;

/// Two routes of one method and path, for two formats, share one
/// operation: it lists the requirements of either, not only the last
/// one's.
#[rocket::async_test]
async fn two_routes_of_one_operation_list_the_requirements_of_either() {
    use utoipa::OpenApi as _;
    let issuer = jwt_guard::config::IssuerConfig::new("https://idp.example.com", "https://api.test");
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::builder().issuer("idp", issuer))
        .mount("/", rocket::routes![items_as_json, items_as_csv])
        .mount("/", jwt_guard::openapi::routes("/openapi.json", ItemsDoc::openapi()));
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let document: Value = client.get("/openapi.json").dispatch().await.into_json().await.unwrap();
    assert_eq!(
        document["paths"]["/items"]["get"]["security"],
        json!([{ "idp": ["items:read"] }, { "idp": ["items:export"] }])
    );
}
