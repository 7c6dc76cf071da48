//! Sessions of the built-in issuer, as a client sees them: login, refresh
//! with rotation and reuse detection, the authenticator asked again,
//! logout and revocation (RFC 7009), logging a user out everywhere, login
//! throttling, and revocations that survive a restart.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use jwt_guard::{
    JwtGuard, Token,
    issuer::{Authenticator, Grant, SessionError, StaticUsers},
    store::{Revocation, Revoked, SqliteStore, TokenStore as _},
    testing::TestIssuer,
};
use jwt_guard_tests::{RedisServer, StoreFile, call, quiet_figment};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rocket::{Build, Rocket, State, get, post as post_route, routes};
use serde_json::{Value, json};

use crate::{bearer, login, post};

#[get("/me")]
fn me(token: Token) -> Value {
    json!({ "sub": token.subject(), "sid": token.claim("sid"), "scopes": token.scopes() })
}

/// Logs the token's subject out everywhere, with the Rust API.
#[post_route("/logout-everywhere")]
async fn logout_everywhere(token: Token, guard: &State<JwtGuard>) -> Status {
    match guard.revoke_subject(token.subject().unwrap_or_default()).await {
        Ok(()) => Status::NoContent,
        Err(_) => Status::ServiceUnavailable,
    }
}

/// `user1`/`abcxyz` (scope `read`) and `user2`/`abcxyz`.
fn users() -> StaticUsers {
    StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"])).user(
        "user2",
        "abcxyz",
        Grant::new("user2").scopes(["read", "admin"]),
    )
}

/// An app whose built-in issuer issues refresh tokens for an hour, with
/// these settings besides, logging users in with `authenticator`, and
/// keeping its state in `store`.
fn app(local: Value, authenticator: impl Authenticator, store: &StoreFile) -> Rocket<Build> {
    app_in(local, authenticator, json!({ "path": store.value() }))
}

/// [`app`], with `[jwt_guard.store]` set to `store`.
fn app_in(local: Value, authenticator: impl Authenticator, store: Value) -> Rocket<Build> {
    let mut settings = json!({ "refresh_expires_in": 3600 });
    settings.as_object_mut().unwrap().extend(local.as_object().unwrap().clone());
    let config = json!({ "local": settings, "store": store });
    rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(authenticator))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![me, logout_everywhere])
}

/// A login's tokens.
struct Session {
    access: String,
    refresh: String,
}

impl Session {
    fn of(body: &Value) -> Self {
        let text = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("no `{name}` in {body}")).to_owned();
        Self { access: text("access_token"), refresh: text("refresh_token") }
    }
}

async fn log_in(client: &Client, username: &str) -> Session {
    let (status, body) = login(client, username, "abcxyz").await;
    assert_eq!(status, 200, "{body}");
    Session::of(&body)
}

/// POSTs `{"refresh_token": ...}` to `/auth/refresh`.
async fn refresh(client: &Client, refresh_token: &str) -> (u16, Value) {
    post(client, "/auth/refresh", ContentType::JSON, &json!({ "refresh_token": refresh_token }).to_string()).await
}

/// The status and error description of `/me` with this access token.
async fn me_with(client: &Client, access: &str) -> (u16, Value) {
    let response = call(client, "/me", &[&bearer(access)]).await;
    (response.status, response.body["error_description"].clone())
}

const REVOKED: (u16, &str) = (401, "the token has been revoked");

fn refused(description: &str) -> (u16, Value) {
    (400, json!({ "error": "invalid_grant", "error_description": description }))
}

#[rocket::async_test]
async fn a_refresh_rotates_its_token_and_a_reused_one_revokes_the_session() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({}), users(), &store)).await.unwrap();
    let first = log_in(&client, "user1").await;
    assert_eq!(call(&client, "/me", &[&bearer(&first.access)]).await.body["sub"], "user1");

    let (status, body) = refresh(&client, &first.refresh).await;
    assert_eq!(status, 200);
    assert_eq!((body["token_type"].clone(), body["expires_in"].clone()), (json!("Bearer"), json!(300)));
    let second = Session::of(&body);
    assert_ne!(second.refresh, first.refresh, "a refresh returns a new refresh token");
    let me = call(&client, "/me", &[&bearer(&second.access)]).await.body;
    assert_eq!(me["sid"], call(&client, "/me", &[&bearer(&first.access)]).await.body["sid"], "one session");

    assert_eq!(
        refresh(&client, &first.refresh).await,
        refused("the refresh token was used before; its session is revoked")
    );
    for access in [&first.access, &second.access] {
        assert_eq!(me_with(&client, access).await, (REVOKED.0, json!(REVOKED.1)), "cached or not");
    }
    assert_eq!(refresh(&client, &second.refresh).await, refused("the refresh token's session has ended"));
    assert_eq!(
        call(&client, "/me", &[&bearer(&log_in(&client, "user1").await.access)]).await.status,
        200,
        "a new login"
    );
}

/// A session revoked by its `sid` is the built-in issuer's: an identity
/// provider's token that carries the same `sid` (another session there)
/// is still accepted.
#[rocket::async_test]
async fn a_revoked_session_refuses_no_other_issuers_token_with_its_sid() {
    let store = StoreFile::new();
    let provider = TestIssuer::new();
    let client = Client::tracked(provider.attach_to(app(json!({}), users(), &store))).await.unwrap();
    let session = log_in(&client, "user1").await;
    let sid = call(&client, "/me", &[&bearer(&session.access)]).await.body["sid"].as_str().unwrap().to_owned();
    let providers = provider.token().subject("user1").claim("sid", sid.as_str()).sign();
    assert_eq!(me_with(&client, &providers).await.0, 200);

    client.rocket().state::<JwtGuard>().unwrap().revoke_session(&sid).await.unwrap();
    assert_eq!(me_with(&client, &session.access).await, (REVOKED.0, json!(REVOKED.1)));
    assert_eq!(me_with(&client, &providers).await.0, 200, "the provider's session of that `sid` goes on");
}

/// Without a built-in issuer, no session of its is ended, nor any subject
/// logged out: an identity provider's sessions end by its logout.
#[rocket::async_test]
async fn sessions_and_subjects_are_revoked_only_where_the_app_issues_tokens() {
    let provider = TestIssuer::new();
    let guard = JwtGuard::builder().issuer(provider.name(), provider.issuer_config()).build().unwrap();
    assert_eq!(guard.revoke_session("s1").await.unwrap_err(), SessionError::NoIssuer);
    assert_eq!(guard.revoke_subject("ada").await.unwrap_err(), SessionError::NoIssuer);
}

/// RFC 6749 section 6: a refresh may say `grant_type=refresh_token` (as
/// OAuth clients do), and no other grant; Flask-JWT's clients say none.
#[rocket::async_test]
async fn a_refresh_takes_the_refresh_token_grant_only() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({}), users(), &store)).await.unwrap();
    let session = log_in(&client, "user1").await;
    let password_grant = format!("grant_type=password&refresh_token={}", session.refresh);
    let (status, body) = post(&client, "/auth/refresh", ContentType::Form, &password_grant).await;
    assert_eq!((status, body["error"].clone()), (400, json!("unsupported_grant_type")), "{body}");
    let refresh_grant = format!("grant_type=refresh_token&refresh_token={}", session.refresh);
    let (status, body) = post(&client, "/auth/refresh", ContentType::Form, &refresh_grant).await;
    assert_eq!(status, 200, "the refused request did not rotate it: {body}");
}

#[rocket::async_test]
async fn a_retry_within_the_grace_rotates_again() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "refresh_reuse_grace": 10 }), users(), &store)).await.unwrap();
    let first = log_in(&client, "user1").await;
    let (status, lost_answer) = refresh(&client, &first.refresh).await;
    assert_eq!(status, 200);
    let lost = Session::of(&lost_answer);
    let (status, body) = refresh(&client, &first.refresh).await;
    assert_eq!(status, 200, "the client retries with the token it still has: {body}");
    let retried = Session::of(&body);
    let (status, body) = refresh(&client, &retried.refresh).await;
    assert_eq!(status, 200, "the session goes on: {body}");
    let latest = Session::of(&body);
    // The lost answer's refresh token was retired by the retry: presented
    // later, it is a reuse, which ends the session.
    assert_eq!(
        refresh(&client, &lost.refresh).await,
        refused("the refresh token was used before; its session is revoked")
    );
    assert_eq!(me_with(&client, &latest.access).await, (REVOKED.0, json!(REVOKED.1)));
}

/// RFC 9700 section 4.14.2: a refresh token unused for
/// `refresh_idle_timeout` expires, though its session's lifetime has not
/// passed; a session in use goes on.
#[rocket::async_test]
async fn a_session_unused_longer_than_its_idle_timeout_ends() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "refresh_idle_timeout": 1 }), users(), &store)).await.unwrap();
    let first = log_in(&client, "user1").await;
    let (status, body) = refresh(&client, &first.refresh).await;
    assert_eq!(status, 200, "used within a second of the login: {body}");
    let second = Session::of(&body);
    // Times are whole seconds: two of them are past the last rotation's
    // second and the one after it.
    rocket::tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(refresh(&client, &second.refresh).await, refused("the refresh token's session has ended"));
    assert_eq!(
        refresh(&client, &second.refresh).await,
        refused("the refresh token's session has ended"),
        "it stays ended"
    );
}

#[rocket::async_test]
async fn a_refresh_token_is_not_an_access_token_nor_anything_a_generic_validator_accepts() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({}), users(), &store)).await.unwrap();
    let session = log_in(&client, "user2").await;
    let as_access = call(&client, "/me", &[&bearer(&session.refresh)]).await;
    assert_eq!(as_access.status, 401);
    assert_eq!(as_access.body["error"], "invalid_token");
    assert_eq!(as_access.body["error_description"], "the token is not an access token");

    // RFC 8725 section 3.12: a validator that trusts this issuer's keys,
    // `iss` and `aud` must not accept what `/auth/refresh` takes.
    let jwks: jsonwebtoken::jwk::JwkSet =
        client.get("/.well-known/jwks.json").dispatch().await.into_json().await.expect("the JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).expect("a key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&["http://127.0.0.1:8000"]);
    validation.set_audience(&["http://127.0.0.1:8000"]);
    assert!(jsonwebtoken::decode::<Value>(&session.access, &key, &validation).is_ok(), "the validator works");
    assert!(jsonwebtoken::decode::<Value>(&session.refresh, &key, &validation).is_err());
    let random = session.refresh.strip_prefix("jgrt_").expect("the prefix that tells a refresh token");
    assert_eq!(random.len(), 43, "256 random bits, base64url");
}

/// Accepts `user1` while `enabled`, and grants `read write` on refresh.
struct Switchable(Arc<AtomicBool>);

#[jwt_guard::async_trait]
impl Authenticator for Switchable {
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
        (username == "user1" && password == "abcxyz").then(|| Grant::new("user1").scopes(["read"]))
    }

    async fn refresh(&self, login: Grant) -> Option<Grant> {
        self.0.load(Ordering::SeqCst).then(|| Grant::new("someone-else").scopes(login.scopes).scopes(["write"]))
    }
}

#[rocket::async_test]
async fn the_authenticator_is_asked_again_at_each_refresh() {
    let enabled = Arc::new(AtomicBool::new(true));
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({}), Switchable(Arc::clone(&enabled)), &store)).await.unwrap();
    let session = log_in(&client, "user1").await;
    let (status, body) = refresh(&client, &session.refresh).await;
    assert_eq!(status, 200);
    let renewed = Session::of(&body);
    let me = call(&client, "/me", &[&bearer(&renewed.access)]).await.body;
    assert_eq!((me["sub"].clone(), me["scopes"].clone()), (json!("user1"), json!(["read", "write"])), "subject kept");

    enabled.store(false, Ordering::SeqCst);
    assert_eq!(refresh(&client, &renewed.refresh).await, refused("the user may no longer refresh this session"));
    assert_eq!(me_with(&client, &renewed.access).await, (REVOKED.0, json!(REVOKED.1)), "the session ended");
}

/// A "log out everywhere" whose caller stops waiting (a timeout around
/// it, as an integration outside Rocket may set) while SQLite waits for
/// another connection's write lock: the store commits the revocation once
/// the lock is free, and this process holds it from the start, for the
/// user's access token and session alike.
#[rocket::async_test]
async fn a_revocation_whose_caller_stops_waiting_holds_in_this_process() {
    use jwt_guard::AuthError;
    use jwt_guard::config::LocalIssuerConfig;
    use jwt_guard::error::TokenProblem;
    use jwt_guard::issuer::{RefreshRefusal, SessionError};

    let store = StoreFile::new();
    let guard = JwtGuard::builder()
        .configure(|config| {
            let mut local = LocalIssuerConfig::default();
            local.refresh_expires_in = Some(Duration::from_secs(3600));
            config.local = Some(local);
        })
        .login(users())
        .store(SqliteStore::open(store.path()).unwrap())
        .build()
        .unwrap();
    let tokens = guard.login("user1", "abcxyz", None).await.unwrap();
    let blocker = rusqlite::Connection::open(store.path()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let waited = rocket::tokio::time::timeout(Duration::from_millis(200), guard.revoke_subject("user1")).await;
    assert!(waited.is_err(), "the revocation waits for the lock, and its caller stops waiting");
    blocker.execute_batch("COMMIT").unwrap();

    let refused = guard.verifier().verify(&tokens.access_token).await.unwrap_err();
    assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    let refresh_token = tokens.refresh_token.as_deref().unwrap();
    let ended = guard.refresh(refresh_token).await.unwrap_err();
    assert!(matches!(ended, SessionError::Refused(RefreshRefusal::Ended)), "{ended:?}");
    let stored = jwt_guard_tests::poll_until(Duration::from_secs(10), || async {
        let stored = SqliteStore::open(store.path()).unwrap().revocations(0).await.unwrap();
        stored
            .into_iter()
            .find(|revocation| matches!(&revocation.revoked, Revoked::Subject { sub, .. } if sub == "user1"))
    });
    assert!(stored.await.is_some(), "the store commits the revocation once the lock is free");
}

#[rocket::async_test]
async fn logout_ends_the_session_and_revocation_follows_rfc_7009() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({}), users(), &store)).await.unwrap();
    let (ended, other) = (log_in(&client, "user1").await, log_in(&client, "user1").await);
    let logout = json!({ "token": ended.refresh, "token_type_hint": "refresh_token" }).to_string();
    let logged_out_at = jwt_guard_tests::now().unsigned_abs();
    assert_eq!(post(&client, "/auth/revoke", ContentType::JSON, &logout).await.0, 200);
    let answered_at = jwt_guard_tests::now().unsigned_abs();
    assert_eq!(me_with(&client, &ended.access).await, (REVOKED.0, json!(REVOKED.1)));
    // Held past the session's last access token (300 s) and the leeway
    // (30 s), by the clock of any instance whose clock is behind this one's
    // by up to the leeway.
    let stored = SqliteStore::open(store.path()).unwrap().revocations(0).await.unwrap();
    let [Revocation { revoked: Revoked::Session(_), until }] = stored[..] else { panic!("{stored:?}") };
    // And no longer: the store forgets it then (counted from the second in
    // which the revocation was made, between the request and its answer).
    let held = 300 + 2 * 30 + 1;
    assert!((logged_out_at + held..=answered_at + held).contains(&until), "held until {until}");
    assert_eq!(refresh(&client, &ended.refresh).await, refused("the refresh token's session has ended"));
    assert_eq!(me_with(&client, &other.access).await.0, 200, "another session of the same user goes on");

    // An access token, form-encoded as RFC 7009 sends it, without a hint.
    let form = format!("token={}", other.access);
    assert_eq!(post(&client, "/auth/revoke", ContentType::Form, &form).await.0, 200);
    assert_eq!(me_with(&client, &other.access).await, (REVOKED.0, json!(REVOKED.1)));
    assert_eq!(refresh(&client, &other.refresh).await.0, 200, "revoking an access token leaves its session");

    for unknown in ["token=made-up", "token=a.b.c&token_type_hint=access_token"] {
        assert_eq!(post(&client, "/auth/revoke", ContentType::Form, unknown).await.0, 200, "nothing to revoke: 200");
    }
    let (status, body) = post(&client, "/auth/revoke", ContentType::JSON, "{}").await;
    assert_eq!((status, body["error_description"].clone()), (400, json!("the body needs a string `token`")));
}

/// With no leeway too, where a token issued a moment ahead of the clock is
/// refused: the login and the refresh that follow a logout in the same
/// second are issued once it is over.
#[rocket::async_test]
async fn a_subject_logged_out_everywhere_can_log_in_again_at_once() {
    for leeway in [30, 0] {
        subject_logged_out_everywhere_logs_in_again(leeway).await;
    }
}

async fn subject_logged_out_everywhere_logs_in_again(leeway: u64) {
    let store = StoreFile::new();
    let rocket = app(json!({}), users(), &store);
    let figment = rocket.figment().clone().merge(("jwt_guard.leeway", leeway));
    let client = Client::tracked(rocket.configure(figment)).await.unwrap();
    let (laptop, phone) = (log_in(&client, "user1").await, log_in(&client, "user1").await);
    let bystander = log_in(&client, "user2").await;
    let response = client
        .post("/logout-everywhere")
        .header(rocket::http::Header::new("Authorization", bearer(&laptop.access)))
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::NoContent);
    for session in [&laptop, &phone] {
        assert_eq!(me_with(&client, &session.access).await, (REVOKED.0, json!(REVOKED.1)));
        assert_eq!(refresh(&client, &session.refresh).await, refused("the refresh token's session has ended"));
    }
    assert_eq!(me_with(&client, &bystander.access).await.0, 200);
    let again = log_in(&client, "user1").await;
    assert_eq!(me_with(&client, &again.access).await.0, 200, "a login in the same second is not revoked");
    let (status, body) = refresh(&client, &again.refresh).await;
    assert_eq!(status, 200, "{body}");
    let refreshed = Session::of(&body);
    assert_eq!(me_with(&client, &refreshed.access).await.0, 200, "nor a refresh of it in the same second");
}

/// One who waits out the longest wait, and fails again, waits the longest
/// again: the failures are not forgotten just as the wait ends.
#[rocket::async_test]
async fn failures_are_not_forgotten_when_the_longest_wait_ends() {
    let store = StoreFile::new();
    let local = json!({ "login_throttle_after": 1, "login_throttle_longest": 2 });
    let client = Client::tracked(app(local, users(), &store)).await.unwrap();
    let attempt = |password: &'static str| {
        let client = &client;
        async move {
            let body = json!({ "username": "user1", "password": password }).to_string();
            let response = client.post("/auth").header(ContentType::JSON).body(body).dispatch().await;
            let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
            (response.status().code, retry_after)
        }
    };
    start_of_a_second().await;
    assert_eq!(attempt("wrong").await, (401, None));
    assert_eq!(attempt("wrong").await, (429, Some("1".into())));
    rocket::tokio::time::sleep(Duration::from_millis(1100)).await;
    start_of_a_second().await;
    assert_eq!(attempt("wrong").await, (401, None));
    assert_eq!(attempt("wrong").await, (429, Some("2".into())), "the longest wait");
    // Past the wait, 2 or 3 s after that failure, before it is forgotten
    // (at 4 s).
    rocket::tokio::time::sleep(Duration::from_millis(1100)).await;
    start_of_a_second().await;
    assert_eq!(attempt("wrong").await, (401, None));
    assert_eq!(attempt("wrong").await, (429, Some("2".into())), "the longest wait again, not 1 s");
}

#[rocket::async_test]
async fn failed_logins_are_throttled_per_username_and_per_address() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "login_throttle_after": 3 }), users(), &store)).await.unwrap();
    // Logs in from 192.0.2.`host`.
    let attempt = |username: &'static str, password: &'static str, host: u8| {
        let client = &client;
        async move {
            let body = json!({ "username": username, "password": password }).to_string();
            let response = client
                .post("/auth")
                .remote(SocketAddr::from((Ipv4Addr::new(192, 0, 2, host), 40_000)))
                .header(ContentType::JSON)
                .body(body)
                .dispatch()
                .await;
            let retry_after = response.headers().get_one("Retry-After").map(str::to_owned);
            (response.status().code, retry_after)
        }
    };
    start_of_a_second().await;
    for _ in 0..3 {
        assert_eq!(attempt("user1", "wrong", 1).await, (401, None));
    }
    assert_eq!(attempt("user1", "abcxyz", 1).await, (429, Some("1".into())), "even the right password waits");
    rocket::tokio::time::sleep(Duration::from_millis(1100)).await;
    start_of_a_second().await;
    assert_eq!(attempt("user1", "wrong", 1).await, (401, None));
    assert_eq!(attempt("user1", "abcxyz", 1).await, (429, Some("2".into())), "the wait doubles");
    rocket::tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(attempt("user1", "abcxyz", 1).await.0, 200);

    start_of_a_second().await;
    // From one address, across usernames: the address is counted too.
    for name in ["nobody", "user9", "admin"] {
        assert_eq!(attempt(name, "guess", 8).await.0, 401);
    }
    assert_eq!(attempt("user2", "abcxyz", 8).await, (429, Some("1".into())), "a fourth attempt from the address");
    let body = json!({ "username": "user2", "password": "abcxyz" }).to_string();
    let elsewhere = client.post("/auth").header(ContentType::JSON).body(body).dispatch().await;
    assert_eq!(elsewhere.status().code, 200, "from elsewhere, user2 is not slowed down");

    // Once the address's wait is over, a login that succeeds from it is not
    // charged to it, nor does it start the wait of its failures again: the
    // next user's login from the shared address goes through at once.
    rocket::tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(attempt("user2", "abcxyz", 8).await.0, 200);
    assert_eq!(attempt("user1", "abcxyz", 8).await.0, 200, "the address's wait did not start again");
}

/// An IPv6 client holds a /64 whole, and a dual-stack listener sees IPv4
/// clients as IPv4-mapped addresses: neither walks past the throttle of
/// its address.
#[rocket::async_test]
async fn an_ipv6_network_and_a_mapped_ipv4_address_are_each_counted_as_one_address() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "login_throttle_after": 2 }), users(), &store)).await.unwrap();
    let attempt = |username: &'static str, from: &'static str| {
        let client = &client;
        async move {
            let body = json!({ "username": username, "password": "guess" }).to_string();
            let remote = SocketAddr::new(from.parse::<IpAddr>().expect("an address"), 40_000);
            client.post("/auth").remote(remote).header(ContentType::JSON).body(body).dispatch().await.status().code
        }
    };
    start_of_a_second().await;
    assert_eq!((attempt("ann", "2001:db8:1:2::1").await, attempt("bob", "2001:db8:1:2::2").await), (401, 401));
    assert_eq!(attempt("cy", "2001:db8:1:2:ffff::3").await, 429, "a third address of the same /64");
    assert_eq!(attempt("cy", "2001:db8:1:3::1").await, 401, "another /64 is another client");
    start_of_a_second().await;
    assert_eq!((attempt("dee", "192.0.2.9").await, attempt("eve", "::ffff:192.0.2.9").await), (401, 401));
    assert_eq!(attempt("fay", "192.0.2.9").await, 429, "192.0.2.9, whichever way it came");
}

/// An authenticator that takes 200 ms to check a password, and counts the
/// passwords it checked.
struct Slow(Arc<AtomicUsize>);

#[jwt_guard::async_trait]
impl Authenticator for Slow {
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
        self.0.fetch_add(1, Ordering::SeqCst);
        rocket::tokio::time::sleep(Duration::from_millis(200)).await;
        (username == "user1" && password == "abcxyz").then(|| Grant::new("user1"))
    }
}

#[rocket::async_test]
async fn guesses_that_arrive_at_once_get_no_more_checks_than_the_throttle_allows() {
    let (file, redis) = (StoreFile::new(), RedisServer::start().await);
    for store in [json!({}), json!({ "path": file.value() }), json!({ "url": redis.url() })] {
        let checked = Arc::new(AtomicUsize::new(0));
        let local = json!({ "login_throttle_after": 3 });
        let client = Client::tracked(app_in(local, Slow(Arc::clone(&checked)), store.clone())).await.unwrap();
        let guesses = (0..40u8).map(|guess| {
            let password = format!("guess-{guess}");
            let client = &client;
            async move { login_from(client, "user1", &password, [192, 0, 2, 40 + guess], None).await }
        });
        let started = jwt_guard_tests::now();
        let answers = futures_util::future::join_all(guesses).await;
        // Waits are counted in whole seconds: 1 s after the third failure,
        // then 2, 4...; a flood that reaches into later seconds (a loaded
        // machine) may have one more check per wait it outlasted.
        let seconds_crossed = (jwt_guard_tests::now() - started).unsigned_abs();
        let waits_outlasted = (seconds_crossed + 1).ilog2() as usize;
        let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
        let checks = checked.load(Ordering::SeqCst);
        assert!(
            (3..=3 + waits_outlasted).contains(&checks),
            "{checks} passwords checked over {seconds_crossed} s, with the store {store}"
        );
        assert_eq!(statuses.iter().filter(|status| **status == 401).count(), checks, "{store}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 40 - checks, "{store}: {statuses:?}");
        // 1 s after the third failure; 2, 4... after each further check.
        let longest_wait = 1u64 << waits_outlasted;
        let waits: Vec<Option<u64>> = answers
            .iter()
            .filter(|(status, _)| *status == 429)
            .map(|(_, retry)| retry.as_deref().and_then(|wait| wait.parse().ok()))
            .collect();
        let told = |wait: &Option<u64>| wait.is_some_and(|wait| (1..=longest_wait).contains(&wait));
        assert!(waits.iter().all(told), "{store}: Retry-After {waits:?}");
    }
}

/// Waits for the next second of the wall clock to begin. The login
/// throttle counts in whole seconds: a failure and the attempt that its
/// wait refuses must fall in one second, however slow the machine.
async fn start_of_a_second() {
    let into_the_second = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let rest = Duration::from_secs(1) - Duration::from_nanos(u64::from(into_the_second));
    rocket::tokio::time::sleep(rest + Duration::from_millis(10)).await;
}

/// A login of `username` at `client`, over a connection from `peer`, with
/// `X-Real-IP: real_ip` if given: its status and `Retry-After`.
async fn login_from(
    client: &Client,
    username: &str,
    password: &str,
    peer: [u8; 4],
    real_ip: Option<&str>,
) -> (u16, Option<String>) {
    let body = json!({ "username": username, "password": password }).to_string();
    let mut request =
        client.post("/auth").remote(SocketAddr::from((peer, 40_000))).header(ContentType::JSON).body(body);
    if let Some(address) = real_ip {
        request.add_header(Header::new("X-Real-IP", address.to_owned()));
    }
    let response = request.dispatch().await;
    (response.status().code, response.headers().get_one("Retry-After").map(str::to_owned))
}

#[rocket::async_test]
async fn a_client_cannot_choose_the_address_its_failures_are_counted_under() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "login_throttle_after": 3 }), users(), &store)).await.unwrap();
    start_of_a_second().await;
    // Three guesses from one connection, each naming another address.
    for (host, name) in [(11, "nobody"), (12, "user9"), (13, "admin")] {
        let header = format!("198.51.100.{host}");
        assert_eq!(login_from(&client, name, "guess", [192, 0, 2, 8], Some(&header)).await.0, 401);
    }
    let fourth = login_from(&client, "user2", "abcxyz", [192, 0, 2, 8], Some("198.51.100.14")).await;
    assert_eq!(fourth, (429, Some("1".into())), "counted under the connection's address");
    // A victim's address named in the header is not locked out.
    for name in ["nobody-1", "nobody-2", "nobody-3"] {
        assert_eq!(login_from(&client, name, "guess", [192, 0, 2, 20], Some("192.0.2.21")).await.0, 401);
    }
    assert_eq!(login_from(&client, "user2", "abcxyz", [192, 0, 2, 21], None).await.0, 200, "the victim logs in");
}

#[rocket::async_test]
async fn behind_a_trusted_proxy_failures_are_counted_under_the_address_it_names() {
    let store = StoreFile::new();
    let local = json!({ "login_throttle_after": 3, "trusted_proxies": ["192.0.2.1", "10.0.0.0/8"] });
    let client = Client::tracked(app(local, users(), &store)).await.unwrap();
    start_of_a_second().await;
    for name in ["nobody", "user9", "admin"] {
        assert_eq!(login_from(&client, name, "guess", [192, 0, 2, 1], Some("198.51.100.7")).await.0, 401);
    }
    let same = login_from(&client, "user2", "abcxyz", [10, 1, 2, 3], Some("198.51.100.7")).await;
    assert_eq!(same, (429, Some("1".into())), "the client the proxies name, through either proxy");
    let other = login_from(&client, "user2", "abcxyz", [192, 0, 2, 1], Some("198.51.100.8")).await;
    assert_eq!(other.0, 200, "another client behind the same proxy");
    // Through a proxy that names no client, a login is counted under no
    // address: not under the proxy's, which is every client's.
    start_of_a_second().await;
    for name in ["nobody-1", "nobody-2", "nobody-3"] {
        assert_eq!(login_from(&client, name, "guess", [10, 9, 9, 9], None).await.0, 401);
    }
    let unnamed = login_from(&client, "user2", "abcxyz", [10, 9, 9, 9], None).await;
    assert_eq!(unnamed.0, 200, "no one throttles all the proxy's clients");
}

#[rocket::async_test]
async fn every_spelling_of_a_username_is_counted_as_one_account() {
    let store = StoreFile::new();
    let client = Client::tracked(app(json!({ "login_throttle_after": 3 }), users(), &store)).await.unwrap();
    start_of_a_second().await;
    for (host, spelling) in [(31, "USER1"), (32, " user1"), (33, "User1\t")] {
        assert_eq!(login_from(&client, spelling, "wrong", [192, 0, 2, host], None).await.0, 401, "{spelling:?}");
    }
    let right = login_from(&client, "user1", "abcxyz", [192, 0, 2, 34], None).await;
    assert_eq!(right, (429, Some("1".into())), "three failures of one account, from three addresses");
}

#[rocket::async_test]
async fn revocations_and_sessions_survive_a_restart() {
    let store = StoreFile::new();
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys");
    let local = json!({ "key_file": format!("{keys}/ed-a.pem") });
    let client = Client::tracked(app(local.clone(), users(), &store)).await.unwrap();
    let (revoked, kept) = (log_in(&client, "user1").await, log_in(&client, "user2").await);
    let form = format!("token={}", revoked.refresh);
    assert_eq!(post(&client, "/auth/revoke", ContentType::Form, &form).await.0, 200);
    drop(client);

    let restarted = Client::tracked(app(local, users(), &store)).await.unwrap();
    assert_eq!(me_with(&restarted, &revoked.access).await, (REVOKED.0, json!(REVOKED.1)), "still revoked");
    assert_eq!(refresh(&restarted, &revoked.refresh).await, refused("the refresh token's session has ended"));
    assert_eq!(me_with(&restarted, &kept.access).await.0, 200);
    assert_eq!(refresh(&restarted, &kept.refresh).await.0, 200, "the session outlived the restart");
}
