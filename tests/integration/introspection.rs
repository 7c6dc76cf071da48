//! Opaque tokens and introspection (RFC 7662): panva's oidc-provider
//! issues opaque tokens and answers introspection, plain and signed (RFC
//! 9701); the key server answers as told, for JWTs introspected with
//! `introspect = "always"`. Tokens are accepted and policies enforced as
//! for JWTs, a token revoked at the provider is refused once the cache
//! forgets it, concurrent requests share one introspection, an
//! unreachable endpoint is a 503 until it answers again, and the API
//! proves itself with a secret or with a private key (`private_key_jwt`).

use std::time::Duration;

use jsonwebtoken::Header;
use jwt_guard::issuer::{Grant, StaticUsers};
use jwt_guard::{JwtGuard, Token, protected};
use jwt_guard_tests::{
    INTROSPECTION_CLIENT, KeyServer, OidcProvider, TestKey, call, claims_for, free_port, mint, mint_with_header, now,
    poll_until, quiet_figment,
};
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use rocket::{get, routes};
use serde_json::{Value, json};

use crate::bearer;

/// The resource whose tokens oidc-provider makes opaque.
const OPAQUE_RESOURCE: &str = "https://opaque.test";

#[protected(scope = "read")]
#[get("/reports")]
fn reports(token: Token) -> Value {
    json!({ "opaque": token.is_opaque(), "client_id": token.claim("client_id"), "tenant": token.claim("tenant") })
}

#[protected(scope = "read")]
#[get("/expiry")]
fn expiry(token: Token) -> Value {
    json!(token.expires_at().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_secs()))
}

#[protected(scope = "write")]
#[get("/edit")]
fn edit() -> &'static str {
    "editing"
}

/// A client of an app that introspects the provider's tokens, with these
/// settings of the issuer and of the app merged in.
async fn app(issuer: Value, settings: Value) -> Client {
    let mut config = json!({ "issuers": { "provider": issuer } });
    if let (Value::Object(config), Value::Object(settings)) = (&mut config, settings) {
        config.extend(settings);
    }
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports, edit, expiry]);
    Client::tracked(rocket).await.expect("the app ignites")
}

/// The provider's issuer table, introspecting with the API's client.
fn provider_issuer(provider: &OidcProvider, extra: Value) -> Value {
    let mut issuer = json!({
        "issuer": provider.issuer(),
        "audience": OPAQUE_RESOURCE,
        "client_id": "rs-client",
        "client_secret": "rs-secret",
    });
    if let (Value::Object(issuer), Value::Object(extra)) = (&mut issuer, extra) {
        issuer.extend(extra);
    }
    issuer
}

#[rocket::async_test]
async fn opaque_tokens_are_introspected_and_policies_apply_to_them() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let client = app(provider_issuer(&provider, json!({})), json!({})).await;
    let token = provider.token("read", OPAQUE_RESOURCE).await;
    assert!(!token.contains('.'), "an opaque token");
    let served = call(&client, "/reports", &[&bearer(&token)]).await;
    assert_eq!(
        (served.status, served.body),
        (200, json!({ "opaque": true, "client_id": "reports-client", "tenant": "acme" })),
        "the introspected claims, as a token"
    );
    let denied = call(&client, "/edit", &[&bearer(&token)]).await;
    assert_eq!((denied.status, denied.body["error"].clone()), (403, json!("insufficient_scope")));
    let unknown = call(&client, "/reports", &[&bearer("made-up-opaque-token")]).await;
    assert_eq!((unknown.status, unknown.body["error_description"].clone()), (401, json!("the token is not active")));
    assert_eq!(provider.hits().await.introspection, 2, "one question per token: the answers are kept");

    let signed = app(provider_issuer(&provider, json!({ "signed_introspection": true })), json!({})).await;
    let served = call(&signed, "/reports", &[&bearer(&token)]).await;
    assert_eq!(served.status, 200, "an RFC 9701 signed answer, verified with the provider's keys: {}", served.body);
}

#[rocket::async_test]
async fn the_api_may_prove_itself_with_a_private_key_instead_of_a_secret() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let with_key = |key: TestKey, audience: Option<String>| {
        json!({
            "issuer": provider.issuer(),
            "audience": OPAQUE_RESOURCE,
            "client_id": "rs-key-client",
            "client_key_file": key.pem_path(),
            "client_assertion_audience": audience,
        })
    };
    let token = bearer(&provider.token("read", OPAQUE_RESOURCE).await);
    let client = app(with_key(OidcProvider::CLIENT_KEY, None), json!({})).await;
    let served = call(&client, "/reports", &[&token]).await;
    assert_eq!(served.status, 200, "the provider knew the client by its signed assertion: {}", served.body);
    let endpoint = Some(format!("{}/token/introspection", provider.issuer()));
    let for_the_endpoint = app(with_key(OidcProvider::CLIENT_KEY, endpoint), json!({})).await;
    assert_eq!(call(&for_the_endpoint, "/reports", &[&token]).await.status, 200, "an assertion for the endpoint");
    for (case, key, audience) in [
        ("a key it does not know", TestKey::RsaOther, None),
        ("an assertion for another audience", OidcProvider::CLIENT_KEY, Some("https://elsewhere.test".to_owned())),
    ] {
        let refused = call(&app(with_key(key, audience), json!({})).await, "/reports", &[&token]).await;
        assert_eq!(
            (refused.status, refused.body["error"].clone()),
            (503, json!("temporarily_unavailable")),
            "the provider refuses {case}"
        );
    }
    assert_eq!(provider.hits().await.introspection, 4);
}

#[rocket::async_test]
async fn a_token_revoked_at_the_provider_is_refused_once_the_cache_forgets_it() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let client = app(provider_issuer(&provider, json!({})), json!({ "introspection_cache_ttl": 2 })).await;
    let token = provider.token("read", OPAQUE_RESOURCE).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&token)]).await.status, 200);
    provider.revoke(&token).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&token)]).await.status, 200, "the kept answer, for now");
    let refused = poll_until(Duration::from_secs(10), || async {
        let answer = call(&client, "/reports", &[&bearer(&token)]).await;
        (answer.status != 200).then_some(answer)
    });
    let refused = refused.await.expect("refused once the kept answer is forgotten");
    assert_eq!((refused.status, refused.body["error_description"].clone()), (401, json!("the token is not active")));
}

/// oidc-provider's client-credentials tokens live 10 minutes (`exp - iat`,
/// as its introspection answers say): an issuer's `max_lifetime` holds them
/// to it as it holds its JWTs.
#[rocket::async_test]
async fn an_issuers_max_lifetime_bounds_its_opaque_tokens_too() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let token = bearer(&provider.token("read", OPAQUE_RESOURCE).await);
    let bounded = |seconds: u64| app(provider_issuer(&provider, json!({ "max_lifetime": seconds })), json!({}));
    let refused = call(&bounded(300).await, "/reports", &[&token]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's lifetime is longer than this API accepts"))
    );
    assert_eq!(call(&bounded(900).await, "/reports", &[&token]).await.status, 200);

    // An answer without `iat` (RFC 7662 makes it optional) states no
    // lifetime to hold it to.
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let now = u64::try_from(jwt_guard_tests::now()).expect("after 1970");
    let answer = json!({ "active": true, "aud": jwt_guard_tests::AUDIENCE, "scope": "read", "exp": now + 3600 });
    let mut an_hour_long = answer.clone();
    an_hour_long["iat"] = json!(now);
    server.set_introspection("without-iat", answer);
    server.set_introspection("an-hour-long", an_hour_long);
    let client = app(key_server_issuer(&server, json!({ "max_lifetime": 300 })), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer("without-iat")]).await.status, 200);
    assert_eq!(call(&client, "/reports", &[&bearer("an-hour-long")]).await.status, 401);
}

#[rocket::async_test]
async fn a_thousand_concurrent_requests_with_a_new_token_make_one_introspection() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let client = app(provider_issuer(&provider, json!({})), json!({})).await;
    let token = bearer(&provider.token("read", OPAQUE_RESOURCE).await);
    let authorization = [token.as_str()];
    let requests = (0..1000).map(|_| call(&client, "/reports", &authorization));
    let statuses: Vec<u16> = futures_util::future::join_all(requests).await.into_iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|status| *status == 200), "{:?}", statuses.iter().find(|status| **status != 200));
    assert_eq!(provider.hits().await.introspection, 1);
}

#[rocket::async_test]
async fn an_unreachable_endpoint_is_a_503_until_it_answers_again() {
    let port = free_port();
    let provider = OidcProvider::start(port, &[TestKey::RsaA], "RS256").await;
    let client = app(provider_issuer(&provider, json!({})), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&provider.token("read", OPAQUE_RESOURCE).await)]).await.status, 200);
    provider.stop();
    let down = call(&client, "/reports", &[&bearer("a-new-opaque-token")]).await;
    assert_eq!((down.status, down.body["error"].clone()), (503, json!("temporarily_unavailable")));
    assert_eq!(down.retry_after.as_deref(), Some("1"), "the first wait of the backoff");
    let restarted = OidcProvider::start(port, &[TestKey::RsaA], "RS256").await;
    let token = bearer(&restarted.token("read", OPAQUE_RESOURCE).await);
    let mut status = 0;
    for _ in 0..40 {
        status = call(&client, "/reports", &[&token]).await.status;
        if status == 200 {
            break;
        }
        sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "served again once the back-off allows a new question");
}

/// The key server's issuer table, introspecting at its endpoint, with
/// `extra` settings.
fn key_server_issuer(server: &KeyServer, extra: Value) -> Value {
    let (client_id, client_secret) = INTROSPECTION_CLIENT;
    let mut issuer = json!({
        "issuer": server.base(),
        "audience": jwt_guard_tests::AUDIENCE,
        "jwks_uri": server.jwks_uri(),
        "introspection_endpoint": server.introspection_endpoint(),
        "client_id": client_id,
        "client_secret": client_secret,
    });
    if let (Value::Object(issuer), Value::Object(extra)) = (&mut issuer, extra) {
        issuer.extend(extra);
    }
    issuer
}

#[rocket::async_test]
async fn answers_are_checked_and_dotted_opaque_tokens_asked_about() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    let of_type = |token_type: &str| {
        let mut answer = active.clone();
        answer["token_type"] = json!(token_type);
        answer
    };
    server.set_introspection("an-access-token", of_type("Bearer"));
    server.set_introspection("a-refresh-token", of_type("refresh_token"));
    // Ory Hydra says `token_use` and no `token_type` of a refresh token;
    // Keycloak says `typ`.
    let with = |member: &str, kind: &str| {
        let mut answer = active.clone();
        answer[member] = json!(kind);
        answer
    };
    server.set_introspection("ory_at_access", with("token_use", "access_token"));
    server.set_introspection("ory_rt_refresh", with("token_use", "refresh_token"));
    server.set_introspection("keycloak-access", with("typ", "Bearer"));
    server.set_introspection("keycloak-refresh", with("typ", "Refresh"));
    server.set_introspection("keycloak-id", with("typ", "ID"));
    // Ory Hydra's opaque tokens have a dot: not a JWS for all that.
    server.set_introspection("ory_at_hXs2t6Xq.bX1oUq3Rw", of_type("bearer"));
    let client = app(key_server_issuer(&server, json!({})), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer("an-access-token")]).await.status, 200);
    assert_eq!(call(&client, "/reports", &[&bearer("ory_at_hXs2t6Xq.bX1oUq3Rw")]).await.status, 200);
    for accepted in ["ory_at_access", "keycloak-access"] {
        assert_eq!(call(&client, "/reports", &[&bearer(accepted)]).await.status, 200, "{accepted}");
    }
    for not_access in ["a-refresh-token", "ory_rt_refresh", "keycloak-refresh", "keycloak-id"] {
        let refused = call(&client, "/reports", &[&bearer(not_access)]).await;
        assert_eq!(
            (refused.status, refused.body["error_description"].clone()),
            (401, json!("the token is not an access token")),
            "{not_access}"
        );
    }
    let signed_only = app(key_server_issuer(&server, json!({ "signed_introspection": true })), json!({})).await;
    let refused = call(&signed_only, "/reports", &[&bearer("an-access-token")]).await;
    assert_eq!(
        (refused.status, refused.body["error"].clone(), refused.retry_after.as_deref()),
        (503, json!("temporarily_unavailable"), Some("1")),
        "a plain answer where a signed one was asked for says nothing of the token"
    );
}

/// The built-in issuer's refresh token, sent as an access token by
/// mistake, is refused as one, and never leaves the app: the one issuer
/// that introspects, with no prefix of its own, is not asked about it.
#[rocket::async_test]
async fn a_built_in_refresh_token_is_never_asked_about() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({
        "issuers": { "provider": key_server_issuer(&server, json!({})) },
        "local": { "refresh_expires_in": 3600 },
    });
    let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"]));
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(users))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports]);
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let (status, tokens) = crate::login(&client, "user1", "abcxyz").await;
    assert_eq!(status, 200, "{tokens}");
    let refused = call(&client, "/reports", &[&bearer(tokens["refresh_token"].as_str().unwrap())]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token is not an access token"))
    );
    assert_eq!(call(&client, "/reports", &[&bearer("an-opaque-token")]).await.status, 401, "inactive there");
    assert_eq!(server.introspection_hits(), 1, "asked about the opaque token only");
}

#[rocket::async_test]
async fn a_signed_answer_is_believed_only_from_the_issuer_to_this_api() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    let signed_with = |key: TestKey, typ: &str, iss: &str, aud: &str, times: Value, crit: bool| {
        let mut header = Header::new(key.alg());
        (header.kid, header.typ) = (Some(key.kid()), Some(typ.to_owned()));
        if crit {
            header.extras.insert("crit", json!(["exp"]));
        }
        let mut claims = json!({ "iss": iss, "aud": aud, "token_introspection": active });
        claims.as_object_mut().unwrap().extend(times.as_object().unwrap().clone());
        Value::String(mint_with_header(key, &header, &claims))
    };
    let signed =
        |key: TestKey, typ: &str, iss: &str, aud: &str| signed_with(key, typ, iss, aud, json!({ "iat": now() }), false);
    let (typ, t) = ("token-introspection+jwt", now());
    let made = |times: Value| signed_with(TestKey::RsaA, typ, server.base(), INTROSPECTION_CLIENT.0, times, false);
    let (issuer, client_id) = (server.base(), INTROSPECTION_CLIENT.0);
    let cases = [
        ("good", signed(TestKey::RsaA, "token-introspection+jwt", issuer, client_id), 200),
        ("media type", signed(TestKey::RsaA, "application/token-introspection+jwt", issuer, client_id), 200),
        ("typ JWT", signed(TestKey::RsaA, "JWT", issuer, client_id), 503),
        ("another iss", signed(TestKey::RsaA, "token-introspection+jwt", "https://evil.test", client_id), 503),
        ("another aud", signed(TestKey::RsaA, "token-introspection+jwt", issuer, "another-client"), 503),
        ("unknown key", signed(TestKey::RsaOther, "token-introspection+jwt", issuer, client_id), 503),
        ("not a JWS", json!("not.a.jws"), 503),
        // An answer about another token, replayed.
        ("an hour old", made(json!({ "iat": t - 3600 })), 503),
        ("a minute old", made(json!({ "iat": t - 60 })), 200),
        ("made later", made(json!({ "iat": t + 3600 })), 503),
        ("no iat", made(json!({})), 503),
        ("expired", made(json!({ "iat": t, "exp": t - 600 })), 503),
        ("not expired", made(json!({ "iat": t, "exp": t + 60 })), 200),
        ("exp not a number", made(json!({ "iat": t, "exp": "soon" })), 503),
        ("crit", signed_with(TestKey::RsaA, typ, issuer, client_id, json!({ "iat": t }), true), 503),
    ];
    let token = |case: &str| format!("opaque-{}", case.replace(' ', "-"));
    for (case, answer, _) in &cases {
        server.set_introspection(&token(case), answer.clone());
    }
    let client = app(key_server_issuer(&server, json!({ "signed_introspection": true })), json!({})).await;
    for (case, _, status) in cases {
        let seen = call(&client, "/reports", &[&bearer(&token(case))]).await;
        assert_eq!(seen.status, status, "{case}: {}", seen.body);
        if status == 503 {
            // It says nothing of the token, which is not thrown away.
            assert_eq!(
                (seen.body["error"].clone(), seen.retry_after.as_deref()),
                (json!("temporarily_unavailable"), Some("1")),
                "{case}"
            );
        }
    }
}

/// An answer not believed is remembered for a second: the requests that
/// bring the token meanwhile, however many at once, ask nothing and get a
/// 503; after it, the token is asked about again, and a provider put
/// right serves it.
#[rocket::async_test]
async fn an_answer_not_believed_is_remembered_a_second_then_asked_again() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let answer_made = |iat: u64| {
        let mut header = Header::new(TestKey::RsaA.alg());
        (header.kid, header.typ) = (Some(TestKey::RsaA.kid()), Some("token-introspection+jwt".to_owned()));
        let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
        let claims =
            json!({ "iss": server.base(), "aud": INTROSPECTION_CLIENT.0, "iat": iat, "token_introspection": active });
        Value::String(mint_with_header(TestKey::RsaA, &header, &claims))
    };
    let now = u64::try_from(now()).expect("after 1970");
    server.set_introspection("opaque-skewed", answer_made(now + 3600));
    let client = app(key_server_issuer(&server, json!({ "signed_introspection": true })), json!({})).await;
    let token = bearer("opaque-skewed");
    let authorization = [token.as_str()];
    let requests = (0..50).map(|_| call(&client, "/reports", &authorization));
    let answers = futures_util::future::join_all(requests).await;
    assert!(answers.iter().all(|answer| answer.status == 503), "{:?}", answers.iter().find(|a| a.status != 503));
    assert_eq!(server.introspection_hits(), 1, "one question for fifty requests");
    assert_eq!(call(&client, "/reports", &[&bearer("opaque-skewed")]).await.status, 503);
    assert_eq!(server.introspection_hits(), 1, "the answer is remembered");

    server.set_introspection("opaque-skewed", answer_made(now));
    sleep(Duration::from_millis(1100)).await;
    assert_eq!(call(&client, "/reports", &[&bearer("opaque-skewed")]).await.status, 200, "asked again");
    assert_eq!(server.introspection_hits(), 2);
}

#[rocket::async_test]
async fn a_signed_answer_by_a_key_replaced_under_its_kid_is_believed_after_one_refetch() {
    let server = KeyServer::start(&[]).await;
    server.set_keys(vec![TestKey::RsaA.jwk_with_kid("signing")]);
    let answer_by = |key: TestKey| {
        let mut header = Header::new(key.alg());
        (header.kid, header.typ) = (Some("signing".to_owned()), Some("token-introspection+jwt".to_owned()));
        let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
        let claims = json!({
            "iss": server.base(), "aud": INTROSPECTION_CLIENT.0, "iat": now(), "token_introspection": active,
        });
        Value::String(mint_with_header(key, &header, &claims))
    };
    server.set_introspection("opaque-before", answer_by(TestKey::RsaA));
    let settings = json!({ "refetch_cooldown": 0.3 });
    let client = app(key_server_issuer(&server, json!({ "signed_introspection": true })), settings).await;
    assert_eq!(call(&client, "/reports", &[&bearer("opaque-before")]).await.status, 200, "key A fetched");

    server.set_keys(vec![TestKey::RsaB.jwk_with_kid("signing")]);
    server.set_introspection("opaque-after", answer_by(TestKey::RsaB));
    sleep(Duration::from_millis(350)).await; // past the cooldown
    let before = server.jwks_hits();
    let seen = call(&client, "/reports", &[&bearer("opaque-after")]).await;
    assert_eq!(seen.status, 200, "no wait for the hourly refresh: {}", seen.body);
    assert_eq!(server.jwks_hits() - before, 1, "one refetch for the signature that failed with key A");
}

#[rocket::async_test]
async fn an_answer_without_exp_still_has_its_nbf_and_iat_checked_and_expires_with_the_cache() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let now = u64::try_from(jwt_guard_tests::now()).expect("after 1970");
    let answer = |times: Value| {
        let mut answer =
            json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
        answer.as_object_mut().unwrap().extend(times.as_object().unwrap().clone());
        answer
    };
    server.set_introspection("not-yet", answer(json!({ "nbf": now + 600 })));
    server.set_introspection("from-the-future", answer(json!({ "iat": now + 600 })));
    server.set_introspection("timeless", answer(json!({ "iat": now - 5 })));
    let client = app(key_server_issuer(&server, json!({})), json!({ "introspection_cache_ttl": 60 })).await;
    for (token, description) in
        [("not-yet", "the token is not valid yet"), ("from-the-future", "the token was issued in the future")]
    {
        let refused = call(&client, "/reports", &[&bearer(token)]).await;
        assert_eq!((refused.status, refused.body["error_description"].clone()), (401, json!(description)), "{token}");
    }
    let served = call(&client, "/expiry", &[&bearer("timeless")]).await;
    assert_eq!(served.status, 200);
    let expires_at = served.body.as_u64().expect("a time");
    assert!((now..=now + 62).contains(&expires_at), "expires with the cache, not in 1970 nor never: {expires_at}");
}

#[rocket::async_test]
async fn an_opaque_token_goes_to_the_one_issuer_that_claims_it() {
    let (a, b) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::RsaB]).await);
    let active = |server: &KeyServer, client: &str| json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read", "client_id": client });
    // A says every token is active, B's and nobody's too.
    for token in ["a_token", "b_token", "c_token"] {
        a.set_introspection(token, active(&a, "from-a"));
    }
    b.set_introspection("b_token", active(&b, "from-b"));
    let issuers = json!({
        "a": key_server_issuer(&a, json!({ "opaque_token_prefix": "a_" })),
        "b": key_server_issuer(&b, json!({ "opaque_token_prefix": "b_" })),
    });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard.issuers", issuers)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports]);
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let served = |token: &'static str| {
        let client = &client;
        async move {
            let seen = call(client, "/reports", &[&bearer(token)]).await;
            (seen.status, seen.body.get("client_id").cloned().unwrap_or(seen.body["error_description"].clone()))
        }
    };
    assert_eq!(served("a_token").await, (200, json!("from-a")));
    assert_eq!(served("b_token").await, (200, json!("from-b")), "B's word, though A is asked first");
    assert_eq!(served("c_token").await, (401, json!("the token's issuer is not trusted")), "sent to no issuer");
    a.stop().await;
    b.set_introspection("b_other", active(&b, "from-b"));
    assert_eq!(served("b_other").await, (200, json!("from-b")), "A down costs B's tokens nothing");
}

#[rocket::async_test]
async fn a_remembered_answer_yields_to_a_revocation_here() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let answer = json!({
        "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read", "jti": "opaque-1"
    });
    server.set_introspection("revocable", answer);
    let client = app(key_server_issuer(&server, json!({})), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer("revocable")]).await.status, 200, "asked, and remembered");
    let guard = client.rocket().state::<JwtGuard>().expect("the guard");
    let token = guard.verifier().verify("revocable").await.expect("still remembered");
    guard.revoke_token(&token).await.expect("revoked");
    let refused = call(&client, "/reports", &[&bearer("revocable")]).await;
    assert_eq!((refused.status, refused.body["error_description"].clone()), (401, json!("the token has been revoked")));

    // One without `jti` cannot be revoked alone, and the app is told so.
    let answer = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    server.set_introspection("without-jti", answer);
    let token = guard.verifier().verify("without-jti").await.expect("active");
    let error = guard.revoke_token(&token).await.expect_err("nothing to revoke it by");
    assert_eq!(
        (error.status_code(), error.code(), error.to_string()),
        (400, "unsupported_token_type", "the token has no `jti`: revoke its session or its subject".to_owned())
    );
}

#[rocket::async_test]
async fn jwts_of_an_issuer_that_always_introspects_need_its_word_too() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let issuer = key_server_issuer(&server, json!({ "introspect": "always" }));
    let client = app(issuer, json!({ "introspection_cache_ttl": 0.3 })).await;
    let jwt = mint(TestKey::RsaA, &claims_for(server.base()));
    assert_eq!(call(&client, "/reports", &[&bearer(&jwt)]).await.status, 401, "verified, but not active");
    server.set_introspection(&jwt, json!({ "active": true }));
    sleep(Duration::from_millis(400)).await;
    let served = call(&client, "/reports", &[&bearer(&jwt)]).await;
    assert_eq!((served.status, served.body["opaque"].clone()), (200, json!(false)), "the JWT's own claims");
}

#[rocket::async_test]
async fn a_tenants_introspection_is_asked_at_its_own_issuers_origin_only() {
    let server = KeyServer::start(&[]).await;
    server.set_tenant_keys("contoso", &[TestKey::RsaA]);
    let (client_id, client_secret) = INTROSPECTION_CLIENT;
    let template = json!({
        "issuer": server.tenant_template(), "audience": jwt_guard_tests::AUDIENCE, "tenants": ["contoso"],
        "client_id": client_id, "client_secret": client_secret, "introspect": "always",
    });
    let jwt = mint(TestKey::RsaA, &claims_for(&server.tenant_issuer("contoso")));
    server.set_introspection(&jwt, json!({ "active": true }));
    let client = app(template.clone(), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer(&jwt)]).await.status, 200, "asked at its own origin");

    let elsewhere = KeyServer::start(&[]).await;
    elsewhere.set_introspection(&jwt, json!({ "active": true }));
    server.set_discovered_introspection_endpoint(&elsewhere.introspection_endpoint());
    let client = app(template, json!({})).await;
    let refused = call(&client, "/reports", &[&bearer(&jwt)]).await;
    assert_eq!((refused.status, elsewhere.introspection_hits()), (503, 0), "the credentials go nowhere else");
}

#[rocket::async_test]
async fn unknown_tokens_are_asked_about_at_the_rate_while_remembered_ones_keep_serving() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    server.set_introspection("known", active);
    let client = app(key_server_issuer(&server, json!({})), json!({ "introspection_rate": 5 })).await;
    assert_eq!(call(&client, "/reports", &[&bearer("known")]).await.status, 200, "remembered from now on");
    let started = std::time::Instant::now();
    let mut answers = Vec::new();
    for n in 0..200 {
        let made_up = call(&client, "/reports", &[&bearer(&format!("made-up-{n}"))]).await;
        answers.push((made_up.status, made_up.body["error"].clone(), made_up.retry_after));
        assert_eq!(call(&client, "/reports", &[&bearer("known")]).await.status, 200, "a remembered answer serves");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let asked = server.introspection_hits();
    assert!(asked as f64 <= 5.0 + (5.0 * elapsed).ceil(), "{asked} questions in {elapsed:.2} s at 5 a second");
    let inactive = answers.iter().filter(|(status, ..)| *status == 401).count();
    assert_eq!(inactive, asked - 1, "each made-up token asked about is inactive");
    let over_the_rate: Vec<_> = answers.iter().filter(|(status, ..)| *status != 401).collect();
    assert!(!over_the_rate.is_empty(), "some made-up tokens came over the rate");
    for (status, error, retry_after) in over_the_rate {
        assert_eq!((*status, error), (503, &json!("temporarily_unavailable")), "not asked about");
        assert_eq!(retry_after.as_deref(), Some("1"), "the next question is within a second");
    }
}

#[rocket::async_test]
async fn a_providers_429_refuses_that_token_only_and_others_are_still_asked_about() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    server.set_introspection("known", active.clone());
    server.set_introspection("newcomer", active);
    server.set_introspection("throttled", json!(429));
    let client = app(key_server_issuer(&server, json!({})), json!({})).await;
    assert_eq!(call(&client, "/reports", &[&bearer("known")]).await.status, 200);
    let throttled = call(&client, "/reports", &[&bearer("throttled")]).await;
    assert_eq!(
        (throttled.status, throttled.body["error"].clone(), throttled.retry_after.as_deref()),
        (503, json!("temporarily_unavailable"), Some("30")),
        "the provider's Retry-After, passed on"
    );
    let newcomer = call(&client, "/reports", &[&bearer("newcomer")]).await;
    assert_eq!(newcomer.status, 200, "a 429 is no outage: the next new token is asked about: {}", newcomer.body);
    assert_eq!(call(&client, "/reports", &[&bearer("known")]).await.status, 200);
    assert_eq!(server.introspection_hits(), 3);
}

/// A provider that answers 400 about one token (rather than that it is
/// inactive) has not failed: the next new token is asked about.
#[rocket::async_test]
async fn a_providers_400_about_one_token_refuses_that_token_only() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": server.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    server.set_introspection("newcomer", active);
    server.set_introspection("odd", json!([400, "invalid_request"]));
    let client = app(key_server_issuer(&server, json!({})), json!({})).await;
    let odd = call(&client, "/reports", &[&bearer("odd")]).await;
    assert_eq!(
        (odd.status, odd.body["error"].clone(), odd.retry_after.as_deref()),
        (503, json!("temporarily_unavailable"), Some("1"))
    );
    let newcomer = call(&client, "/reports", &[&bearer("newcomer")]).await;
    assert_eq!(newcomer.status, 200, "a 400 is no outage: {}", newcomer.body);
    assert_eq!(server.introspection_hits(), 2);
}

/// An app that trusts `provider`, and finds its introspection endpoint by
/// its discovery document.
async fn discovering_introspection(provider: &KeyServer) -> Client {
    let mut issuer = key_server_issuer(provider, json!({}));
    issuer.as_object_mut().expect("a table").remove("introspection_endpoint");
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard.issuers.provider", issuer)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports]);
    Client::tracked(rocket).await.expect("the app ignites")
}

/// A discovery document that names another issuer (RFC 8414 section 3.3)
/// is not the issuer's: its introspection endpoint is not asked.
#[rocket::async_test]
async fn a_discovery_document_of_another_issuer_leads_to_no_introspection() {
    let provider = KeyServer::start(&[TestKey::RsaA]).await;
    let active = json!({ "active": true, "iss": provider.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    provider.set_introspection("opaque", active);
    provider.set_discovery_issuer("https://impostor.test");
    let client = discovering_introspection(&provider).await;
    let refused = call(&client, "/reports", &[&bearer("opaque")]).await;
    assert_eq!((refused.status, refused.body["error"].clone()), (503, json!("temporarily_unavailable")));
    assert_eq!(provider.introspection_hits(), 0, "the credentials went nowhere");
}

/// A 400 that refuses the API's client credentials (RFC 6749 section 5.2,
/// as with credentials in the form) is every question's: the issuer is
/// backed off as in an outage, not asked about each new token.
#[rocket::async_test]
async fn a_providers_400_refusing_the_client_backs_off_the_issuer() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    server.set_introspection("first", json!([400, "invalid_client"]));
    server.set_introspection("second", json!([400, "invalid_client"]));
    let client = app(key_server_issuer(&server, json!({})), json!({})).await;
    for token in ["first", "second"] {
        let refused = call(&client, "/reports", &[&bearer(token)]).await;
        assert_eq!((refused.status, refused.body["error"].clone()), (503, json!("temporarily_unavailable")));
    }
    assert_eq!(server.introspection_hits(), 1, "the second waits out the back-off");
}

/// The provider moves its introspection endpoint, and the old one stops
/// answering: the discovery document, asked again, leads to the new one.
#[rocket::async_test]
async fn an_introspection_endpoint_that_moves_is_found_again_through_discovery() {
    let provider = KeyServer::start(&[TestKey::RsaA]).await;
    let (old, moved) = (KeyServer::start(&[]).await, KeyServer::start(&[]).await);
    let active = json!({ "active": true, "iss": provider.base(), "aud": jwt_guard_tests::AUDIENCE, "scope": "read" });
    old.set_introspection("before-the-move", active.clone());
    moved.set_introspection("after-the-move", active);
    provider.set_discovered_introspection_endpoint(&old.introspection_endpoint());
    let client = discovering_introspection(&provider).await;
    assert_eq!(call(&client, "/reports", &[&bearer("before-the-move")]).await.status, 200);
    old.stop().await;
    provider.set_discovered_introspection_endpoint(&moved.introspection_endpoint());
    let started = std::time::Instant::now();
    let mut status = 0;
    while status != 200 && started.elapsed() < Duration::from_secs(10) {
        sleep(Duration::from_millis(200)).await;
        status = call(&client, "/reports", &[&bearer("after-the-move")]).await.status;
    }
    assert_eq!(status, 200, "the moved endpoint is found");
    assert_eq!(provider.discovery_hits(), 2, "discovery asked again once the old endpoint failed");
}
