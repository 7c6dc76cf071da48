//! DPoP (RFC 9449) at the resource and at the built-in issuer: tokens
//! bound to a client's key are served only with a fresh proof of that key
//! for the very request; every way a proof can be wrong is refused with
//! its challenge; issuers' `dpop` modes, server nonces, the `bound` policy
//! option, a login whose tokens and refreshes are bound, a replayed
//! proof refused by another instance of a fleet on Redis; and tokens of
//! panva's oidc-provider, bound to the key of a real DPoP client
//! (oauth4webapi) or of a test's.

use std::time::Duration;

use jwt_guard::testing::{DpopKey, TestIssuer};
use jwt_guard::{
    JwtGuard, Token,
    binding::Binding,
    issuer::{Grant, StaticUsers},
    protected,
};
use jwt_guard_tests::{
    DPOP_CHALLENGE, OIDC_AUDIENCE, OidcProvider, OneIssuer, RedisServer, RunningApp, StoreFile, TestKey, free_port,
    poll_until, quiet_figment, run_node_script, send_json,
};
use rocket::http::{ContentType, Header};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes};
use serde_json::{Value, json};

/// How the handler sees the token's binding.
#[get("/reports")]
fn reports(token: Token) -> String {
    match token.binding() {
        Binding::Dpop { thumbprint } => format!("dpop {thumbprint}"),
        Binding::Certificate { .. } => "certificate".into(),
        Binding::Bearer => "bearer".into(),
        _ => "other".into(),
    }
}

#[protected(bound)]
#[get("/bound")]
fn bound() -> &'static str {
    "bound"
}

#[protected(bound = "mtls")]
#[get("/mtls-only")]
fn mtls_only() -> &'static str {
    "mtls"
}

/// A route whose segments may be dot-segments, as received.
#[get("/files/<_folder>/<_name>")]
fn files(_folder: &str, _name: &str, token: Token) -> String {
    reports(token)
}

/// The origin that the apps under test are called at, by default.
const ORIGIN: &str = "http://127.0.0.1:8000";

/// A client of an app that trusts `issuer`, with `jwt_guard` settings
/// merged in (`issuers.test.dpop`, `dpop.nonce`, ...).
async fn client(issuer: &TestIssuer, settings: &[(&str, Value)]) -> Client {
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports, bound, mtls_only, files]);
    let mut rocket = issuer.attach_to(rocket);
    for (key, value) in settings {
        let figment = rocket.figment().clone().merge((format!("jwt_guard.{key}"), value.clone()));
        rocket = rocket.configure(figment);
    }
    Client::tracked(rocket).await.expect("the app ignites")
}

/// What a client sees of a response.
async fn seen(response: LocalResponse<'_>) -> (u16, String, Value) {
    let status = response.status().code;
    let challenge = response.headers().get_one("WWW-Authenticate").unwrap_or_default().to_owned();
    let text = response.into_string().await.unwrap_or_default();
    (status, challenge, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// GETs `path` with `Authorization: {scheme} {token}` and these proofs.
async fn get(client: &Client, path: &str, scheme: &str, token: &str, proofs: &[&str]) -> (u16, String, Value) {
    let mut request = client.get(path).header(Header::new("Authorization", format!("{scheme} {token}")));
    for proof in proofs {
        request.add_header(Header::new("DPoP", proof.to_string()));
    }
    seen(request.dispatch().await).await
}

/// The `DPoP` challenge with this error, after a bare `Bearer` one.
fn dpop_error(code: &str, description: &str) -> String {
    format!(r#"Bearer realm="api", {DPOP_CHALLENGE}, error="{code}", error_description="{description}""#)
}

#[rocket::async_test]
async fn a_bound_token_is_served_with_a_fresh_proof_of_its_key_only() {
    let issuer = TestIssuer::new();
    let client = client(&issuer, &[]).await;
    let key = DpopKey::new();
    let token = issuer.token().bound_to(&key).sign();
    let url = format!("{ORIGIN}/reports");
    let proof = key.proof("GET", &url).access_token(&token).sign();
    let served = get(&client, "/reports", "DPoP", &token, &[&proof]).await;
    assert_eq!((served.0, served.2), (200, json!(format!("dpop {}", key.thumbprint()))));

    let refused = |description: &str| (401, dpop_error("invalid_dpop_proof", description));
    let cases: Vec<(&str, Vec<String>, (u16, String))> = vec![
        ("the same proof again", vec![proof.clone()], refused("the DPoP proof was used before")),
        (
            "a proof for another URL",
            vec![key.proof("GET", &format!("{ORIGIN}/other")).access_token(&token).sign()],
            refused("the DPoP proof's `htu` is not this request's URL"),
        ),
        (
            "a proof for another method",
            vec![key.proof("POST", &url).access_token(&token).sign()],
            refused("the DPoP proof's `htm` is not this request's method"),
        ),
        (
            "a proof of another key",
            vec![DpopKey::new().proof("GET", &url).access_token(&token).sign()],
            refused("the DPoP proof's key is not the one the token is bound to"),
        ),
        (
            "an old proof",
            vec![key.proof("GET", &url).access_token(&token).claim("iat", jwt_guard_tests::now() - 600).sign()],
            refused("the DPoP proof's `iat` is outside the accepted window"),
        ),
        (
            "a proof without `ath`",
            vec![key.proof("GET", &url).sign()],
            refused("the DPoP proof lacks a valid `ath` claim"),
        ),
        (
            "two proofs",
            vec![
                key.proof("GET", &url).access_token(&token).sign(),
                key.proof("GET", &url).access_token(&token).sign(),
            ],
            refused("the request has more than one DPoP proof"),
        ),
        ("no proof", vec![], refused("the request has no DPoP proof")),
    ];
    for (case, proofs, expected) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let (status, challenge, body) = get(&client, "/reports", "DPoP", &token, &proofs).await;
        assert_eq!((status, challenge), expected, "{case}");
        assert_eq!(body["error"], "invalid_dpop_proof", "{case}");
    }
    let as_bearer =
        get(&client, "/reports", "Bearer", &token, &[&key.proof("GET", &url).access_token(&token).sign()]).await;
    assert_eq!(
        (as_bearer.0, as_bearer.1),
        (401, dpop_error("invalid_token", "the token is DPoP-bound: send it with the `DPoP` scheme and a proof"))
    );
}

#[rocket::async_test]
async fn a_proof_names_the_request_uri_as_received_and_normalized_without_dot_segments() {
    let issuer = TestIssuer::new();
    let key = DpopKey::new();
    let app = client(&issuer, &[]).await;
    let token = issuer.token().bound_to(&key).sign();
    let served = format!("dpop {}", key.thumbprint());
    let proof = |htu: &str| key.proof("GET", htu).access_token(&token).sign();
    let wrong_url = dpop_error("invalid_dpop_proof", "the DPoP proof's `htu` is not this request's URL");
    for (path, htu) in [("/files/%2e%2e/admin", "/admin"), ("/files/../admin", "/admin"), ("/files/a/%2e%2e", "/files")]
    {
        let refused = get(&app, path, "DPoP", &token, &[&proof(&format!("{ORIGIN}{htu}"))]).await;
        assert_eq!((refused.0, refused.1), (401, wrong_url.clone()), "a proof for {htu} on {path}");
    }
    for (path, htu) in [
        ("/files/%2e%2e/admin", "http://127.0.0.1:8000/files/%2E%2E/admin"),
        ("/files/a/b", "HTTP://127.0.0.1:8000/files/%61/b"),
        ("/files/a/%7e", "http://127.0.0.1:8000/files/a/~"),
    ] {
        let accepted = get(&app, path, "DPoP", &token, &[&proof(htu)]).await;
        assert_eq!((accepted.0, accepted.2), (200, json!(served)), "a proof for {htu} on {path}");
    }
}

#[rocket::async_test]
async fn a_token_with_a_malformed_binding_is_refused_on_every_route() {
    let issuer = TestIssuer::new();
    let key = DpopKey::new();
    let app = client(&issuer, &[]).await;
    for (cnf, claim) in [
        (json!("a-thumbprint"), "cnf"),
        (json!(["a-thumbprint"]), "cnf"),
        (json!({ "jkt": 7 }), "cnf.jkt"),
        (json!({ "jkt": ["a-thumbprint"] }), "cnf.jkt"),
        (json!({ "x5t#S256": { "v": "a-thumbprint" } }), "cnf.x5t#S256"),
    ] {
        let token = issuer.token().claim("cnf", cnf.clone()).sign();
        let description = format!("the token's `{claim}` claim has the wrong type");
        for path in ["/reports", "/bound"] {
            let error = format!(r#"error="invalid_token", error_description="{description}""#);
            let refused = get(&app, path, "Bearer", &token, &[]).await;
            assert_eq!(refused.0, 401, "{cnf} on {path}, as a Bearer token");
            assert!(refused.1.contains(&error), "{cnf} on {path}, as a Bearer token: {}", refused.1);
            let proof = key.proof("GET", &format!("{ORIGIN}{path}")).access_token(&token).sign();
            let refused = get(&app, path, "DPoP", &token, &[&proof]).await;
            assert_eq!(refused.0, 401, "{cnf} on {path}, with a proof");
            assert!(refused.1.contains(&error), "{cnf} on {path}, with a proof: {}", refused.1);
        }
    }
}

#[rocket::async_test]
async fn an_unbound_token_is_a_bearer_token_and_issuers_say_what_they_accept() {
    let issuer = TestIssuer::new();
    let key = DpopKey::new();
    let unbound = issuer.token().sign();
    let proof = || key.proof("GET", &format!("{ORIGIN}/reports")).access_token(&unbound).sign();

    let allowed = client(&issuer, &[]).await;
    assert_eq!(get(&allowed, "/reports", "Bearer", &unbound, &[]).await.2, json!("bearer"));
    let with_dpop = get(&allowed, "/reports", "DPoP", &unbound, &[&proof()]).await;
    assert_eq!(
        (with_dpop.0, with_dpop.1),
        (401, dpop_error("invalid_token", "the token is not DPoP-bound: send it with the `Bearer` scheme"))
    );

    let required = client(&issuer, &[("issuers.test.dpop", json!("required"))]).await;
    let refused = get(&required, "/reports", "Bearer", &unbound, &[]).await;
    assert_eq!(
        (refused.0, refused.1),
        (
            401,
            format!(
                r#"{DPOP_CHALLENGE}, error="invalid_token", error_description="this issuer's tokens must be DPoP-bound""#
            )
        ),
        "only the DPoP scheme is offered"
    );

    let off = client(&issuer, &[("issuers.test.dpop", json!("off"))]).await;
    let bound = issuer.token().bound_to(&key).sign();
    let bound_proof = key.proof("GET", &format!("{ORIGIN}/reports")).access_token(&bound).sign();
    let refused = get(&off, "/reports", "DPoP", &bound, &[&bound_proof]).await;
    assert_eq!(
        (refused.0, refused.1),
        (
            401,
            r#"Bearer realm="api", error="invalid_token", error_description="this issuer's tokens are not accepted with DPoP""#
                .to_owned()
        ),
        "only the Bearer scheme is offered"
    );
}

#[rocket::async_test]
async fn with_nonces_a_proof_must_carry_a_fresh_one_from_the_server() {
    let issuer = TestIssuer::new();
    let secret = "a secret that every instance of the fleet shares";
    let client = client(&issuer, &[("dpop.nonce", json!(true)), ("dpop.nonce_secret", json!(secret))]).await;
    let key = DpopKey::new();
    let token = issuer.token().bound_to(&key).sign();
    let url = format!("{ORIGIN}/reports");
    let request = |proof: String| {
        client
            .get("/reports")
            .header(Header::new("Authorization", format!("DPoP {token}")))
            .header(Header::new("DPoP", proof))
    };
    let first = request(key.proof("GET", &url).access_token(&token).sign()).dispatch().await;
    let nonce = first.headers().get_one("DPoP-Nonce").expect("a nonce to use").to_owned();
    let (status, challenge, body) = seen(first).await;
    assert_eq!((status, body["error"].clone()), (401, json!("use_dpop_nonce")));
    assert!(challenge.contains(r#"error="use_dpop_nonce""#), "{challenge}");
    let second = request(key.proof("GET", &url).access_token(&token).nonce(&nonce).sign()).dispatch().await;
    assert!(second.headers().get_one("DPoP-Nonce").is_some(), "a fresh nonce with every answer");
    assert_eq!(second.status().code, 200);
    let forged = request(key.proof("GET", &url).access_token(&token).nonce("AAAAAAAAAAA").sign()).dispatch().await;
    assert!(forged.headers().get_one("DPoP-Nonce").is_some(), "a nonce to use instead");
    let (status, challenge, body) = seen(forged).await;
    assert_eq!((status, body["error"].clone()), (401, json!("use_dpop_nonce")), "a nonce the server never gave");
    assert!(challenge.contains(r#"error="use_dpop_nonce""#), "{challenge}");

    // Another instance of the fleet, with the same secret, takes this
    // one's nonce; one with another secret asks for its own.
    let sibling = self::client(&issuer, &[("dpop.nonce", json!(true)), ("dpop.nonce_secret", json!(secret))]).await;
    let stranger_secret = "the secret of an app that is not of this fleet";
    let stranger =
        self::client(&issuer, &[("dpop.nonce", json!(true)), ("dpop.nonce_secret", json!(stranger_secret))]).await;
    let nonce = nonce_of(&client).await;
    let proof = || key.proof("GET", &url).access_token(&token).nonce(&nonce).sign();
    let (status, _, body) = get(&sibling, "/reports", "DPoP", &token, &[&proof()]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = get(&stranger, "/reports", "DPoP", &token, &[&proof()]).await;
    assert_eq!((status, &body["error"]), (401, &json!("use_dpop_nonce")), "another secret's nonce");
}

/// A fresh nonce of `client`'s, from its answer to any request.
async fn nonce_of(client: &Client) -> String {
    let answer = client.get("/reports").header(Header::new("DPoP", "x")).dispatch().await;
    answer.headers().get_one("DPoP-Nonce").expect("a nonce with every answer to a DPoP request").to_owned()
}

#[rocket::async_test]
async fn a_bound_policy_refuses_bearer_tokens_with_the_dpop_challenge() {
    let issuer = TestIssuer::new();
    let client = client(&issuer, &[]).await;
    let key = DpopKey::new();
    let unbound = issuer.token().sign();
    let refused = get(&client, "/bound", "Bearer", &unbound, &[]).await;
    let description = "this resource needs a sender-constrained token (DPoP or a client certificate)";
    assert_eq!((refused.0, refused.1), (401, dpop_error("invalid_token", description)));
    let token = issuer.token().bound_to(&key).sign();
    let proof = key.proof("GET", &format!("{ORIGIN}/bound")).access_token(&token).sign();
    assert_eq!(get(&client, "/bound", "DPoP", &token, &[&proof]).await.0, 200);
    let proof = key.proof("GET", &format!("{ORIGIN}/mtls-only")).access_token(&token).sign();
    let refused = get(&client, "/mtls-only", "DPoP", &token, &[&proof]).await;
    assert_eq!(refused.0, 401);
    assert_eq!(refused.2["error_description"], "this resource needs a sender-constrained token (a client certificate)");
}

/// An app with the built-in issuer at `origin`, its state kept in `store`.
fn issuing_app(origin: &str, store: Value) -> rocket::Rocket<rocket::Build> {
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys");
    let config = json!({
        "local": { "issuer": "https://api.dpop.test", "key_file": format!("{keys}/ed-a.pem"), "refresh_expires_in": 3600 },
        "dpop": { "origin": origin },
        "store": store,
    });
    let users = StaticUsers::new().user("ada", "secret", Grant::new("ada"));
    rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(users))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports])
}

/// POSTs JSON `body` to `path` with these `DPoP` headers.
async fn post(client: &Client, path: &str, body: Value, proofs: &[&str]) -> (u16, Value) {
    let mut request = client.post(path).header(ContentType::JSON).body(body.to_string());
    for proof in proofs {
        request.add_header(Header::new("DPoP", proof.to_string()));
    }
    let (status, _, body) = seen(request.dispatch().await).await;
    (status, body)
}

#[rocket::async_test]
async fn a_login_with_a_proof_binds_its_tokens_and_its_refreshes_to_the_key() {
    let origin = "https://api.dpop.test";
    let store = StoreFile::new();
    let client = Client::tracked(issuing_app(origin, json!({ "path": store.value() }))).await.expect("the app ignites");
    let key = DpopKey::new();
    let credentials = json!({ "username": "ada", "password": "secret" });
    let login_proof = key.proof("POST", &format!("{origin}/auth")).sign();
    let (status, tokens) = post(&client, "/auth", credentials.clone(), &[&login_proof]).await;
    assert_eq!((status, tokens["token_type"].clone()), (200, json!("DPoP")));
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let proof = key.proof("GET", &format!("{origin}/reports")).access_token(&access).sign();
    assert_eq!(
        get(&client, "/reports", "DPoP", &access, &[&proof]).await.2,
        json!(format!("dpop {}", key.thumbprint()))
    );
    assert_eq!(get(&client, "/reports", "Bearer", &access, &[]).await.0, 401, "bound: not a bearer token");

    let refresh = |token: &Value| json!({ "refresh_token": token.as_str().unwrap() });
    let refresh_proof = || key.proof("POST", &format!("{origin}/auth/refresh")).sign();
    let (status, refreshed) =
        post(&client, "/auth/refresh", refresh(&tokens["refresh_token"]), &[&refresh_proof()]).await;
    assert_eq!((status, refreshed["token_type"].clone()), (200, json!("DPoP")));
    let thief = DpopKey::new().proof("POST", &format!("{origin}/auth/refresh")).sign();
    let (status, refused) = post(&client, "/auth/refresh", refresh(&refreshed["refresh_token"]), &[&thief]).await;
    assert_eq!(
        (status, refused["error_description"].clone()),
        (400, json!("the refresh token is bound to a key or certificate that this request did not present"))
    );
    let (status, _) = post(&client, "/auth/refresh", refresh(&refreshed["refresh_token"]), &[&refresh_proof()]).await;
    assert_eq!(status, 400, "the session ended with the thief's attempt");

    let bad_login = key.proof("POST", &format!("{origin}/elsewhere")).sign();
    let (status, refused) = post(&client, "/auth", credentials.clone(), &[&bad_login]).await;
    assert_eq!((status, refused["error"].clone()), (400, json!("invalid_dpop_proof")), "RFC 9449 section 5");
    let (status, plain) = post(&client, "/auth", credentials, &[]).await;
    assert_eq!((status, plain["token_type"].clone()), (200, json!("Bearer")), "no proof, a bearer token");
}

#[rocket::async_test]
async fn a_proof_used_on_one_instance_is_refused_by_another_on_the_same_redis() {
    let redis = RedisServer::start().await;
    let origin = "https://api.fleet.test";
    let store = json!({ "url": redis.url() });
    let (a, b) = (
        RunningApp::launch(issuing_app(origin, store.clone()), free_port()).await,
        RunningApp::launch(issuing_app(origin, store), free_port()).await,
    );
    let http = reqwest::Client::new();
    let key = DpopKey::new();
    let login = http
        .post(format!("http://127.0.0.1:{}/auth", a.port()))
        .header("DPoP", key.proof("POST", &format!("{origin}/auth")).sign());
    let (_, tokens) = send_json(login, &json!({ "username": "ada", "password": "secret" })).await;
    let access = tokens["access_token"].as_str().expect("a token").to_owned();
    let proof = key.proof("GET", &format!("{origin}/reports")).access_token(&access).sign();
    let call = |port: u16| {
        http.get(format!("http://127.0.0.1:{port}/reports"))
            .header("Authorization", format!("DPoP {access}"))
            .header("DPoP", proof.clone())
            .send()
    };
    assert_eq!(call(a.port()).await.expect("it answers").status().as_u16(), 200);
    let replayed = call(b.port()).await.expect("it answers");
    assert_eq!(replayed.status().as_u16(), 401);
    let body: Value = serde_json::from_slice(&replayed.bytes().await.expect("a body")).expect("JSON");
    assert_eq!(body["error_description"], "the DPoP proof was used before");
    a.stop().await;
    b.stop().await;
}

/// A proof that cannot be checked against replays, for the store is
/// down, is refused with 503 (never taken unchecked), and is good once
/// the store is back, for it was never used.
#[rocket::async_test]
async fn a_proof_is_refused_with_503_while_the_store_it_is_checked_in_is_down() {
    let redis = RedisServer::start().await;
    let port = redis.port();
    let issuer = TestIssuer::new();
    let client = client(&issuer, &[("store", json!({ "url": redis.url() }))]).await;
    let key = DpopKey::new();
    let token = issuer.token().bound_to(&key).sign();
    let proof = key.proof("GET", &format!("{ORIGIN}/reports")).access_token(&token).sign();
    redis.kill();
    let mut request = client.get("/reports").header(Header::new("Authorization", format!("DPoP {token}")));
    request.add_header(Header::new("DPoP", proof.clone()));
    let response = request.dispatch().await;
    let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
    let (status, _, body) = seen(response).await;
    assert_eq!((status, retry_after.as_deref(), &body["error"]), (503, Some("1"), &json!("temporarily_unavailable")));

    let _back = RedisServer::start_on(port).await;
    let served = poll_until(Duration::from_secs(10), || async {
        let (status, _, body) = get(&client, "/reports", "DPoP", &token, &[&proof]).await;
        (status == 200).then_some(body)
    });
    assert_eq!(served.await, Some(json!(format!("dpop {}", key.thumbprint()))), "the proof was never used");
    let (status, _, body) = get(&client, "/reports", "DPoP", &token, &[&proof]).await;
    assert_eq!((status, &body["error_description"]), (401, &json!("the DPoP proof was used before")));
}

/// An app that trusts panva's oidc-provider by its issuer URL alone.
fn provider_app(provider: &OidcProvider) -> rocket::Rocket<rocket::Build> {
    let config = json!({ "issuers": { "provider": { "issuer": provider.issuer(), "audience": OIDC_AUDIENCE } } });
    rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports, bound])
}

#[rocket::async_test]
async fn a_real_dpop_client_gets_a_bound_token_from_a_real_provider_and_is_served() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let port = free_port();
    let app = RunningApp::launch(provider_app(&provider), port).await;
    let route = format!("http://127.0.0.1:{port}/reports");
    let issuer = provider.issuer();
    let args = [issuer.as_str(), &route, OIDC_AUDIENCE, "reports-client", "reports-secret", "read"];
    let run = run_node_script("discovery-clients", "dpop-client.mjs", &args).await;
    let thumbprint = run["thumbprint"].as_str().expect("the client's key thumbprint");
    let served = json!({ "status": 200, "body": format!("dpop {thumbprint}") });
    assert_eq!(run["token_type"], "dpop");
    assert_eq!(run["bound_to_the_key"], true);
    assert_eq!(run["calls"], json!([served, served]), "each call with its own proof");
    app.stop().await;
}

#[rocket::async_test]
async fn a_real_providers_bound_token_is_refused_without_its_proof() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let client = Client::tracked(provider_app(&provider)).await.expect("the app ignites");
    let key = DpopKey::new();
    let token_proof = key.proof("POST", &format!("{}/token", provider.issuer())).sign();
    let token = provider.dpop_token("read", OIDC_AUDIENCE, &token_proof).await;
    let url = format!("{ORIGIN}/reports");
    let proof = key.proof("GET", &url).access_token(&token).sign();
    assert_eq!(get(&client, "/reports", "DPoP", &token, &[&proof]).await.0, 200);
    let cases = [
        ("as a bearer token", "Bearer", String::new(), "invalid_token"),
        ("a replayed proof", "DPoP", proof, "invalid_dpop_proof"),
        (
            "another URL",
            "DPoP",
            key.proof("GET", &format!("{ORIGIN}/bound")).access_token(&token).sign(),
            "invalid_dpop_proof",
        ),
        ("another method", "DPoP", key.proof("DELETE", &url).access_token(&token).sign(), "invalid_dpop_proof"),
        ("another key", "DPoP", DpopKey::new().proof("GET", &url).access_token(&token).sign(), "invalid_dpop_proof"),
        (
            "an old `iat`",
            "DPoP",
            key.proof("GET", &url).access_token(&token).claim("iat", jwt_guard_tests::now() - 3600).sign(),
            "invalid_dpop_proof",
        ),
        ("no `ath`", "DPoP", key.proof("GET", &url).sign(), "invalid_dpop_proof"),
    ];
    for (case, scheme, proof, error) in cases {
        let proofs: Vec<&str> = [proof.as_str()].into_iter().filter(|proof| !proof.is_empty()).collect();
        let (status, challenge, body) = get(&client, "/reports", scheme, &token, &proofs).await;
        assert_eq!((status, body["error"].as_str()), (401, Some(error)), "{case}");
        assert!(challenge.contains(r#"DPoP realm="api", algs="#), "{case}: {challenge}");
        assert!(challenge.contains(&format!(r#"error="{error}""#)), "{case}: {challenge}");
    }
}

/// An app whose issuers all come from its resolver (which may allow
/// either scheme) offers both: a refused DPoP request gets the `DPoP`
/// challenge with its algorithms (RFC 9449 section 7.1), as with a
/// configured issuer.
#[rocket::async_test]
async fn an_app_whose_issuers_come_from_its_resolver_offers_both_schemes() {
    let issuer = TestIssuer::new();
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing().issuer_resolver(OneIssuer::new(&["resolved"], "one", issuer.issuer_config())))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![reports]);
    let client = Client::tracked(rocket).await.expect("the app ignites");
    let key = DpopKey::new();
    let token = issuer.token().bound_to(&key).sign();
    let proof = key.proof("GET", &format!("{ORIGIN}/reports")).access_token(&token).sign();
    let served = get(&client, "/reports", "DPoP", &token, &[&proof]).await;
    assert_eq!((served.0, served.2), (200, json!(format!("dpop {}", key.thumbprint()))));
    let replayed = get(&client, "/reports", "DPoP", &token, &[&proof]).await;
    assert_eq!((replayed.0, replayed.1), (401, dpop_error("invalid_dpop_proof", "the DPoP proof was used before")));
    assert_eq!(get(&client, "/reports", "Bearer", &issuer.token().sign(), &[]).await.2, json!("bearer"));
}
