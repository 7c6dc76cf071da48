//! Back-channel logout: a logout at the identity provider ends the user's
//! tokens. panva's oidc-provider sends real logout tokens (OIDC
//! Back-Channel Logout 1.0) to one instance of a fleet on a real
//! `redis-server`, and both instances refuse the session's cached token
//! within a second, as they do the app's own revocations of a provider's
//! session or user; logout tokens and pushed Security Event Tokens (RFC
//! 8935, CAEP session-revoked) signed here with a key server's keys are
//! held to every rule, and used once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::Header;
use jwt_guard::observe::{AuthEvent, AuthObserver};
use jwt_guard::store::{Revocation, Revoked};
use jwt_guard::{JwtGuard, Token};
use jwt_guard_tests::{
    Behaviour, INTROSPECTION_CLIENT, KeyServer, OIDC_AUDIENCE, OidcProvider, RedisServer, RunningApp, TestKey,
    claims_for, free_port, mint, mint_with_header, now, poll_until, quiet_figment,
};
use rocket::http::{ContentType, Header as HttpHeader};
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use rocket::{get, routes};
use serde_json::{Value, json};

const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
const SESSION_REVOKED: &str = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

#[get("/me")]
fn me(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

fn app(jwt_guard: Value) -> rocket::Rocket<rocket::Build> {
    app_observed_by(jwt_guard, Revocations::default())
}

fn app_observed_by(jwt_guard: Value, observer: Revocations) -> rocket::Rocket<rocket::Build> {
    rocket::custom(quiet_figment().merge(("jwt_guard", jwt_guard)))
        .attach(JwtGuard::fairing().observer(observer))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![me])
}

/// An observer that keeps each revocation it is told of, and why each
/// refused logout was refused.
#[derive(Default, Clone)]
struct Revocations {
    made: Arc<Mutex<Vec<Revocation>>>,
    refused: Arc<Mutex<Vec<&'static str>>>,
}

impl Revocations {
    /// What each revocation revokes.
    fn revoked(&self) -> Vec<Revoked> {
        self.made.lock().unwrap().iter().map(|revocation| revocation.revoked.clone()).collect()
    }

    /// Why each refused logout was refused.
    fn refused(&self) -> Vec<&'static str> {
        self.refused.lock().unwrap().clone()
    }
}

impl AuthObserver for Revocations {
    fn observe(&self, event: &AuthEvent<'_>) {
        match event {
            AuthEvent::Revoked(revocation) => self.made.lock().unwrap().push((*revocation).clone()),
            AuthEvent::LogoutRefused { description } => self.refused.lock().unwrap().push(description),
            _ => {}
        }
    }
}

/// The status and `WWW-Authenticate` of `GET {base}/me` with `token`.
async fn me_at(http: &reqwest::Client, base: &str, token: &str) -> (u16, String) {
    let response = http.get(format!("{base}/me")).bearer_auth(token).send().await.expect("it answers");
    let challenge = response.headers().get("WWW-Authenticate").map(|value| value.to_str().unwrap().to_owned());
    (response.status().as_u16(), challenge.unwrap_or_default())
}

#[rocket::async_test]
async fn a_logout_at_the_provider_ends_the_session_on_every_instance_within_a_second() {
    let redis = RedisServer::start().await;
    let (port_a, port_b) = (free_port(), free_port());
    let logout_uri = format!("http://127.0.0.1:{port_a}/backchannel-logout");
    let provider = OidcProvider::start_with_logout(free_port(), &[TestKey::RsaA], "RS256", &[logout_uri]).await;
    let config = json!({
        "issuers": { "idp": {
            "issuer": provider.issuer(), "audience": OIDC_AUDIENCE, "logout_client_id": "web-client",
        } },
        "store": { "url": redis.url() },
    });
    let _a = RunningApp::launch(app(config.clone()), port_a).await;
    let _b = RunningApp::launch(app(config.clone()), port_b).await;
    let bases = [format!("http://127.0.0.1:{port_a}"), format!("http://127.0.0.1:{port_b}")];
    let http = reqwest::Client::new();
    let (alice, bob) = (provider.login("alice").await, provider.login("bob").await);
    assert_ne!(alice.sid, bob.sid);
    for base in &bases {
        for login in [&alice, &bob] {
            assert_eq!(me_at(&http, base, &login.access_token).await.0, 200, "{} at {base}, now cached", login.sub);
        }
    }

    let logout = provider.logout(&alice.sid).await;
    let logged_out = Instant::now();
    assert_eq!(logout["backchannel"][0]["delivered"], true, "the provider delivered its logout token: {logout}");
    assert_eq!(logout["backchannel"][0]["client_id"], "web-client", "{logout}");
    for base in &bases {
        loop {
            let (status, challenge) = me_at(&http, base, &alice.access_token).await;
            if status == 401 {
                assert!(challenge.contains(r#"error="invalid_token""#), "{challenge}");
                break;
            }
            assert_eq!(status, 200);
            assert!(logged_out.elapsed() < Duration::from_secs(1), "{base} still accepts the session's token");
            sleep(Duration::from_millis(10)).await;
        }
    }
    assert!(logged_out.elapsed() < Duration::from_secs(1));
    for base in &bases {
        assert_eq!(me_at(&http, base, &bob.access_token).await.0, 200, "another session is untouched at {base}");
    }
    let port_c = free_port();
    let _c = RunningApp::launch(app(config), port_c).await;
    let base_c = format!("http://127.0.0.1:{port_c}");
    assert_eq!(me_at(&http, &base_c, &alice.access_token).await.0, 401, "an instance started later loads the logout");
    assert_eq!(me_at(&http, &base_c, &bob.access_token).await.0, 200);
}

/// Two issuers, `one` (which sends logouts) and `two`, each a key server
/// with a key of its own, and an app that trusts both ([`client_of`]).
async fn two_issuers() -> (KeyServer, KeyServer, Client) {
    let (one, two) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::RsaOther]).await);
    let client = client_of(&one, &two).await;
    (one, two, client)
}

/// An app on a memory store that trusts `one` (which sends logouts to
/// `web-client`) and `two` (which sends none).
async fn client_of(one: &KeyServer, two: &KeyServer) -> Client {
    observed_client_of(one, two, Revocations::default()).await
}

/// [`client_of`], whose revocations `observer` is told of.
async fn observed_client_of(one: &KeyServer, two: &KeyServer, observer: Revocations) -> Client {
    let config = json!({
        "issuers": {
            "one": {
                "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri(),
                "logout_client_id": "web-client",
            },
            "two": { "issuer": two.base(), "audience": OIDC_AUDIENCE, "jwks_uri": two.jwks_uri() },
        },
    });
    Client::tracked(app_observed_by(config, observer)).await.expect("the app ignites")
}

/// A logout token of `iss` for `web-client`, session `sid-SECRET-1`, with
/// a `jti` of its own.
fn logout_claims(iss: &str) -> Value {
    static TOKENS: AtomicUsize = AtomicUsize::new(0);
    let jti = format!("jti-SECRET-{}", TOKENS.fetch_add(1, Ordering::Relaxed));
    json!({
        "iss": iss, "aud": "web-client", "iat": now(), "exp": now() + 120, "jti": jti,
        "sub": "alice", "sid": "sid-SECRET-1", "events": { LOGOUT_EVENT: {} },
    })
}

fn typed(key: TestKey, typ: &str) -> Header {
    let mut header = Header::new(key.alg());
    header.kid = Some(key.kid());
    header.typ = Some(typ.into());
    header
}

fn logout_token(key: TestKey, claims: &Value) -> String {
    mint_with_header(key, &typed(key, "logout+jwt"), claims)
}

/// The status, `Cache-Control` and body of a back-channel logout POST.
async fn post_logout(client: &Client, token: &str) -> (u16, String, Value) {
    post(client, ContentType::Form, format!("logout_token={token}")).await
}

async fn post(client: &Client, kind: ContentType, body: String) -> (u16, String, Value) {
    let response = client.post("/backchannel-logout").header(kind).body(body).dispatch().await;
    let status = response.status().code;
    let cache_control = response.headers().get_one("Cache-Control").unwrap_or_default().to_owned();
    let body = response.into_string().await.unwrap_or_default();
    (status, cache_control, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn me_status(client: &Client, token: &str) -> u16 {
    let request = client.get("/me").header(HttpHeader::new("Authorization", format!("Bearer {token}")));
    request.dispatch().await.status().code
}

/// An access token of `server` (signed with `key`) with these claims
/// besides the usual ones.
fn access_token(server: &KeyServer, key: TestKey, extra: Value) -> String {
    let mut claims = claims_for(server.base());
    claims["aud"] = OIDC_AUDIENCE.into();
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    mint(key, &claims)
}

#[rocket::async_test]
async fn a_logout_token_is_used_once_and_held_to_every_rule() {
    let (one, two, client) = two_issuers().await;
    let session = access_token(&one, TestKey::RsaA, json!({ "sid": "sid-SECRET-1", "jti": "a1" }));
    let other_issuers = access_token(&two, TestKey::RsaOther, json!({ "sid": "sid-SECRET-1", "jti": "a2" }));
    assert_eq!(me_status(&client, &session).await, 200);
    assert_eq!(me_status(&client, &other_issuers).await, 200);

    let claims = logout_claims(one.base());
    let token = logout_token(TestKey::RsaA, &claims);
    let (status, cache_control, body) = post_logout(&client, &token).await;
    assert_eq!((status, cache_control.as_str()), (200, "no-store"), "{body}");
    assert_eq!(me_status(&client, &session).await, 401, "the session's cached token is refused");
    assert_eq!(me_status(&client, &other_issuers).await, 200, "another issuer's session of the same id is not");
    let (status, cache_control, body) = post_logout(&client, &token).await;
    assert_eq!((status, cache_control.as_str()), (400, "no-store"), "a replay is refused: {body}");
    assert_eq!(body["error"], "invalid_request");

    let with = |name: &str, value: Value| {
        let mut claims = logout_claims(one.base());
        claims[name] = value;
        claims
    };
    let without = |name: &str| {
        let mut claims = logout_claims(one.base());
        claims.as_object_mut().unwrap().remove(name);
        claims
    };
    let mut wrong_kid = typed(TestKey::RsaOther, "logout+jwt");
    wrong_kid.kid = Some(TestKey::RsaA.kid());
    let refused = [
        ("wrong aud", logout_token(TestKey::RsaA, &with("aud", json!("another-client")))),
        ("a nonce", logout_token(TestKey::RsaA, &with("nonce", json!("n-SECRET")))),
        ("no events", logout_token(TestKey::RsaA, &without("events"))),
        ("another event", logout_token(TestKey::RsaA, &with("events", json!({ SESSION_REVOKED: {} })))),
        ("typ at+jwt", mint_with_header(TestKey::RsaA, &typed(TestKey::RsaA, "at+jwt"), &logout_claims(one.base()))),
        ("typ secevent+jwt", {
            mint_with_header(TestKey::RsaA, &typed(TestKey::RsaA, "secevent+jwt"), &logout_claims(one.base()))
        }),
        ("older than the 24 hours of the issuer's tokens", {
            let mut claims = with("iat", json!(now() - 2 * 24 * 3600));
            claims.as_object_mut().unwrap().remove("exp");
            logout_token(TestKey::RsaA, &claims)
        }),
        ("no jti", logout_token(TestKey::RsaA, &without("jti"))),
        ("neither sid nor sub", {
            let mut claims = without("sid");
            claims.as_object_mut().unwrap().remove("sub");
            logout_token(TestKey::RsaA, &claims)
        }),
        ("an unknown issuer", logout_token(TestKey::RsaA, &with("iss", json!("https://unknown.test")))),
        ("an issuer without logout", logout_token(TestKey::RsaOther, &logout_claims(two.base()))),
        ("a bad signature", mint_with_header(TestKey::RsaOther, &wrong_kid, &logout_claims(one.base()))),
        ("an access token", session.clone()),
        ("an access token addressed to the client", {
            let mut claims = claims_for(one.base());
            claims["aud"] = json!("web-client");
            claims["jti"] = json!("jti-SECRET-access");
            claims["sid"] = json!("sid-SECRET-1");
            mint(TestKey::RsaA, &claims)
        }),
    ];
    let mut descriptions = Vec::new();
    for (what, token) in &refused {
        let (status, cache_control, body) = post_logout(&client, token).await;
        assert_eq!((status, cache_control.as_str()), (400, "no-store"), "{what}: {body}");
        assert_eq!(body["error"], "invalid_request", "{what}: {body}");
        for secret in ["SECRET", "alice", "unknown.test", "another-client"] {
            assert!(!body.to_string().contains(secret), "{what}: nothing of the token is echoed: {body}");
        }
        descriptions.push((*what, body["error_description"].as_str().unwrap_or_default().to_owned()));
    }
    // Each refused for what is wrong with it.
    let not_for_us = "the `aud` claim does not hold this API's client id";
    let no_event = "the `events` claim must hold the back-channel logout event, an object";
    let wrong_type = "the `typ` header must be `logout+jwt` (or `JWT`)";
    let not_received = "the issuer is not one whose logouts this API receives";
    let expected: Vec<(&str, &str)> = vec![
        ("wrong aud", not_for_us),
        ("a nonce", "a logout token must not have a `nonce`"),
        ("no events", no_event),
        ("another event", no_event),
        ("typ at+jwt", wrong_type),
        ("typ secevent+jwt", wrong_type),
        (
            "older than the 24 hours of the issuer's tokens",
            "the token was issued too long ago: longer ago than the issuer's tokens may live",
        ),
        ("no jti", "the token must have a `jti`"),
        ("neither sid nor sub", "a logout token must have a `sid` or a `sub`"),
        ("an unknown issuer", not_received),
        ("an issuer without logout", not_received),
        ("a bad signature", "the signature does not verify with the issuer's keys"),
        ("an access token", not_for_us),
        ("an access token addressed to the client", no_event),
    ];
    let expected: Vec<(&str, String)> =
        expected.into_iter().map(|(what, description)| (what, description.to_owned())).collect();
    assert_eq!(descriptions, expected);
    // Each with a good logout token of its own, of a session still open:
    // refused for the shape of the request alone, ending nothing.
    let still_open = access_token(&one, TestKey::RsaA, json!({ "sid": "sid-open", "jti": "a3" }));
    let fresh = || {
        let mut claims = logout_claims(one.base());
        claims["sid"] = "sid-open".into();
        logout_token(TestKey::RsaA, &claims)
    };
    let not_a_form = "send a form with `logout_token`, or an `application/secevent+jwt` body";
    let not_one = "the form must have one `logout_token`";
    for (kind, body, description) in [
        (ContentType::JSON, json!({ "logout_token": fresh() }).to_string(), not_a_form),
        (ContentType::Form, format!("token={}", fresh()), not_one),
        (ContentType::Form, String::new(), not_one),
        (ContentType::Form, format!("logout_token={}&logout_token={}", fresh(), fresh()), not_one),
    ] {
        let (status, cache_control, answer) = post(&client, kind.clone(), body).await;
        assert_eq!((status, cache_control.as_str()), (400, "no-store"), "{kind}: {answer}");
        assert_eq!(answer, json!({ "error": "invalid_request", "error_description": description }), "{kind}");
    }
    assert_eq!(me_status(&client, &still_open).await, 200, "no refused delivery ended the session");
}

/// An issuer whose keys cannot be had: its logout is answered 503 with
/// `Retry-After`, for the provider to deliver it again, and ends nothing
/// it cannot verify; delivered again once the keys can be had, it is
/// carried out.
#[rocket::async_test]
async fn a_logout_whose_issuers_keys_cannot_be_had_is_answered_503_for_the_provider_to_retry() {
    let (one, two) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::RsaOther]).await);
    one.set_behaviour(Behaviour::Status(500));
    let client = client_of(&one, &two).await;
    let token = logout_token(TestKey::RsaA, &logout_claims(one.base()));
    let deliver = || async {
        let request = client.post("/backchannel-logout").header(ContentType::Form);
        let response = request.body(format!("logout_token={token}")).dispatch().await;
        let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
        let status = response.status().code;
        let body: Value = serde_json::from_str(&response.into_string().await.unwrap_or_default()).unwrap_or_default();
        (status, retry_after, body)
    };
    let (status, retry_after, body) = deliver().await;
    assert_eq!((status, retry_after.as_deref(), &body["error"]), (503, Some("1"), &json!("temporarily_unavailable")));

    one.set_behaviour(Behaviour::Serve);
    let carried_out = poll_until(Duration::from_secs(10), || async { (deliver().await.0 == 200).then_some(()) });
    assert!(carried_out.await.is_some(), "delivered again, it is carried out");
    let session = access_token(&one, TestKey::RsaA, json!({ "sid": "sid-SECRET-1" }));
    assert_eq!(me_status(&client, &session).await, 401, "the session is ended");
}

/// Keycloak before 25 and Authentik before 2025.12 type their logout
/// tokens `JWT`; others leave `typ` out. Their logouts are carried out:
/// what tells a logout token from an ID token is its claims.
#[rocket::async_test]
async fn a_logout_token_typed_as_older_providers_type_it_ends_the_session() {
    let (one, _two, client) = two_issuers().await;
    for (typ, sid) in [(Some("JWT"), "s-typed-jwt"), (Some("application/jwt"), "s-media-type"), (None, "s-untyped")] {
        let session = access_token(&one, TestKey::RsaA, json!({ "sid": sid }));
        assert_eq!(me_status(&client, &session).await, 200, "{typ:?}");
        let mut claims = logout_claims(one.base());
        claims["sid"] = sid.into();
        let mut header = typed(TestKey::RsaA, "logout+jwt");
        header.typ = typ.map(str::to_owned);
        let (status, _, body) = post_logout(&client, &mint_with_header(TestKey::RsaA, &header, &claims)).await;
        assert_eq!(status, 200, "{typ:?}: {body}");
        assert_eq!(me_status(&client, &session).await, 401, "{typ:?}: the session is ended");
    }
}

#[rocket::async_test]
async fn a_logout_without_a_session_ends_the_subjects_earlier_tokens_of_that_issuer_only() {
    let (one, two, client) = two_issuers().await;
    let earlier = access_token(&one, TestKey::RsaA, json!({ "iat": now() - 10, "sid": "s-a" }));
    let elsewhere = access_token(&two, TestKey::RsaOther, json!({ "iat": now() - 10 }));
    let someone_else = access_token(&one, TestKey::RsaA, json!({ "iat": now() - 10, "sub": "bob" }));
    for token in [&earlier, &elsewhere, &someone_else] {
        assert_eq!(me_status(&client, token).await, 200);
    }
    let mut claims = logout_claims(one.base());
    claims.as_object_mut().unwrap().remove("sid");
    assert_eq!(post_logout(&client, &logout_token(TestKey::RsaA, &claims)).await.0, 200);
    assert_eq!(me_status(&client, &earlier).await, 401, "alice's token of `one`, issued before the logout");
    assert_eq!(me_status(&client, &elsewhere).await, 200, "`two`'s alice is another user");
    assert_eq!(me_status(&client, &someone_else).await, 200, "bob is not logged out");
    let later = access_token(&one, TestKey::RsaA, json!({ "iat": now() + 2 }));
    assert_eq!(me_status(&client, &later).await, 200, "a login after the logout");
}

fn security_event(iss: &str, jti: &str, subject: Value) -> Value {
    json!({
        "iss": iss, "aud": "web-client", "iat": now(), "jti": jti, "sub_id": subject,
        "events": { SESSION_REVOKED: { "event_timestamp": now() } },
    })
}

async fn push(client: &Client, set: String) -> (u16, String, Value) {
    post(client, ContentType::new("application", "secevent+jwt"), set).await
}

#[rocket::async_test]
async fn a_pushed_session_revoked_event_ends_the_session() {
    let (one, _two, client) = two_issuers().await;
    let session = access_token(&one, TestKey::RsaA, json!({ "sid": "s-push" }));
    let other_session = access_token(&one, TestKey::RsaA, json!({ "sid": "s-kept" }));
    assert_eq!(me_status(&client, &session).await, 200);

    let set = |claims: &Value| mint_with_header(TestKey::RsaA, &typed(TestKey::RsaA, "secevent+jwt"), claims);
    let event = set(&security_event(one.base(), "e1", json!({ "format": "opaque", "id": "s-push" })));
    let (status, cache_control, body) = push(&client, event.clone()).await;
    assert_eq!((status, cache_control.as_str()), (202, "no-store"), "{body}");
    assert_eq!(me_status(&client, &session).await, 401);
    assert_eq!(me_status(&client, &other_session).await, 200);
    let (status, _, body) = push(&client, event).await;
    assert_eq!(status, 400, "a replayed SET: {body}");
    assert_eq!(body["err"], "invalid_request", "{body}");
    assert!(body["description"].is_string(), "{body}");

    let mut wrong_audience = security_event(one.base(), "e2", json!({ "format": "opaque", "id": "s-kept" }));
    wrong_audience["aud"] = "another".into();
    let (status, _, body) = push(&client, set(&wrong_audience)).await;
    assert_eq!((status, &body["err"]), (400, &json!("invalid_audience")), "{body}");
    let unknown = security_event("https://unknown.test", "e3", json!({ "format": "opaque", "id": "s-kept" }));
    let (status, _, body) = push(&client, set(&unknown)).await;
    assert_eq!((status, &body["err"]), (400, &json!("invalid_issuer")), "{body}");
    // Signed by another key under the issuer's `kid`: a forgery.
    let mut forged_header = typed(TestKey::RsaOther, "secevent+jwt");
    forged_header.kid = Some(TestKey::RsaA.kid());
    let forged_claims = security_event(one.base(), "e5", json!({ "format": "opaque", "id": "s-kept" }));
    let (status, _, body) = push(&client, mint_with_header(TestKey::RsaOther, &forged_header, &forged_claims)).await;
    assert_eq!(
        (status, body),
        (400, json!({ "err": "invalid_key", "description": "the signature does not verify with the issuer's keys" }))
    );
    let logout_typed =
        logout_token(TestKey::RsaA, &security_event(one.base(), "e4", json!({ "format": "opaque", "id": "s-kept" })));
    let (status, _, body) = push(&client, logout_typed).await;
    assert_eq!((status, &body["err"]), (400, &json!("invalid_request")), "a `logout+jwt` is no SET: {body}");
    assert_eq!(me_status(&client, &other_session).await, 200, "no refused event ended anything");
}

/// An issuer delivers a logout again after an outage of the API: a SET
/// issued 20 minutes ago still ends the session, whose tokens live an
/// hour; one issued before the oldest of them could have been is refused,
/// and ends nothing.
#[rocket::async_test]
async fn a_logout_delivered_late_is_honoured_while_the_tokens_it_ends_may_live() {
    let one = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({ "issuers": { "one": {
        "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri(), "logout_client_id": "web-client",
        "max_lifetime": 3600,
    } } });
    let observer = Revocations::default();
    let client = Client::tracked(app_observed_by(config, observer.clone())).await.expect("the app ignites");
    let session =
        access_token(&one, TestKey::RsaA, json!({ "sid": "s-late", "iat": now() - 1800, "exp": now() + 1800 }));
    assert_eq!(me_status(&client, &session).await, 200);
    let set = |iat: i64, jti: &str| {
        let mut claims = security_event(one.base(), jti, json!({ "format": "opaque", "id": "s-late" }));
        claims["iat"] = json!(iat);
        mint_with_header(TestKey::RsaA, &typed(TestKey::RsaA, "secevent+jwt"), &claims)
    };

    let (status, _, body) = push(&client, set(now() - 3600 - 60, "too-old")).await;
    assert_eq!((status, &body["err"]), (400, &json!("invalid_request")), "{body}");
    assert_eq!(body["description"], "the token was issued too long ago: longer ago than the issuer's tokens may live");
    assert_eq!(me_status(&client, &session).await, 200, "the refused SET ended nothing");
    let issued_at = now() - 1200;
    let (status, _, body) = push(&client, set(issued_at, "late")).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(me_status(&client, &session).await, 401, "the late SET ended the session");
    // As long as a token issued at the logout is accepted (an hour, and
    // the leeway of 30 s), counted from the logout, however late it came.
    let held_until = observer.made.lock().unwrap()[0].until;
    assert_eq!(held_until, u64::try_from(issued_at + 3600 + 30 + 1).unwrap());
}

#[rocket::async_test]
async fn an_observer_is_told_of_the_revocation_each_accepted_logout_makes_and_of_each_refusal() {
    let (one, two) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::RsaOther]).await);
    let observer = Revocations::default();
    let client = observed_client_of(&one, &two, observer.clone()).await;
    let with_session = logout_token(TestKey::RsaA, &logout_claims(one.base()));
    assert_eq!(post_logout(&client, &with_session).await.0, 200);
    assert_eq!(post_logout(&client, &with_session).await.0, 400, "a replay revokes nothing");
    let mut claims = logout_claims(one.base());
    claims.as_object_mut().unwrap().remove("sid");
    let logged_out_at = claims["iat"].as_u64().unwrap();
    assert_eq!(post_logout(&client, &logout_token(TestKey::RsaA, &claims)).await.0, 200);
    let set = security_event(one.base(), "e-observed", json!({ "format": "opaque", "id": "s-pushed" }));
    let pushed = mint_with_header(TestKey::RsaA, &typed(TestKey::RsaA, "secevent+jwt"), &set);
    assert_eq!(push(&client, pushed).await.0, 202);
    let iss = one.base().to_owned();
    assert_eq!(
        observer.revoked(),
        [
            Revoked::IssuerSession { iss: iss.clone(), sid: "sid-SECRET-1".into() },
            Revoked::IssuerSubject { iss: iss.clone(), sub: "alice".into(), before: logged_out_at + 1 },
            Revoked::IssuerSession { iss, sid: "s-pushed".into() },
        ]
    );
    let forged = logout_token(TestKey::EcA, &logout_claims(one.base()));
    assert_eq!(post_logout(&client, &forged).await.0, 400);
    assert_eq!(
        observer.refused(),
        ["the token was received before", "the signature does not verify with the issuer's keys"],
        "a replay, then a forgery"
    );
}

#[rocket::async_test]
async fn a_logout_the_store_cannot_take_is_answered_503_for_the_provider_to_retry() {
    let redis = RedisServer::start().await;
    let one = KeyServer::start(&[TestKey::RsaA]).await;
    let config = json!({
        "issuers": { "one": {
            "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri(), "logout_client_id": "web-client",
        } },
        "store": { "url": redis.url() },
    });
    let client = Client::tracked(app(config)).await.expect("the app ignites");
    let access = access_token(&one, TestKey::RsaA, json!({ "sub": "alice", "sid": "sid-SECRET-1" }));
    assert_eq!(me_status(&client, &access).await, 200);
    redis.kill();
    let token = logout_token(TestKey::RsaA, &logout_claims(one.base()));
    let response = client
        .post("/backchannel-logout")
        .header(ContentType::Form)
        .body(format!("logout_token={token}"))
        .dispatch()
        .await;
    assert_eq!(response.status().code, 503);
    assert_eq!(response.headers().get_one("Retry-After"), Some("1"));
    assert_eq!(response.headers().get_one("Cache-Control"), Some("no-store"));
    assert_eq!(me_status(&client, &access).await, 401, "held at this instance, whatever became of the store");
}

#[rocket::async_test]
async fn the_receiver_is_mounted_at_logout_path_only_when_an_issuer_sends_logouts() {
    let one = KeyServer::start(&[TestKey::RsaA]).await;
    let issuer = json!({ "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri() });
    let token = logout_token(TestKey::RsaA, &logout_claims(one.base()));
    let without = Client::tracked(app(json!({ "issuers": { "one": issuer.clone() } }))).await.unwrap();
    assert_eq!(post_at(&without, "/backchannel-logout", &token).await, 404, "no issuer sends logouts");
    let mut sending = issuer;
    sending["logout_client_id"] = "web-client".into();
    let config = json!({ "logout_path": "/idp/logout", "issuers": { "one": sending } });
    let with = Client::tracked(app(config)).await.unwrap();
    assert_eq!(post_at(&with, "/backchannel-logout", &token).await, 404);
    assert_eq!(post_at(&with, "/idp/logout", &token).await, 200);
}

async fn post_at(client: &Client, path: &str, token: &str) -> u16 {
    let request = client.post(path.to_owned()).header(ContentType::Form).body(format!("logout_token={token}"));
    request.dispatch().await.status().code
}

#[rocket::async_test]
async fn a_logout_ends_the_sessions_opaque_tokens_whose_answers_name_no_issuer() {
    let one = KeyServer::start(&[TestKey::RsaA]).await;
    let (client_id, client_secret) = INTROSPECTION_CLIENT;
    let config = json!({
        "issuers": {
            "one": {
                "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri(),
                "logout_client_id": "web-client", "introspection_endpoint": one.introspection_endpoint(),
                "client_id": client_id, "client_secret": client_secret,
            },
        },
    });
    let client = Client::tracked(app(config)).await.expect("the app ignites");
    // RFC 7662 makes every member but `active` optional: no `iss` here.
    let answer = |sid: &str| json!({ "active": true, "aud": OIDC_AUDIENCE, "sub": "alice", "sid": sid });
    one.set_introspection("opaque-of-the-session", answer("sid-SECRET-1"));
    one.set_introspection("opaque-of-another", answer("sid-other"));
    for token in ["opaque-of-the-session", "opaque-of-another"] {
        assert_eq!(me_status(&client, token).await, 200, "{token} is active, and remembered");
    }
    assert_eq!(post_logout(&client, &logout_token(TestKey::RsaA, &logout_claims(one.base()))).await.0, 200);
    assert_eq!(me_status(&client, "opaque-of-the-session").await, 401, "the session's remembered token is refused");
    assert_eq!(me_status(&client, "opaque-of-another").await, 200, "another session's is not");
}

/// A provider whose clock runs ahead of the API's (by 20 s, within the
/// leeway of 30 s) issues tokens that expire 20 s later by the API's
/// clock: the logout of their session is held until the last of them
/// expires, counted from the logout's `iat`.
#[rocket::async_test]
async fn a_logout_from_a_provider_whose_clock_runs_ahead_outlives_the_sessions_tokens() {
    let one = KeyServer::start(&[TestKey::RsaA]).await;
    let lifetime = 300;
    let config = json!({ "issuers": { "one": {
        "issuer": one.base(), "audience": OIDC_AUDIENCE, "jwks_uri": one.jwks_uri(), "logout_client_id": "web-client",
        "max_lifetime": lifetime,
    } } });
    let observer = Revocations::default();
    let client = Client::tracked(app_observed_by(config, observer.clone())).await.expect("the app ignites");
    let provider_now = now() + 20;
    let token = access_token(
        &one,
        TestKey::RsaA,
        json!({ "sid": "sid-SECRET-1", "iat": provider_now, "exp": provider_now + lifetime }),
    );
    assert_eq!(me_status(&client, &token).await, 200);
    let mut claims = logout_claims(one.base());
    claims["iat"] = json!(provider_now);
    assert_eq!(post_logout(&client, &logout_token(TestKey::RsaA, &claims)).await.0, 200);
    assert_eq!(me_status(&client, &token).await, 401);
    let held_until = i64::try_from(observer.made.lock().unwrap()[0].until).unwrap();
    let accepted_until = provider_now + lifetime + 30;
    assert_eq!(held_until, accepted_until + 1, "held a second past the token's last, and no longer");
}

/// Two identity providers may each issue a token with one `jti`: revoking
/// one of them, as an app does with `revoke_token`, leaves the other be.
#[rocket::async_test]
async fn a_token_revoked_by_its_jti_is_revoked_at_its_issuer_only() {
    let (one, two, client) = two_issuers().await;
    let of_one = access_token(&one, TestKey::RsaA, json!({ "jti": "shared-jti" }));
    let of_two = access_token(&two, TestKey::RsaOther, json!({ "jti": "shared-jti" }));
    let guard = client.rocket().state::<JwtGuard>().expect("the guard");
    let verified = guard.verifier().verify(&of_one).await.expect("a valid token");
    guard.revoke_token(&verified).await.expect("revoked");
    assert_eq!(me_status(&client, &of_one).await, 401, "the revoked token");
    assert_eq!(me_status(&client, &of_two).await, 200, "the other issuer's token of the same `jti`");
}

/// The app's own revocations of an identity provider's session and user
/// (`JwtGuard::revoke_issuer_session` and `revoke_issuer_subject`, an
/// admin's "sign out" and "disable this user"), made on one instance of a
/// fleet on a real `redis-server`, reach the other within a second, cached
/// tokens included, and an instance started later; a revocation made by
/// the issuer's own `iss` covers its alias, and the reverse.
#[rocket::async_test]
async fn the_apps_revocations_of_a_providers_session_and_user_reach_every_instance_within_a_second() {
    let redis = RedisServer::start().await;
    let idp = KeyServer::start(&[TestKey::RsaA]).await;
    let alias = format!("{}/", idp.base());
    let config = json!({
        "issuers": { "idp": {
            "issuer": idp.base(), "issuer_aliases": [alias], "audience": OIDC_AUDIENCE, "jwks_uri": idp.jwks_uri(),
        } },
        "store": { "url": redis.url() },
    });
    let admin = Client::tracked(app(config.clone())).await.expect("the app ignites");
    let guard = admin.rocket().state::<JwtGuard>().expect("managed");
    let port = free_port();
    let _other = RunningApp::launch(app(config.clone()), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let phone = access_token(&idp, TestKey::RsaA, json!({ "sub": "ada", "sid": "phone" }));
    let laptop = access_token(&idp, TestKey::RsaA, json!({ "iss": alias, "sub": "ada", "sid": "laptop" }));
    let grace = access_token(&idp, TestKey::RsaA, json!({ "sub": "grace", "sid": "tablet" }));
    for token in [&phone, &laptop, &grace] {
        assert_eq!(me_at(&http, &base, token).await.0, 200, "accepted, and now cached");
    }
    // Whether the other instance refuses `token` within a second.
    let refused_within_a_second = |token: String| {
        let (http, base) = (&http, &base);
        let refused = poll_until(Duration::from_secs(1), move || {
            let token = token.clone();
            async move { (me_at(http, base, &token).await.0 == 401).then_some(()) }
        });
        async move { refused.await.is_some() }
    };

    guard.revoke_issuer_session(idp.base(), "phone").await.expect("revoked");
    assert!(refused_within_a_second(phone.clone()).await, "the other instance refuses the session's token");
    assert_eq!(me_at(&http, &base, &laptop).await.0, 200, "another session of the user");

    guard.revoke_issuer_subject(&alias, "ada").await.expect("revoked");
    assert!(refused_within_a_second(laptop.clone()).await, "the other instance refuses the user's token");
    assert_eq!(me_at(&http, &base, &grace).await.0, 200, "another user");

    let later = free_port();
    let _later = RunningApp::launch(app(config), later).await;
    let later = format!("http://127.0.0.1:{later}");
    assert_eq!(me_at(&http, &later, &phone).await.0, 401, "an instance started later loads the revocations");
    assert_eq!(me_at(&http, &later, &laptop).await.0, 401);
    assert_eq!(me_at(&http, &later, &grace).await.0, 200);
}
