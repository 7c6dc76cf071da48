//! Policies on tokens as real providers shape them (the layouts of
//! `support/fixtures`): roles where Keycloak, Entra ID, Auth0 and Zitadel keep them,
//! through each issuer's `roles_claim`; nested claims by path, read from
//! JSON and through typed claims; and scopes that imply others.

use jwt_guard::testing::TestIssuer;
use jwt_guard::{JwtGuard, Scopes, Token, protected};
use jwt_guard_tests::{call, quiet_figment};
use rocket::local::asynchronous::Client;
use rocket::{get, routes};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::bearer;

#[protected(issuer = "keycloak", role = "reports-admin")]
#[get("/keycloak/admin")]
fn keycloak_admin(token: Token) -> Value {
    json!({ "roles": token.roles(), "reader": token.has_role("reports-reader") })
}

#[protected(issuer = "keycloak", claim(resource_access."reports-api".roles = "reports-reader"))]
#[get("/keycloak/client-role")]
fn keycloak_client_role() -> &'static str {
    "keycloak client role"
}

#[derive(Deserialize)]
struct KeycloakClaims {
    realm_access: RealmAccess,
}

#[derive(Deserialize)]
struct RealmAccess {
    roles: Vec<String>,
}

#[protected(claims = KeycloakClaims, claim(realm_access.roles = "offline_access"))]
#[get("/keycloak/typed")]
fn keycloak_typed() -> &'static str {
    "keycloak typed"
}

#[protected(issuer = "entra", role = "Reports.Admin")]
#[get("/entra/admin")]
fn entra_admin() -> &'static str {
    "entra admin"
}

/// The roles granted in the API's own Zitadel project (the fixture's
/// `287390412371284903`).
const ZITADEL_ROLES: &str = "urn:zitadel:iam:org:project:287390412371284903:roles";

#[protected(issuer = "zitadel", role = "reports-admin")]
#[get("/zitadel/admin")]
fn zitadel_admin(token: Token) -> Value {
    json!({ "roles": token.roles() })
}

#[protected(issuer = "auth0", any_role("editor", "admin"))]
#[get("/auth0/edit")]
fn auth0_edit() -> &'static str {
    "auth0 edit"
}

/// Files, where writing implies reading and the administrator may do all.
#[derive(Scopes)]
#[allow(dead_code, reason = "policies name two scopes; the others imply them")]
enum FileScope {
    #[scope("files:read")]
    Read,
    #[scope("files:write", implies = "files:read")]
    Write,
    #[scope("files:admin", implies = "*")]
    Admin,
}

#[protected(scope = FileScope::Read)]
#[get("/files")]
fn files() -> &'static str {
    "files"
}

#[protected(vocabulary = FileScope, scope = "files:write")]
#[get("/files/edit")]
fn edit_files() -> &'static str {
    "editing files"
}

/// Reports, a vocabulary of their own.
#[derive(Scopes)]
#[allow(dead_code, reason = "the policy names one scope; the other implies it")]
enum ReportScope {
    #[scope("reports:read")]
    Read,
    #[scope("reports:admin", implies = "*")]
    Admin,
}

#[protected(scopes(FileScope::Read, ReportScope::Read))]
#[get("/files/report")]
fn report_on_files() -> &'static str {
    "a report on files"
}

/// The four providers' test issuers, and a client of an app that trusts
/// them with their `roles_claim`.
async fn setup() -> ([TestIssuer; 4], Client) {
    let issuers = ["keycloak", "entra", "auth0", "zitadel"].map(TestIssuer::named);
    let roles = [
        json!(["/realm_access/roles", "/resource_access/reports-api/roles"]),
        json!("roles"),
        json!("https://reports.example.com/roles"),
        json!(ZITADEL_ROLES),
    ];
    let rocket =
        rocket::custom(quiet_figment()).attach(JwtGuard::fairing()).register("/", jwt_guard::catchers()).mount(
            "/",
            routes![
                keycloak_admin,
                keycloak_client_role,
                keycloak_typed,
                entra_admin,
                zitadel_admin,
                auth0_edit,
                files,
                edit_files,
                report_on_files
            ],
        );
    let mut rocket = rocket;
    for (issuer, roles) in issuers.iter().zip(roles) {
        rocket = issuer.attach_to(rocket);
        let figment =
            rocket.figment().clone().merge((format!("jwt_guard.issuers.{}.roles_claim", issuer.name()), roles));
        rocket = rocket.configure(figment);
    }
    let client = Client::tracked(rocket).await.expect("the app ignites");
    (issuers, client)
}

/// A token of `issuer` with the claims of a provider's fixture, edited by
/// `edit`; its own `iss`, `aud`, `iat` and `exp`.
fn shaped(issuer: &TestIssuer, provider: &str, edit: impl FnOnce(&mut Value)) -> String {
    let path = format!("{}/support/fixtures/{provider}.json", env!("CARGO_MANIFEST_DIR"));
    let mut claims: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("a fixture")).expect("JSON");
    edit(&mut claims);
    let mut token = issuer.token();
    for (name, value) in claims.as_object().expect("an object") {
        if !["iss", "aud", "iat", "exp", "nbf"].contains(&name.as_str()) {
            token = token.claim(name, value.clone());
        }
    }
    bearer(&token.sign())
}

#[rocket::async_test]
async fn roles_are_read_where_each_provider_keeps_them() {
    let ([keycloak, entra, auth0, zitadel], client) = setup().await;
    let status = |path: &'static str, token: String| {
        let client = &client;
        async move { call(client, path, &[&token]).await.status }
    };
    let admin = call(&client, "/keycloak/admin", &[&shaped(&keycloak, "keycloak", |_| {})]).await;
    assert_eq!(
        (admin.status, admin.body),
        (
            200,
            json!({
                "roles": ["offline_access", "uma_authorization", "default-roles-acme", "reports-admin", "reports-reader"],
                "reader": true,
            })
        ),
        "the realm's roles, then the client's, as `roles_claim` lists them"
    );
    assert_eq!(status("/keycloak/client-role", shaped(&keycloak, "keycloak", |_| {})).await, 200);
    assert_eq!(status("/keycloak/typed", shaped(&keycloak, "keycloak", |_| {})).await, 200);
    assert_eq!(status("/entra/admin", shaped(&entra, "entra", |_| {})).await, 200);
    assert_eq!(status("/auth0/edit", shaped(&auth0, "auth0", |_| {})).await, 200);

    let no_admin = shaped(&keycloak, "keycloak", |claims| claims["realm_access"]["roles"] = json!(["offline_access"]));
    let denied = call(&client, "/keycloak/admin", &[&no_admin]).await;
    assert_eq!(
        (denied.status, denied.body["error_description"].clone()),
        (403, json!("the token lacks a role this resource needs"))
    );
    let other_client = shaped(&keycloak, "keycloak", |claims| {
        claims["resource_access"] = json!({ "account": { "roles": ["reports-reader"] } })
    });
    let denied = call(&client, "/keycloak/client-role", &[&other_client]).await;
    assert_eq!(
        (denied.status, denied.body["error_description"].clone()),
        (403, json!("the token's `resource_access.reports-api.roles` claim does not permit this"))
    );
    let reader = shaped(&entra, "entra", |claims| claims["roles"] = json!(["Reports.Read"]));
    assert_eq!(status("/entra/admin", reader).await, 403);
    let viewer = shaped(&auth0, "auth0", |claims| claims["https://reports.example.com/roles"] = json!(["viewer"]));
    assert_eq!(status("/auth0/edit", viewer).await, 403);
    let admin = call(&client, "/zitadel/admin", &[&shaped(&zitadel, "zitadel", |_| {})]).await;
    assert_eq!(
        (admin.status, admin.body),
        (200, json!({ "roles": ["reports-admin", "reports-reader"] })),
        "Zitadel's roles are the names of its object's members"
    );
    let reader = shaped(&zitadel, "zitadel", |claims| {
        claims[ZITADEL_ROLES] = json!({ "reports-reader": { "287390123456789012": "acme" } })
    });
    assert_eq!(status("/zitadel/admin", reader).await, 403);
    let keycloak_roles_at_entra = shaped(&entra, "keycloak", |_| {});
    assert_eq!(status("/entra/admin", keycloak_roles_at_entra).await, 403, "each issuer's own place");
}

#[rocket::async_test]
async fn a_scope_is_met_by_the_scopes_that_imply_it() {
    let ([keycloak, ..], client) = setup().await;
    let with_scope = |scope: &str| bearer(&keycloak.token().scope(scope).sign());
    for (scope, files, edit) in
        [("files:read", 200, 403), ("files:write", 200, 200), ("files:admin", 200, 200), ("reports:read", 403, 403)]
    {
        assert_eq!(call(&client, "/files", &[&with_scope(scope)]).await.status, files, "{scope} on /files");
        assert_eq!(call(&client, "/files/edit", &[&with_scope(scope)]).await.status, edit, "{scope} on /files/edit");
    }
    let denied = call(&client, "/files/edit", &[&with_scope("files:read")]).await;
    assert!(denied.challenge.unwrap().contains(r#"scope="files:write""#), "the challenge names the scope itself");
    // Each variant is met by the implications of its own enum.
    for (scopes, status) in [
        ("files:read reports:read", 200),
        ("files:write reports:admin", 200),
        ("files:admin", 403),
        ("reports:admin", 403),
        ("files:read", 403),
    ] {
        assert_eq!(call(&client, "/files/report", &[&with_scope(scopes)]).await.status, status, "{scopes}");
    }
}
