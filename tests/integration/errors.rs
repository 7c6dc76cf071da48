//! RFC 6750 responses: status, `WWW-Authenticate` and JSON body for every
//! kind of refusal, with jwt-guard's catchers and with the app's own.

use std::collections::HashMap;
use std::time::Duration;

use jwt_guard::{AuthError, Claims};
use jwt_guard_tests::{DPOP_CHALLENGE, KeyServer, TestKey, app, call, claims_for, issuer_table, mint, quiet_figment};
use rocket::local::asynchronous::Client;
use serde::Deserialize;
use serde_json::json;

use crate::{bearer, setup, test_issuer_client};

#[rocket::async_test]
async fn a_valid_token_reaches_the_handler() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let claims = claims_for(server.base());
    let token = mint(TestKey::RsaA, &claims);
    let response = call(&client, "/token", &[&bearer(&token)]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.challenge, None);
    assert_eq!(
        response.body,
        json!({
            "issuer": "primary", "sub": "alice", "scopes": ["read", "write"], "kid": "kid-rsa-a", "alg": "RS256",
            "expires_at": claims["exp"],
        })
    );
}

#[rocket::async_test]
async fn no_token_is_a_401_with_a_bare_challenge() {
    let (_server, client) = setup(&[TestKey::RsaA]).await;
    for authorization in [&[][..], &["Basic dXNlcjpwYXNz"][..]] {
        let response = call(&client, "/token", authorization).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.challenge, Some(format!(r#"Bearer realm="api", {DPOP_CHALLENGE}"#)));
        assert_eq!(response.body["error"], "missing_token");
    }
}

#[rocket::async_test]
async fn malformed_requests_are_400_invalid_request() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let token = mint(TestKey::RsaA, &claims_for(server.base()));
    let cases: [(&[&str], &str); 4] = [
        (&["Bearer"], "the `Authorization` header must be `Bearer <token>` with a single token"),
        (&["Bearer a.b.c d.e.f"], "the `Authorization` header must be `Bearer <token>` with a single token"),
        (&["Bearer a.b.c,d.e.f"], "the `Authorization` header must be `Bearer <token>` with a single token"),
        (&[&bearer(&token), &bearer(&token)], "the request has more than one `Authorization` header"),
    ];
    for (authorization, description) in cases {
        let response = call(&client, "/token", authorization).await;
        assert_eq!(response.status, 400, "{authorization:?}");
        assert_eq!(
            response.challenge.unwrap(),
            format!(
                r#"Bearer realm="api", error="invalid_request", error_description="{description}", {DPOP_CHALLENGE}"#
            )
        );
        assert_eq!(response.body, json!({"error": "invalid_request", "error_description": description}));
    }
    let in_uri = call(&client, &format!("/token?access_token={token}"), &[&bearer(&token)]).await;
    assert_eq!(in_uri.status, 400);
    assert_eq!(in_uri.body["error_description"], "send the token in the `Authorization` header only, not in the URI");
}

#[rocket::async_test]
async fn invalid_tokens_are_401_invalid_token_without_echoing_the_token() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let mut expired = claims_for(server.base());
    expired["exp"] = json!(jwt_guard_tests::now() - 3600);
    let mut foreign = claims_for("https://elsewhere.example.com/");
    foreign["aud"] = json!("https://api.test");
    let mut other_audience = claims_for(server.base());
    other_audience["aud"] = json!("https://other-api.test");
    let good = mint(TestKey::RsaA, &claims_for(server.base()));
    let (signing_input, _) = good.rsplit_once('.').unwrap();
    let mut header_of_a = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header_of_a.kid = Some(TestKey::RsaA.kid());
    let signed_by_b_as_a = jwt_guard_tests::mint_with_header(TestKey::RsaB, &header_of_a, &claims_for(server.base()));
    let cases = [
        (mint(TestKey::RsaA, &expired), "the token has expired"),
        (mint(TestKey::RsaA, &foreign), "the token's issuer is not trusted"),
        (mint(TestKey::RsaA, &other_audience), "the token is not meant for this audience"),
        (format!("{signing_input}.{}", &good[good.len() - 20..]), "the token's signature is invalid"),
        (signed_by_b_as_a, "the token's signature is invalid"),
        (format!("+{}", &good[1..]), "the token is malformed: a part is not unpadded base64url"),
        ("abc.def".into(), "the token is malformed: a JWS has three dot-separated parts"),
        ("a.b.c.d.e".into(), "encrypted tokens (JWE) are not accepted"),
    ];
    for (token, description) in cases {
        let response = call(&client, "/token", &[&bearer(&token)]).await;
        assert_eq!(response.status, 401, "{description}");
        assert_eq!(
            response.challenge.unwrap(),
            format!(
                r#"Bearer realm="api", error="invalid_token", error_description="{description}", {DPOP_CHALLENGE}"#
            )
        );
        assert_eq!(response.body, json!({"error": "invalid_token", "error_description": description}));
        assert!(!response.body.to_string().contains(&token));
    }
}

#[rocket::async_test]
async fn claims_that_do_not_fit_the_type_name_the_claim() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let good = call(&client, "/claims", &[&bearer(&mint(TestKey::RsaA, &claims_for(server.base())))]).await;
    assert_eq!(good.status, 200);
    assert_eq!(good.body, json!({"sub": "alice", "tenant": "acme"}));

    let mut without_tenant = claims_for(server.base());
    without_tenant.as_object_mut().unwrap().remove("tenant");
    let response = call(&client, "/claims", &[&bearer(&mint(TestKey::RsaA, &without_tenant))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body["error_description"], "the token's claims do not fit: the claim `tenant` is missing");
    assert!(response.challenge.unwrap().contains(r#"error="invalid_token""#));

    let mut mistyped = claims_for(server.base());
    mistyped["tenant"] = json!(42);
    let response = call(&client, "/claims", &[&bearer(&mint(TestKey::RsaA, &mistyped))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.body["error_description"],
        "the token's claims do not fit: the claim `tenant` has the wrong type or value"
    );
}

/// Claims with a map whose member names the token's holder chooses.
#[derive(Deserialize)]
struct Attributes {
    attrs: HashMap<String, u32>,
}

#[rocket::get("/attrs")]
fn attributes(claims: Claims<Attributes>) -> String {
    claims.attrs.len().to_string()
}

#[rocket::async_test]
async fn nothing_from_the_token_reaches_a_header_or_body() {
    let (issuer, client) = test_issuer_client(rocket::routes![attributes]).await;
    let injected = r#"x", error="injected", realm="evil"#;
    let token = issuer.token().claim("attrs", json!({ injected: "not a number" })).sign();
    let response = call(&client, "/attrs", &[&bearer(&token)]).await;
    assert_eq!(response.status, 401);
    assert_eq!(
        response.challenge,
        Some(format!(
            r#"Bearer realm="api", error="invalid_token", error_description="the token's claims do not fit: the claim `attrs` has the wrong type or value", {DPOP_CHALLENGE}"#
        ))
    );
    assert_eq!(
        response.body,
        json!({
            "error": "invalid_token",
            "error_description": "the token's claims do not fit: the claim `attrs` has the wrong type or value",
        })
    );
    let fine = issuer.token().claim("attrs", json!({ injected: 7 })).sign();
    assert_eq!(call(&client, "/attrs", &[&bearer(&fine)]).await.body, json!(1));
}

/// Claims with a department.
#[derive(Deserialize)]
struct Department {
    department: String,
}

/// Claims with a badge number.
#[derive(Deserialize)]
struct Badge {
    badge: u32,
}

/// A department, if the token names one, and a badge, which it must.
#[rocket::get("/badge")]
fn badge(department: Option<Claims<Department>>, badge: Claims<Badge>) -> String {
    let department = department.map_or_else(|| "none".to_owned(), |claims| claims.into_inner().department);
    format!("badge {}, department {department}", badge.badge)
}

#[rocket::async_test]
async fn the_refusal_told_is_the_guards_that_failed_the_request_not_an_optional_ones_before() {
    let (issuer, client) = test_issuer_client(rocket::routes![badge]).await;
    let neither = issuer.token().sign();
    let response = call(&client, "/badge", &[&bearer(&neither)]).await;
    assert_eq!(response.status, 401);
    let description = "the token's claims do not fit: the claim `badge` is missing";
    assert_eq!(response.body, json!({ "error": "invalid_token", "error_description": description }));
    assert!(response.challenge.unwrap().contains(description));
    let badge_only = issuer.token().claim("badge", json!(7)).sign();
    let answer = call(&client, "/badge", &[&bearer(&badge_only)]).await.body;
    assert_eq!(answer, json!("badge 7, department none"), "the optional claims' refusal, swallowed");
}

/// Anonymous requests welcome, bad tokens refused, and one subject
/// turned away by the handler itself.
#[rocket::get("/greeting")]
fn greeting(token: Result<jwt_guard::Token, AuthError>) -> Result<String, AuthError> {
    match token {
        Ok(token) if token.subject() == Some("mallory") => {
            Err(AuthError::Forbidden(jwt_guard::error::Denial::Check("not_banned")))
        }
        Ok(token) if token.subject() == Some("busy") => Err(AuthError::StoreUnavailable),
        Ok(token) => Ok(format!("hello, {}", token.subject().unwrap_or("you"))),
        Err(AuthError::MissingToken) => Ok("hello, stranger".into()),
        Err(refusal) => Err(refusal),
    }
}

#[rocket::async_test]
async fn a_handler_answers_with_a_refusal_as_a_guard_does() {
    let (issuer, client) = test_issuer_client(rocket::routes![greeting]).await;
    let anonymous = call(&client, "/greeting", &[]).await;
    assert_eq!((anonymous.status, anonymous.challenge, anonymous.body), (200, None, json!("hello, stranger")));
    let alice = call(&client, "/greeting", &[&bearer(&issuer.token().subject("alice").sign())]).await;
    assert_eq!((alice.status, alice.body), (200, json!("hello, alice")));

    let expired = issuer.token().expired().sign();
    let refused = call(&client, "/greeting", &[&bearer(&expired)]).await;
    let description = "the token has expired";
    assert_eq!(
        (refused.status, refused.body),
        (401, json!({ "error": "invalid_token", "error_description": description }))
    );
    let expected = format!(r#"Bearer realm="api", error="invalid_token", error_description="{description}", "#);
    assert!(refused.challenge.unwrap().starts_with(&expected), "the guard's refusal, with its challenge");

    let banned = call(&client, "/greeting", &[&bearer(&issuer.token().subject("mallory").sign())]).await;
    let description = "the token does not pass the `not_banned` check";
    assert_eq!(
        (banned.status, banned.body),
        (403, json!({ "error": "insufficient_scope", "error_description": description }))
    );
    assert!(banned.challenge.unwrap().contains(description), "the handler's own refusal, told as it is");
    let busy = call(&client, "/greeting", &[&bearer(&issuer.token().subject("busy").sign())]).await;
    assert_eq!(
        (busy.status, busy.retry_after.as_deref(), busy.body["error"].clone()),
        (503, Some("1"), json!("temporarily_unavailable"))
    );
}

#[rocket::async_test]
async fn guards_of_one_request_share_one_verification() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    // The shortest cooldown, past by the time of the call: the token's
    // verification fetches keys.
    let config = json!({ "refetch_cooldown": 0.1, "issuers": { "primary": issuer_table(&server) } });
    let client = Client::tracked(app(config)).await.expect("the app ignites");
    rocket::tokio::time::sleep(Duration::from_millis(150)).await;
    let mut unknown_kid = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    unknown_kid.kid = Some("kid-nobody-knows".into());
    let token = jwt_guard_tests::mint_with_header(TestKey::RsaA, &unknown_kid, &claims_for(server.base()));
    let hits_before_call = server.jwks_hits();
    let response = call(&client, "/optional", &[&bearer(&token)]).await;
    assert_eq!(response.body, json!("token: false, claims: false"));
    assert_eq!(server.jwks_hits() - hits_before_call, 1, "two guards, one verification");
}

#[rocket::catch(401)]
fn plain_text_401(request: &rocket::Request<'_>) -> String {
    match AuthError::of(request) {
        Some(error) => format!("denied ({}): {error}", error.code()),
        None => "denied".into(),
    }
}

#[rocket::async_test]
async fn an_apps_own_catcher_reads_the_error_and_keeps_the_challenge() {
    let server = jwt_guard_tests::KeyServer::start(&[TestKey::RsaA]).await;
    let rocket =
        rocket::custom(jwt_guard_tests::quiet_figment().merge(("jwt_guard", jwt_guard_tests::single_issuer(&server))))
            .attach(jwt_guard::JwtGuard::fairing())
            .register("/", rocket::catchers![plain_text_401])
            .mount("/", rocket::routes![needs_token]);
    let client = Client::tracked(rocket).await.unwrap();
    let mut expired = claims_for(server.base());
    expired["exp"] = json!(jwt_guard_tests::now() - 3600);
    let response = call(&client, "/", &[&bearer(&mint(TestKey::RsaA, &expired))]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.body, json!("denied (invalid_token): the token has expired"));
    assert_eq!(
        response.challenge,
        Some(format!(
            r#"Bearer realm="api", error="invalid_token", error_description="the token has expired", {DPOP_CHALLENGE}"#
        ))
    );
}

#[rocket::get("/")]
fn needs_token(token: jwt_guard::Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

#[rocket::get("/reports")]
fn group_reports() -> &'static str {
    "reports"
}

/// An app's own 500 catcher, which jwt-guard's catchers leave to it.
#[rocket::catch(500)]
fn server_error(request: &rocket::Request<'_>) -> String {
    AuthError::of(request)
        .map_or_else(|| "no error of jwt-guard's".into(), |error| format!("{}: {error}", error.code()))
}

/// A group has no Sentinel to stop the launch: without the fairing, its
/// routes fail closed, and the app's catcher can tell why.
#[rocket::async_test]
async fn a_group_without_the_fairing_answers_500_server_error() {
    let routes = jwt_guard::protect(jwt_guard::policy!(scope = "read"), rocket::routes![group_reports]);
    let rocket = rocket::custom(quiet_figment())
        .register("/", jwt_guard::catchers())
        .register("/", rocket::catchers![server_error])
        .mount("/", routes);
    let client = Client::tracked(rocket).await.expect("a group does not stop the launch");
    let response = client.get("/reports").dispatch().await;
    assert_eq!(response.status().code, 500);
    assert_eq!(
        response.into_string().await.as_deref(),
        Some("server_error: authentication is not configured on this server")
    );
}

/// An app that takes tokens under another scheme than `Bearer`
/// (`header_prefix`, as Flask-JWT's `JWT`) challenges with that scheme.
#[rocket::async_test]
async fn the_challenge_names_the_scheme_the_app_takes_tokens_with() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({ "header_prefix": "JWT", "issuers": { "primary": issuer_table(&server) } });
    let client = Client::tracked(app(config)).await.expect("the app ignites");
    let token = mint(TestKey::RsaA, &claims_for(server.base()));
    let refused = call(&client, "/token", &[&bearer(&token)]).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let challenge = refused.challenge.unwrap();
    assert!(challenge.starts_with(r#"JWT realm="api", DPoP realm="api""#), "{challenge}");
    assert_eq!(call(&client, "/token", &[&format!("JWT {token}")]).await.status, 200);
}
