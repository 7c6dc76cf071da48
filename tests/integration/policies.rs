//! `#[protected]` at run time: every form of the grammar, typed and
//! untyped claims, checks, issuers, groups of routes, and the launch
//! checks of policies.

use jwt_guard::{Claims, JwtGuard, Token, policy, protect, protected};
use jwt_guard_tests::{DPOP_CHALLENGE, KeyServer, TestKey, call, claims_for, mint, quiet_figment, single_issuer};
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{Build, Rocket, get, post, routes};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::bearer;

#[protected]
#[get("/any-token")]
fn any_token() -> &'static str {
    "ok"
}

#[protected(scope = "read")]
#[get("/read")]
fn read() -> &'static str {
    "ok"
}

#[protected(scope = "read write")]
#[get("/read-write")]
async fn read_write() -> &'static str {
    "ok"
}

#[protected(scopes("read", "write"))]
#[rocket::get("/scopes")]
fn scopes() -> &'static str {
    "ok"
}

#[protected(any_scope("admin", "read"))]
#[get("/any-scope")]
fn any_scope() -> &'static str {
    "ok"
}

#[protected(claim(role = "admin"))]
#[get("/role")]
fn role() -> &'static str {
    "ok"
}

#[protected(claim(role = ["admin", "owner"]))]
#[get("/role-one-of")]
fn role_one_of() -> &'static str {
    "ok"
}

#[protected(claim(email_verified = true, level = 3))]
#[get("/verified-level")]
fn verified_level() -> &'static str {
    "ok"
}

#[protected(claim("https://example.com/tenant" = "acme", offset = -2))]
#[get("/json-names")]
fn json_names() -> &'static str {
    "ok"
}

#[protected(issuer = "primary")]
#[get("/issuer")]
fn issuer() -> &'static str {
    "ok"
}

fn tenant_matches(token: &Token) -> bool {
    token.claim("tenant").and_then(Value::as_str) == Some("acme")
}

async fn tenant_allowed(token: &Token) -> bool {
    rocket::tokio::task::yield_now().await;
    token.subject() == Some("alice")
}

#[protected(check = tenant_matches)]
#[get("/check")]
fn check() -> &'static str {
    "ok"
}

#[protected(check = tenant_allowed)]
#[get("/async-check")]
async fn async_check() -> &'static str {
    "ok"
}

#[protected(any(claim(tenant = "globex"), claim(tenant = "acme")))]
#[get("/alternatives")]
fn alternatives() -> &'static str {
    "ok"
}

#[protected(any(scope = "admin", all(scope = "read", claim(tenant = "acme"))))]
#[get("/nested")]
fn nested() -> &'static str {
    "ok"
}

/// Typed claims, as an app declares them.
#[derive(Debug, Deserialize, jwt_guard::ClaimNames)]
pub(crate) struct TypedClaims {
    sub: String,
    #[serde(default)]
    role: String,
    #[serde(rename = "https://example.com/roles", default)]
    roles: Vec<String>,
    #[serde(rename(deserialize = "https://example.com/groups"), default)]
    groups: Vec<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    level: u8,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    tier: Tier,
}

/// A user enum compared with string literals.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Tier {
    /// The default.
    #[default]
    Free,
    /// Paying.
    Pro,
}

impl PartialEq<&str> for Tier {
    fn eq(&self, other: &&str) -> bool {
        matches!((self, *other), (Tier::Free, "free") | (Tier::Pro, "pro"))
    }
}

#[protected(claims = TypedClaims, claim("https://example.com/roles" = "auditor"))]
#[get("/typed-json-name")]
fn typed_json_name() -> &'static str {
    "ok"
}

#[protected(claims = TypedClaims, claim("https://example.com/groups" = "staff"))]
#[get("/typed-deserialize-name")]
fn typed_deserialize_name() -> &'static str {
    "ok"
}

/// The claims taken as optional are the policy's typed claims all the
/// same: `roles` is the field, read from the namespaced claim.
#[protected(claim(roles = "editor"))]
#[get("/typed-optional")]
fn typed_optional(claims: Option<Claims<TypedClaims>>) -> String {
    format!("{:?}", claims.map(|claims| claims.into_inner().groups))
}

#[protected(claims = TypedClaims, scope = "read", claim(role = "admin"))]
#[get("/typed-declared")]
fn typed_declared(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

#[protected(claim(roles = "editor", email_verified = true, level = [3, 4], plan = "gold", tier = "pro"))]
#[get("/typed-param")]
fn typed_param(claims: Claims<TypedClaims>) -> String {
    format!("{} {:?}", claims.sub, claims.roles)
}

#[protected(scope = "write")]
#[post("/items", format = "json", data = "<item>")]
async fn create_item(item: Json<Value>, token: Token) -> String {
    format!("{} created {}", token.subject().unwrap_or_default(), item.0)
}

#[protected(scope = "read")]
#[rocket::route(GET, uri = "/routed")]
fn routed() -> &'static str {
    "ok"
}

#[get("/group/plain")]
fn group_plain() -> &'static str {
    "ok"
}

#[protected(claim(role = "admin"))]
#[get("/group/also-protected")]
fn group_also_protected() -> &'static str {
    "ok"
}

/// An app that trusts `server`, with jwt-guard's catchers and no routes.
fn guarded(server: &KeyServer) -> Rocket<Build> {
    rocket::custom(quiet_figment().merge(("jwt_guard", single_issuer(server))))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
}

fn app(server: &KeyServer) -> Rocket<Build> {
    guarded(server)
        .mount(
            "/",
            routes![
                any_token,
                read,
                read_write,
                scopes,
                any_scope,
                role,
                role_one_of,
                verified_level,
                json_names,
                issuer,
                check,
                async_check,
                nested,
                alternatives,
                typed_declared,
                typed_json_name,
                typed_deserialize_name,
                typed_optional,
                typed_param,
                create_item,
                routed
            ],
        )
        .mount("/", protect(policy!(scope = "admin"), routes![group_plain, group_also_protected]))
}

async fn setup() -> (KeyServer, Client) {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = Client::tracked(app(&server)).await.expect("the app launches");
    (server, client)
}

/// The status of `path` for a token with the usual claims changed by `edit`.
async fn status(client: &Client, server: &KeyServer, path: &str, edit: impl FnOnce(&mut Value)) -> u16 {
    let mut claims = claims_for(server.base());
    edit(&mut claims);
    call(client, path, &[&bearer(&mint(TestKey::RsaA, &claims))]).await.status
}

#[rocket::async_test]
async fn scope_policies_pass_with_the_scopes_and_answer_403_without() {
    let (server, client) = setup().await;
    for path in ["/any-token", "/read", "/read-write", "/scopes", "/any-scope", "/routed"] {
        assert_eq!(status(&client, &server, path, |_| {}).await, 200, "{path}");
    }
    assert_eq!(status(&client, &server, "/read-write", |c| c["scope"] = json!("read")).await, 403);
    assert_eq!(status(&client, &server, "/scopes", |c| c["scope"] = json!("write")).await, 403);
    assert_eq!(status(&client, &server, "/any-scope", |c| c["scope"] = json!("admin")).await, 200);
    assert_eq!(status(&client, &server, "/any-scope", |c| c["scope"] = json!("write")).await, 403);
    assert_eq!(status(&client, &server, "/read", |c| c["scope"] = json!("Read")).await, 403, "case-sensitive");
    assert_eq!(status(&client, &server, "/any-token", |c| c["scope"] = json!("")).await, 200);

    let mut claims = claims_for(server.base());
    claims["scope"] = json!("read");
    let denied = call(&client, "/read-write", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(
        denied.challenge,
        Some(format!(
            r#"Bearer realm="api", error="insufficient_scope", error_description="the token lacks the scope this resource needs", scope="read write", {DPOP_CHALLENGE}"#
        ))
    );
    assert_eq!(
        denied.body,
        json!({"error": "insufficient_scope", "error_description": "the token lacks the scope this resource needs"})
    );
    let no_token = call(&client, "/read", &[]).await;
    assert_eq!(
        (no_token.status, no_token.challenge),
        (401, Some(format!(r#"Bearer realm="api", scope="read", {DPOP_CHALLENGE}"#))),
        "a 401 names the scopes that the route needs"
    );
}

#[rocket::async_test]
async fn claim_policies_compare_strings_arrays_booleans_and_integers() {
    let (server, client) = setup().await;
    assert_eq!(status(&client, &server, "/role", |c| c["role"] = json!("admin")).await, 200);
    assert_eq!(status(&client, &server, "/role", |c| c["role"] = json!(["user", "admin"])).await, 200);
    assert_eq!(status(&client, &server, "/role", |c| c["role"] = json!("Admin")).await, 403);
    assert_eq!(status(&client, &server, "/role", |_| {}).await, 403);
    assert_eq!(status(&client, &server, "/role-one-of", |c| c["role"] = json!("owner")).await, 200);
    assert_eq!(status(&client, &server, "/role-one-of", |c| c["role"] = json!("user")).await, 403);
    let verified = |c: &mut Value| {
        c["email_verified"] = json!(true);
        c["level"] = json!(3);
    };
    assert_eq!(status(&client, &server, "/verified-level", verified).await, 200);
    assert_eq!(status(&client, &server, "/verified-level", |c| c["email_verified"] = json!("true")).await, 403);
    let json_names = |c: &mut Value| {
        c["https://example.com/tenant"] = json!("acme");
        c["offset"] = json!(-2);
    };
    assert_eq!(status(&client, &server, "/json-names", json_names).await, 200);

    let mut claims = claims_for(server.base());
    claims["role"] = json!("user");
    let denied = call(&client, "/role", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(denied.body["error_description"], "the token's `role` claim does not permit this");
    assert_eq!(
        denied.challenge,
        Some(format!(
            r#"Bearer realm="api", error="insufficient_scope", error_description="the token's `role` claim does not permit this", {DPOP_CHALLENGE}"#
        ))
    );
    assert!(!denied.body.to_string().contains("admin"), "the expected value is not revealed");
}

#[rocket::async_test]
async fn issuer_checks_and_nested_policies() {
    let (server, client) = setup().await;
    assert_eq!(status(&client, &server, "/issuer", |_| {}).await, 200);
    assert_eq!(status(&client, &server, "/check", |_| {}).await, 200);
    assert_eq!(status(&client, &server, "/check", |c| c["tenant"] = json!("globex")).await, 403);
    assert_eq!(status(&client, &server, "/async-check", |_| {}).await, 200);
    let mut claims = claims_for(server.base());
    claims["sub"] = json!("mallory");
    let denied = call(&client, "/async-check", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(denied.body["error_description"], "the token does not pass the `tenant_allowed` check");

    assert_eq!(status(&client, &server, "/alternatives", |c| c["tenant"] = json!("globex")).await, 200);
    assert_eq!(status(&client, &server, "/alternatives", |_| {}).await, 200, "acme");
    assert_eq!(status(&client, &server, "/alternatives", |c| c["tenant"] = json!("initech")).await, 403);
    assert_eq!(status(&client, &server, "/nested", |_| {}).await, 200, "read and tenant acme");
    assert_eq!(status(&client, &server, "/nested", |c| c["tenant"] = json!("globex")).await, 403);
    let admin_elsewhere = |c: &mut Value| {
        c["tenant"] = json!("globex");
        c["scope"] = json!("admin");
    };
    assert_eq!(status(&client, &server, "/nested", admin_elsewhere).await, 200);
}

#[rocket::async_test]
async fn typed_claims_are_checked_through_the_struct() {
    let (server, client) = setup().await;
    assert_eq!(status(&client, &server, "/typed-declared", |c| c["role"] = json!("admin")).await, 200);
    assert_eq!(status(&client, &server, "/typed-declared", |c| c["role"] = json!("user")).await, 403);
    let typed = |c: &mut Value| {
        c["https://example.com/roles"] = json!(["viewer", "editor"]);
        c["email_verified"] = json!(true);
        c["level"] = json!(4);
        c["plan"] = json!("gold");
        c["tier"] = json!("pro");
    };
    let mut claims = claims_for(server.base());
    typed(&mut claims);
    let ok = call(&client, "/typed-param", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!((ok.status, ok.body.clone()), (200, json!(r#"alice ["viewer", "editor"]"#)));
    for (claim, value) in [
        ("https://example.com/roles", json!(["viewer"])),
        ("level", json!(5)),
        ("plan", json!(null)),
        ("tier", json!("free")),
    ] {
        let mut claims = claims_for(server.base());
        typed(&mut claims);
        claims[claim] = value;
        let denied = call(&client, "/typed-param", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
        assert_eq!(denied.status, 403, "{claim}");
    }
    let staff = |c: &mut Value| c["https://example.com/groups"] = json!(["staff"]);
    assert_eq!(status(&client, &server, "/typed-deserialize-name", staff).await, 200, "renamed for reading only");
    assert_eq!(status(&client, &server, "/typed-deserialize-name", |c| c["groups"] = json!(["staff"])).await, 403);
    let editor = |c: &mut Value| c["https://example.com/roles"] = json!(["editor"]);
    assert_eq!(status(&client, &server, "/typed-optional", editor).await, 200, "the field, through Option<Claims<T>>");
    assert_eq!(status(&client, &server, "/typed-optional", |c| c["roles"] = json!(["editor"])).await, 403);
    let auditor = |c: &mut Value| c["https://example.com/roles"] = json!(["viewer", "auditor"]);
    assert_eq!(status(&client, &server, "/typed-json-name", auditor).await, 200);
    assert_eq!(
        status(&client, &server, "/typed-json-name", |c| c["https://example.com/roles"] = json!(["viewer"])).await,
        403
    );

    let mut mistyped = claims_for(server.base());
    typed(&mut mistyped);
    mistyped["level"] = json!("four");
    let response = call(&client, "/typed-param", &[&bearer(&mint(TestKey::RsaA, &mistyped))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.body["error_description"],
        "the token's claims do not fit: the claim `level` has the wrong type or value"
    );
}

#[rocket::async_test]
async fn a_denied_request_never_reaches_body_parsing() {
    let (server, client) = setup().await;
    let token = mint(TestKey::RsaA, &claims_for(server.base()));
    let post = |body: &'static str, token: &str| {
        client
            .post("/items")
            .header(rocket::http::ContentType::JSON)
            .header(rocket::http::Header::new("Authorization", bearer(token)))
            .body(body)
            .dispatch()
    };
    let created = post(r#"{"name": "x"}"#, &token).await;
    assert_eq!(created.status().code, 200);
    assert_eq!(created.into_string().await.unwrap(), r#"alice created {"name":"x"}"#);
    let mut read_only = claims_for(server.base());
    read_only["scope"] = json!("read");
    let denied = post("this is not JSON", &mint(TestKey::RsaA, &read_only)).await;
    assert_eq!(denied.status().code, 403, "the policy answers before the JSON body is parsed");
}

#[rocket::async_test]
async fn a_group_policy_covers_every_route_and_adds_to_their_own() {
    let (server, client) = setup().await;
    assert_eq!(status(&client, &server, "/group/plain", |c| c["scope"] = json!("admin")).await, 200);
    assert_eq!(status(&client, &server, "/group/plain", |_| {}).await, 403);
    let group_denied =
        call(&client, "/group/plain", &[&bearer(&mint(TestKey::RsaA, &claims_for(server.base())))]).await;
    assert!(group_denied.challenge.unwrap().ends_with(&format!(r#"scope="admin", {DPOP_CHALLENGE}"#)));
    assert_eq!(call(&client, "/group/plain", &[]).await.status, 401);
    let admin = |c: &mut Value| {
        c["scope"] = json!("admin");
        c["role"] = json!("admin");
    };
    assert_eq!(status(&client, &server, "/group/also-protected", admin).await, 200);
    assert_eq!(status(&client, &server, "/group/also-protected", |c| c["scope"] = json!("admin")).await, 403);
    assert_eq!(status(&client, &server, "/group/also-protected", |c| c["role"] = json!("admin")).await, 403);
}

/// The app's scope vocabulary.
#[derive(jwt_guard::Scopes)]
enum Scope {
    #[scope("read:reports")]
    ReadReports,
    #[scope("admin")]
    Admin,
}

#[protected(any_scope(Scope::Admin, Scope::ReadReports), vocabulary = Scope, scope = "read:reports")]
#[get("/declared")]
fn declared() -> &'static str {
    "ok"
}

#[rocket::async_test]
async fn declared_scopes_are_enforced_like_strings() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let rocket = guarded(&server).mount("/", routes![declared]);
    let client = Client::tracked(rocket).await.unwrap();
    assert_eq!(status(&client, &server, "/declared", |c| c["scope"] = json!("read:reports")).await, 200);
    let mut claims = claims_for(server.base());
    claims["scope"] = json!("admin");
    let denied = call(&client, "/declared", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(denied.status, 403);
    assert!(denied.challenge.unwrap().ends_with(&format!(r#"scope="read:reports", {DPOP_CHALLENGE}"#)));
}

#[get("/group/unknown-issuer")]
fn group_unknown_issuer() -> &'static str {
    "never"
}

#[rocket::async_test]
async fn a_group_policy_naming_an_unknown_issuer_stops_ignite() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let rocket = guarded(&server).mount("/", protect(policy!(issuer = "nowhere"), routes![group_unknown_issuer]));
    let error = Client::tracked(rocket).await.expect_err("the fairing stops ignite");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed[0].name == "jwt-guard"));
}

#[protected(issuer = "not-configured")]
#[get("/nowhere")]
fn nowhere() -> &'static str {
    "never"
}

#[rocket::async_test]
async fn launch_stops_for_an_unknown_issuer_or_a_missing_fairing() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let unknown_issuer = guarded(&server).mount("/", routes![nowhere]);
    let error = Client::tracked(unknown_issuer).await.expect_err("the sentinel stops launch");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(aborts) if aborts.len() == 1));

    let without_fairing = rocket::custom(quiet_figment()).mount("/", routes![read]);
    let error = Client::tracked(without_fairing).await.expect_err("the sentinel stops launch");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::SentinelAborts(_)));
}

#[rocket::async_test]
async fn look_alikes_of_a_granted_scope_or_claim_are_refused() {
    let (server, client) = setup().await;
    let scopes = [json!(["read write"]), json!("readonly"), json!("read:all"), json!("reader"), json!([])];
    for scope in scopes {
        assert_eq!(status(&client, &server, "/read", |c| c["scope"] = scope.clone()).await, 403, "scope {scope}");
    }
    for mistyped in [json!(7), json!(null), json!({ "read": true })] {
        assert_eq!(status(&client, &server, "/read", |c| c["scope"] = mistyped.clone()).await, 401, "scope {mistyped}");
    }
    let roles = [json!(null), json!([]), json!([["admin"]]), json!({ "admin": true }), json!("admin user"), json!("")];
    for role in roles {
        assert_eq!(status(&client, &server, "/role", |c| c["role"] = role.clone()).await, 403, "role {role}");
    }
    for level in [json!("3"), json!(3.5), json!([[3]])] {
        let edit = |c: &mut Value| {
            c["email_verified"] = json!(true);
            c["level"] = level.clone();
        };
        assert_eq!(status(&client, &server, "/verified-level", edit).await, 403, "level {level}");
    }
}

#[rocket::async_test]
async fn a_head_request_meets_the_policy_of_its_get_route() {
    let (server, client) = setup().await;
    let head = |path: &'static str, scope: &'static str| {
        let client = &client;
        let mut claims = claims_for(server.base());
        claims["scope"] = json!(scope);
        let token = bearer(&mint(TestKey::RsaA, &claims));
        async move {
            let request = client.head(path).header(rocket::http::Header::new("Authorization", token));
            request.dispatch().await.status().code
        }
    };
    assert_eq!(client.head("/read").dispatch().await.status().code, 401, "no token");
    assert_eq!(head("/read", "write").await, 403);
    assert_eq!(head("/read", "read").await, 200);
    assert_eq!(client.head("/group/plain").dispatch().await.status().code, 401, "a group's route, no token");
    assert_eq!(head("/group/plain", "read").await, 403);
    assert_eq!(head("/group/plain", "admin").await, 200);
}
