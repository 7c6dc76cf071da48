//! A fleet: two instances of an app, each a Rocket server on 127.0.0.1,
//! sharing a real `redis-server`: sessions started on one refresh on the
//! other, a revocation on one is enforced by the other within a second
//! (cached tokens included), two refreshes of one token let one through,
//! with Redis killed each instance keeps serving what it knows, an
//! instance whose connections to Redis go silent reconnects and catches
//! up, a session that ended without its tokens' revocation has them
//! revoked at its next refresh, and an instance that cannot follow the
//! others' revocations asks Redis before a refresh.

use std::time::{Duration, Instant};

use jwt_guard::testing::{check_shared_token_store, check_token_store};
use jwt_guard::{
    JwtGuard, Token,
    issuer::{Grant, StaticUsers},
    store::{LoginAttempt, LoginThrottle, RedisStore, TokenStore as _},
};
use jwt_guard_tests::{RedisServer, RunningApp, SilentRelay, TestPki, free_port, quiet_figment};
use rocket::http::Status;
use rocket::tokio::time::sleep;
use rocket::{State, get, post, routes};
use serde_json::{Value, json};

#[get("/me")]
fn me(token: Token) -> String {
    token.subject().unwrap_or_default().to_owned()
}

/// Logs `sub` out everywhere.
#[post("/logout-everywhere/<sub>")]
async fn logout_everywhere(sub: &str, guard: &State<JwtGuard>) -> Status {
    match guard.revoke_subject(sub).await {
        Ok(()) => Status::Ok,
        Err(_) => Status::ServiceUnavailable,
    }
}

/// An instance of the app, on `redis`.
async fn instance(redis: &RedisServer) -> RunningApp {
    instance_at(&redis.url()).await
}

/// An instance of the app, on the Redis at `url`.
async fn instance_at(url: &str) -> RunningApp {
    instance_with_store(json!({ "url": url })).await
}

/// An instance of the app, whose `[jwt_guard.store]` is `store`.
async fn instance_with_store(store: Value) -> RunningApp {
    let keys = concat!(env!("CARGO_MANIFEST_DIR"), "/support/keys");
    let config = json!({
        "local": {
            "issuer": "https://api.fleet.test",
            "key_file": format!("{keys}/ed-a.pem"),
            "refresh_expires_in": 3600,
        },
        "store": store,
    });
    let users = StaticUsers::new()
        .user("ada", "secret", Grant::new("ada"))
        .user("bob", "secret", Grant::new("bob"))
        .user("cy", "secret", Grant::new("cy"));
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing().login(users))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![me, logout_everywhere]);
    RunningApp::launch(rocket, free_port()).await
}

/// A Redis over TLS (`rediss://`) whose certificate a private CA signed,
/// trusted through `store.ca_file`: sessions and revocations go through it
/// as through any other. Without the CA, the certificate is not trusted,
/// and nothing goes through.
#[rocket::async_test]
async fn a_redis_over_tls_is_trusted_through_its_ca_file() {
    let pki = TestPki::new();
    let redis = RedisServer::start_tls(&pki).await;
    let url = format!("rediss://127.0.0.1:{}/", redis.port());
    let trusting = Instance::of(&instance_with_store(json!({ "url": url, "ca_file": pki.file("ca.pem") })).await);
    let session = trusting.log_in("ada").await;
    let (status, body) = trusting.refresh(&session.refresh).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(trusting.revoke(&Session::of(&body).refresh).await, 200);
    let untrusting = Instance::of(&instance_with_store(json!({ "url": url })).await);
    let (status, body) = untrusting.post("/auth", json!({ "username": "ada", "password": "secret" })).await;
    assert_eq!((status, body["error"].clone()), (503, json!("temporarily_unavailable")), "{body}");
}

/// An HTTP client of one instance.
struct Instance {
    base: String,
    http: reqwest::Client,
}

/// A login's tokens.
struct Session {
    access: String,
    refresh: String,
}

impl Instance {
    fn of(app: &RunningApp) -> Self {
        Self { base: format!("http://127.0.0.1:{}", app.port()), http: reqwest::Client::new() }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let request = self.http.post(format!("{}{path}", self.base)).header("Content-Type", "application/json");
        let response = request.body(body.to_string()).send().await.expect("it answers");
        let status = response.status().as_u16();
        let body = response.bytes().await.expect("a body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn log_in(&self, username: &str) -> Session {
        let (status, body) = self.post("/auth", json!({ "username": username, "password": "secret" })).await;
        assert_eq!(status, 200, "{body}");
        Session::of(&body)
    }

    async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.post("/auth/refresh", json!({ "refresh_token": refresh_token })).await
    }

    async fn revoke(&self, token: &str) -> u16 {
        self.post("/auth/revoke", json!({ "token": token })).await.0
    }

    /// The status of `/me` with this access token.
    async fn me(&self, access: &str) -> u16 {
        self.me_answer(access).await.0
    }

    /// The status, `Retry-After` and body of `/me` with this access token.
    async fn me_answer(&self, access: &str) -> (u16, Option<String>, Value) {
        let response = self.http.get(format!("{}/me", self.base)).bearer_auth(access).send().await.expect("it answers");
        let status = response.status().as_u16();
        let retry_after = response.headers().get("Retry-After").map(|value| value.to_str().unwrap_or("?").to_owned());
        let body = response.bytes().await.expect("a body");
        (status, retry_after, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// How long until `/me` refuses `access`, polling every 10 ms, for at
    /// most `patience`.
    async fn until_refused(&self, access: &str, patience: Duration) -> Option<Duration> {
        self.until_answered(access, 401, patience).await
    }

    /// How long until `/me` answers `status` to `access`, polling every
    /// 10 ms, for at most `patience`.
    async fn until_answered(&self, access: &str, status: u16, patience: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < patience {
            if self.me(access).await == status {
                return Some(started.elapsed());
            }
            sleep(Duration::from_millis(10)).await;
        }
        None
    }
}

impl Session {
    fn of(body: &Value) -> Self {
        let text = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("no `{name}` in {body}")).to_owned();
        Self { access: text("access_token"), refresh: text("refresh_token") }
    }
}

#[rocket::async_test]
async fn the_redis_store_keeps_the_promises() {
    let redis = RedisServer::start().await;
    check_token_store(&RedisStore::open(&redis.url()).unwrap()).await;
}

#[rocket::async_test]
async fn two_redis_stores_on_one_server_report_each_others_revocations() {
    let redis = RedisServer::start().await;
    let open = || RedisStore::open(&redis.url()).unwrap();
    check_shared_token_store(&open(), &open()).await;
}

#[rocket::async_test]
async fn used_keys_and_failed_logins_are_kept_for_their_lifetime_whatever_the_clock_of_the_instance() {
    let redis = RedisServer::start().await;
    let store = RedisStore::open(&redis.url()).unwrap();
    // An instance whose clock is far behind Redis's: 1970.
    assert!(store.use_once("proof", 1_000, 1_060).await.unwrap());
    assert!(!store.use_once("proof", 1_001, 1_061).await.unwrap(), "used, for 60 s from now");
    let throttle = LoginThrottle::new(1, 60, 120);
    assert!(matches!(store.reserve_attempt("alice", 1_000, throttle).await.unwrap(), LoginAttempt::Reserved(_)));
    assert_eq!(store.reserve_attempt("alice", 1_000, throttle).await.unwrap(), LoginAttempt::Wait(1), "counted");
}

#[rocket::async_test]
async fn a_fleet_shares_sessions_and_agrees_on_revocations_within_a_second() {
    let redis = RedisServer::start().await;
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let (a, b) = (Instance::of(&a), Instance::of(&b));

    let first = a.log_in("ada").await;
    assert_eq!(b.me(&first.access).await, 200, "B verifies A's token, and caches it");
    let (status, body) = b.refresh(&first.refresh).await;
    assert_eq!(status, 200, "a session started on A refreshes on B: {body}");
    let second = Session::of(&body);
    assert_eq!(b.me(&second.access).await, 200, "cached on B");

    assert_eq!(a.revoke(&second.refresh).await, 200, "logout on A");
    let refused = b.until_refused(&second.access, Duration::from_secs(5)).await.expect("B refuses the token");
    eprintln!("B refused a token it had cached {refused:?} after A's logout");
    assert!(refused < Duration::from_secs(1), "B agreed after {refused:?}");

    let stolen = a.log_in("bob").await;
    let (status, body) = a.refresh(&stolen.refresh).await;
    assert_eq!(status, 200);
    let current = Session::of(&body);
    assert_eq!(a.me(&current.access).await, 200, "cached on A");
    let (status, body) = b.refresh(&stolen.refresh).await;
    assert_eq!(
        (status, body["error_description"].clone()),
        (400, json!("the refresh token was used before; its session is revoked"))
    );
    let refused = a.until_refused(&current.access, Duration::from_secs(5)).await.expect("A refuses the session");
    assert!(refused < Duration::from_secs(1), "A agreed after {refused:?}");
    let (status, body) = a.refresh(&current.refresh).await;
    assert_eq!((status, body["error_description"].clone()), (400, json!("the refresh token's session has ended")));
}

#[rocket::async_test]
async fn two_instances_refreshing_one_token_at_once_let_exactly_one_through() {
    let redis = RedisServer::start().await;
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let (a, b) = (Instance::of(&a), Instance::of(&b));
    for _ in 0..10 {
        let session = a.log_in("ada").await;
        let (on_a, on_b) = rocket::tokio::join!(a.refresh(&session.refresh), b.refresh(&session.refresh));
        let mut statuses = [on_a.0, on_b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 400], "{on_a:?} {on_b:?}");
    }
}

#[rocket::async_test]
async fn with_redis_killed_each_instance_keeps_serving_what_it_knows() {
    let redis = RedisServer::start().await;
    let port = redis.port();
    let (a, b) = (instance(&redis).await, instance(&redis).await);
    let (a, b) = (Instance::of(&a), Instance::of(&b));
    let (revoked, valid) = (a.log_in("ada").await, a.log_in("bob").await);
    assert_eq!(a.revoke(&revoked.refresh).await, 200);
    assert!(b.until_refused(&revoked.access, Duration::from_secs(1)).await.is_some());

    redis.kill();
    assert_eq!((b.me(&revoked.access).await, b.me(&valid.access).await), (401, 200), "B keeps what it knows");
    assert_eq!((a.me(&revoked.access).await, a.me(&valid.access).await), (401, 200), "so does A");
    let (status, body) = b.post("/auth", json!({ "username": "ada", "password": "secret" })).await;
    assert_eq!((status, body["error"].clone()), (503, json!("temporarily_unavailable")), "logins need the store");
    assert_eq!(a.revoke(&valid.refresh).await, 503, "a revocation cannot spread; the client is told to retry");

    let _restarted = RedisServer::start_on(port).await;
    let session = a.log_in("ada").await;
    assert_eq!(b.me(&session.access).await, 200);
    assert_eq!(a.revoke(&session.refresh).await, 200);
    let refused = b.until_refused(&session.access, Duration::from_secs(10)).await.expect("B hears of it again");
    eprintln!("after Redis came back, B refused a revoked token {refused:?} after the revocation");
    assert!(refused < Duration::from_secs(6), "within the follower's longest reconnection wait");
}

/// An instance that starts while Redis answers nothing cannot load the
/// revocations made before. Told to (`refuse_until_loaded`), it refuses
/// every token with 503 until it has them, then the revoked one alone; by
/// default, it accepts both meanwhile.
#[rocket::async_test]
async fn an_instance_that_starts_while_redis_is_away_refuses_every_token_until_it_has_the_revocations_if_told_to() {
    let redis = RedisServer::start().await;
    let a = Instance::of(&instance(&redis).await);
    let (revoked, valid) = (a.log_in("ada").await, a.log_in("bob").await);
    assert_eq!(a.revoke(&revoked.refresh).await, 200);

    redis.run(&["CLIENT", "PAUSE", "8000", "ALL"]).await;
    let paused = Instant::now();
    let refusing = json!({ "url": redis.url(), "refuse_until_loaded": true });
    let (strict, lenient) = rocket::tokio::join!(instance_with_store(refusing), instance(&redis));
    let (strict, lenient) = (Instance::of(&strict), Instance::of(&lenient));
    assert!(paused.elapsed() < Duration::from_secs(6), "both launched while Redis was paused");
    for access in [&revoked.access, &valid.access] {
        let (status, retry_after, body) = strict.me_answer(access).await;
        assert_eq!((status, retry_after.as_deref()), (503, Some("1")), "{body}");
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    assert_eq!(
        (lenient.me(&revoked.access).await, lenient.me(&valid.access).await),
        (200, 200),
        "by default, tokens are accepted without the revocations, the revoked one too"
    );

    let loaded = strict.until_answered(&valid.access, 200, Duration::from_secs(20)).await;
    assert!(loaded.is_some(), "the strict instance loads the revocations once Redis answers");
    eprintln!("the strict instance accepted tokens again {:?} after Redis was paused for 8 s", paused.elapsed());
    assert!(paused.elapsed() >= Duration::from_secs(8), "not before Redis answered");
    assert_eq!(strict.me(&revoked.access).await, 401, "and refuses the revoked one");
    assert!(lenient.until_refused(&revoked.access, Duration::from_secs(20)).await.is_some());
}

/// An instance that may not read the revocations (Redis denies it
/// `ZRANGEBYSCORE`), told to `refuse_until_loaded`: a token is refused,
/// and so is its revocation (503, to retry), rather than answered 200 with
/// nothing revoked; once it may read them, both go through.
#[rocket::async_test]
async fn an_instance_that_cannot_load_the_revocations_does_not_claim_to_revoke_a_token() {
    let redis = RedisServer::start().await;
    let session = Instance::of(&instance(&redis).await).log_in("ada").await;
    redis.run(&["ACL", "SETUSER", "strict", "on", ">strict-secret", "~*", "&*", "+@all", "-zrangebyscore"]).await;
    let url = format!("redis://strict:strict-secret@127.0.0.1:{}/", redis.port());
    let strict = Instance::of(&instance_with_store(json!({ "url": url, "refuse_until_loaded": true })).await);
    assert_eq!(strict.me(&session.access).await, 503);
    assert_eq!(strict.revoke(&session.access).await, 503, "a token that cannot be checked is not revoked");

    redis.run(&["ACL", "SETUSER", "strict", "+zrangebyscore"]).await;
    let loaded = strict.until_answered(&session.access, 200, Duration::from_secs(15)).await;
    assert!(loaded.is_some(), "the revocations load once Redis allows it");
    assert_eq!(strict.revoke(&session.access).await, 200);
    assert_eq!(strict.me(&session.access).await, 401, "revoked");
}

/// A firewall that forgets the flows of instance A: its connections to
/// Redis stay open and carry nothing, and nothing tells it. It notices the
/// silence within 3 s, reconnects, refuses a session that B ended
/// meanwhile, and refreshes sessions again.
#[rocket::async_test]
async fn an_instance_whose_connections_go_silent_reconnects_and_catches_up() {
    let redis = RedisServer::start().await;
    let relay = SilentRelay::start(redis.port()).await;
    let a = instance_at(&format!("redis://127.0.0.1:{}/", relay.port())).await;
    let b = instance(&redis).await;
    let (a, b) = (Instance::of(&a), Instance::of(&b));
    let (ended, kept) = (a.log_in("ada").await, a.log_in("bob").await);
    assert_eq!((a.me(&ended.access).await, a.me(&kept.access).await), (200, 200), "cached on A");
    relay.silence();
    assert_eq!(b.revoke(&ended.refresh).await, 200);
    let refused = a.until_refused(&ended.access, Duration::from_secs(15)).await;
    let refused = refused.expect("A catches up with the revocation made while it was cut off");
    // A heartbeat after 1 s of silence, unanswered for 2 s: then A
    // reconnects and reloads.
    assert!(refused < Duration::from_millis(4500), "A refused the ended session {refused:?} after the silence");
    assert_eq!(a.me(&kept.access).await, 200, "and keeps the others");
    assert_eq!(a.refresh(&kept.refresh).await.0, 200, "its shared connection, silent too, is made anew");
}

/// The store's shared connection goes silent (a proxy in front of Redis
/// that hangs one flow): an operation gets no answer in time, and the next
/// is made on a new connection, where redis-rs would keep the silent one.
/// An operation on the silent one that times out later leaves the new one
/// be.
#[rocket::async_test]
async fn an_operation_after_one_that_got_no_answer_is_made_on_a_new_connection() {
    use jwt_guard::store::TokenStore;

    let redis = RedisServer::start().await;
    let relay = SilentRelay::start(redis.port()).await;
    let store = RedisStore::open(&format!("redis://127.0.0.1:{}/", relay.port())).expect("a Redis URL");
    assert!(store.use_once("first proof", 1_000, 1_060).await.expect("Redis answers"));
    relay.silence();
    let late = async {
        sleep(Duration::from_secs(1)).await;
        store.use_once("late proof", 1_000, 1_060).await
    };
    let early_then_next = async {
        let error = store.use_once("second proof", 1_000, 1_060).await.expect_err("no answer comes");
        assert!(error.to_string().contains("timed out"), "{error}");
        // Made on a new connection, while the late one still waits.
        store.use_once("third proof", 1_000, 1_060).await
    };
    let (late, next) = rocket::tokio::join!(late, early_then_next);
    assert!(late.is_err(), "the late one times out on the silent connection");
    assert!(next.expect("a new connection, carried"));
    assert!(!store.use_once("first proof", 1_001, 1_061).await.expect("Redis answers"), "still used");
    assert_eq!(relay.connections(), 2, "the new connection is kept after the late timeout");
}

/// Redis's address takes connections but answers nothing (a host that
/// hangs): the first operation waits out the connection timeout (2 s),
/// and the others, meanwhile and for a second after, fail at once, rather
/// than each wait its turn to time out.
#[rocket::async_test]
async fn operations_while_redis_cannot_be_reached_fail_at_once_rather_than_queue() {
    use jwt_guard::store::TokenStore;

    let hole = rocket::tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = hole.local_addr().expect("its address").port();
    let holding = rocket::tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            held.push(socket);
        }
    });
    let store = RedisStore::open(&format!("redis://127.0.0.1:{port}/")).expect("a Redis URL");
    let started = Instant::now();
    let uses = (0..20).map(|n| {
        let store = &store;
        async move { store.use_once(&format!("proof {n}"), 1_000, 1_060).await }
    });
    let answers = futures_util::future::join_all(uses).await;
    let took = started.elapsed();
    assert!(answers.iter().all(Result::is_err), "{answers:?}");
    assert!(took < Duration::from_secs(4), "20 operations took {took:?}");
    let again = Instant::now();
    let error = store.use_once("one more proof", 1_000, 1_060).await.expect_err("not reached");
    assert!(again.elapsed() < Duration::from_millis(500), "failed at once: {error}");
    holding.abort();
}

/// A revocation kept "forever" (an `until` past what a double holds
/// exactly) is read back, and the other revocations with it.
#[rocket::async_test]
async fn a_revocation_for_ever_is_read_back_with_the_others() {
    use jwt_guard::store::{Revocation, Revoked, TokenStore};

    let redis = RedisServer::start().await;
    let store = RedisStore::open(&redis.url()).expect("a Redis URL");
    let forever = Revocation { revoked: Revoked::Token("forever".into()), until: u64::MAX };
    let now = jwt_guard_tests::now().unsigned_abs();
    let soon = Revocation { revoked: Revoked::Token("soon".into()), until: now + 60 };
    for revocation in [&forever, &soon] {
        store.revoke(revocation).await.expect("Redis is up");
    }
    let mut held = store.revocations(now).await.expect("the revocations load");
    held.sort_by_key(|revocation| revocation.until);
    assert_eq!(held, [soon, Revocation { until: 1 << 53, ..forever }]);
}

/// A subject's cutoff that no instance made (far past any clock's skew,
/// written by whatever else may write to Redis) is not believed: the
/// subject gets no token but a 503, where a cutoff past 2^63 s made the
/// login panic into a 500, and the other users log in as before.
#[rocket::async_test]
async fn a_subjects_cutoff_that_no_instance_made_issues_nothing_and_breaks_nothing() {
    let redis = RedisServer::start().await;
    let now = jwt_guard_tests::now().unsigned_abs();
    for (sub, before) in [("ada", u64::MAX), ("bob", now + 10_000)] {
        let member = json!({ "subject": { "sub": sub, "before": before } }).to_string();
        redis.run(&["ZADD", "{jwt-guard}:revocations", &(now + 3600).to_string(), &member]).await;
    }
    let app = Instance::of(&instance(&redis).await);
    for username in ["ada", "bob"] {
        let credentials = json!({ "username": username, "password": "secret" });
        let started = Instant::now();
        let (mut status, mut body) = app.post("/auth", credentials.clone()).await;
        // The revocations are loaded as the instance starts.
        while status == 200 && started.elapsed() < Duration::from_secs(3) {
            sleep(Duration::from_millis(20)).await;
            (status, body) = app.post("/auth", credentials.clone()).await;
        }
        assert_eq!((status, body["error"].clone()), (503, json!("temporarily_unavailable")), "{username}: {body}");
        assert_eq!(body["access_token"], Value::Null);
    }
    app.log_in("cy").await;
}

/// The store fails in the step that ends a session for a reuse (here,
/// Redis refuses the app's user `ZADD`): nothing of it is done, so the
/// session stays whole for its client, and the reuse, presented again
/// once the store answers, ends it and revokes its tokens.
#[rocket::async_test]
async fn a_reuse_that_the_store_fails_to_end_the_session_for_leaves_it_whole_until_presented_again() {
    let redis = RedisServer::start().await;
    redis.run(&["ACL", "SETUSER", "app", "on", ">app-secret", "~*", "&*", "+@all", "-zadd"]).await;
    let app = instance_at(&format!("redis://app:app-secret@127.0.0.1:{}/", redis.port())).await;
    let app = Instance::of(&app);
    let first = app.log_in("ada").await;
    let (status, body) = app.refresh(&first.refresh).await;
    assert_eq!(status, 200, "{body}");
    let current = Session::of(&body);
    assert_eq!(app.refresh(&first.refresh).await.0, 503, "the session cannot be revoked");
    assert_eq!(app.me(&current.access).await, 200, "nothing was revoked");
    let (status, body) = app.refresh(&current.refresh).await;
    assert_eq!(status, 200, "nor was the session ended: {body}");
    let latest = Session::of(&body);
    redis.run(&["ACL", "SETUSER", "app", "+zadd"]).await;
    let (status, body) = app.refresh(&first.refresh).await;
    let reused = json!("the refresh token was used before; its session is revoked");
    assert_eq!((status, body["error_description"].clone()), (400, reused), "the reuse, presented again");
    assert_eq!(app.me(&latest.access).await, 401, "the session's tokens are revoked");
    let (status, body) = app.refresh(&latest.refresh).await;
    assert_eq!((status, body["error_description"].clone()), (400, json!("the refresh token's session has ended")));
}

/// An instance that cannot follow the others reads the store's
/// revocations at each refresh, before it rotates the token: when Redis
/// cannot answer that read, the refresh is 503 and spends nothing, so the
/// client's retry refreshes the session rather than end it as a reuse.
#[rocket::async_test]
async fn a_refresh_that_cannot_read_the_revocations_spends_no_token() {
    refresh_denied_then_retried("-subscribe", "zrangebyscore").await;
}

/// Redis undoes none of a script's writes when a later command of it
/// fails: a rotation that fails midway (here, the family's list of tokens
/// cannot be pushed to) leaves the presented token current, so that the
/// client's retry rotates it, rather than take it for a reuse.
#[rocket::async_test]
async fn a_rotation_that_fails_midway_spends_no_token() {
    refresh_denied_then_retried("+@all", "rpush").await;
}

/// Logs in at an instance whose Redis user has `+@all` and `rights`, then
/// refreshes while Redis denies it `command` (503), and again once it
/// allows it: the retry, with the same refresh token, must refresh.
async fn refresh_denied_then_retried(rights: &str, command: &str) {
    let redis = RedisServer::start().await;
    redis.run(&["ACL", "SETUSER", "app", "on", ">app-secret", "~*", "&*", "+@all", rights]).await;
    let app = Instance::of(&instance_at(&format!("redis://app:app-secret@127.0.0.1:{}/", redis.port())).await);
    let session = app.log_in("ada").await;
    redis.run(&["ACL", "SETUSER", "app", &format!("-{command}")]).await;
    let (status, body) = app.refresh(&session.refresh).await;
    assert_eq!(status, 503, "without {command}: {body}");
    redis.run(&["ACL", "SETUSER", "app", &format!("+{command}")]).await;
    let (status, body) = app.refresh(&session.refresh).await;
    assert_eq!(status, 200, "the retry refreshes: {body}");
}

#[rocket::async_test]
async fn an_instance_that_cannot_follow_the_others_asks_redis_whether_a_user_was_logged_out_everywhere() {
    let redis = RedisServer::start().await;
    // Instance B may do everything but subscribe to the revocations.
    redis.run(&["ACL", "SETUSER", "b", "on", ">b-secret", "~*", "&*", "+@all", "-subscribe"]).await;
    let (a, b) =
        (instance(&redis).await, instance_at(&format!("redis://b:b-secret@127.0.0.1:{}/", redis.port())).await);
    let (a, b) = (Instance::of(&a), Instance::of(&b));
    let session = b.log_in("ada").await;
    assert_eq!(a.post("/logout-everywhere/ada", json!({})).await.0, 200);
    // Time enough to hear of it, for an instance that follows.
    sleep(Duration::from_millis(200)).await;
    assert_eq!(b.me(&session.access).await, 200, "B did not hear of the logout");
    let (status, body) = b.refresh(&session.refresh).await;
    assert_eq!(
        (status, body["error_description"].clone()),
        (400, json!("the refresh token's session has ended")),
        "B never heard of the logout, but Redis has it"
    );
}
