//! Outages of the identity provider: one that boots after the API, and one
//! that is down for a minute while requests keep coming. After a failed
//! fetch, retries back off from 1 s to 8 s, the first request that needs
//! keys once the wait is over fetches them itself, and `Retry-After` says
//! how long the wait still is. And a token store that cannot be read at
//! launch: its revocations apply once it can, and an instance that cannot
//! follow the others' still asks the store at each refresh.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jwt_guard::JwtGuard;
use jwt_guard::issuer::{Grant, StaticUsers};
use jwt_guard::store::{
    FamilyRecord, LoginAttempt, LoginThrottle, MemoryStore, Reservation, Revocation, RevocationFeed, Revoked, Rotation,
    RotationOutcome, StoreError, TokenStore,
};
use jwt_guard_tests::{
    AUDIENCE, Behaviour, KeyServer, TestKey, app, app_with_builder, call, claims_for, free_port, mint, now,
    single_issuer,
};
use rocket::http::ContentType;
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use serde_json::json;

use crate::{bearer, login, post, until_accepted, until_refused};

/// What `until_refused` answers for a revoked token.
fn revoked() -> (u16, serde_json::Value) {
    (401, json!("the token has been revoked"))
}

#[rocket::async_test]
async fn a_provider_that_boots_after_the_api_is_used_within_two_seconds_of_answering() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let late = json!({ "issuer": issuer, "audience": AUDIENCE, "jwks_uri": format!("{issuer}/jwks.json") });
    let client = Client::tracked(app(json!({ "issuers": { "late": late } }))).await.expect("launch does not wait");
    let token = bearer(&mint(TestKey::RsaA, &claims_for(&issuer)));
    let waiting = call(&client, "/token", &[&token]).await;
    assert_eq!(waiting.status, 503);
    assert_eq!(waiting.retry_after.as_deref(), Some("1"), "the first retry is at most a second away");
    assert_eq!(
        waiting.body["error_description"],
        "the token issuer's signing keys cannot be fetched right now; retry later"
    );

    // Between two retries, about 1 s and 3 s after launch: not right
    // after one, which would be waited out in full, and the bound below
    // met by a few milliseconds only.
    sleep(Duration::from_secs(2)).await;
    let server = KeyServer::start_on(port, &[TestKey::RsaA]).await;
    let waited = until_accepted(&client, &token, Duration::from_secs(10)).await.expect("the token is accepted");
    eprintln!("the provider answered; its tokens were accepted {waited:?} later");
    assert!(waited < Duration::from_secs(2), "accepted {waited:?} after the provider answered");
    assert!(server.jwks_hits() >= 1);
}

#[rocket::async_test]
async fn a_provider_down_for_a_minute_is_asked_at_most_twelve_times_and_used_within_ten_seconds_of_its_return() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    server.set_behaviour(Behaviour::Status(503));
    let client = Client::tracked(app(single_issuer(&server))).await.unwrap();
    let token = bearer(&mint(TestKey::RsaA, &claims_for(server.base())));
    let mut waits = BTreeSet::new();
    let down_until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < down_until {
        let response = call(&client, "/token", &[&token]).await;
        assert_eq!(response.status, 503);
        let wait = response.retry_after.expect("a `Retry-After`").parse::<u64>().expect("whole seconds");
        waits.insert(wait);
        sleep(Duration::from_millis(100)).await;
    }
    let fetches = server.jwks_hits();
    eprintln!("a provider down for 60 s was asked {fetches} times; `Retry-After` took the values {waits:?}");
    assert!((8..=12).contains(&fetches), "{fetches} fetches in 60 s: backing off to every 8 s, never giving up");
    assert_eq!((waits.first(), waits.last()), (Some(&1), Some(&8)), "the real wait, from 1 s up to 8 s");

    server.set_behaviour(Behaviour::Serve);
    let waited = until_accepted(&client, &token, Duration::from_secs(15)).await.expect("the token is accepted");
    eprintln!("the provider came back; its tokens were accepted {waited:?} later");
    assert!(waited < Duration::from_secs(10), "accepted {waited:?} after the provider came back");
}

/// A store in memory whose revocations cannot be read while it is `down`,
/// and which follows other instances' revocations as `following` says.
struct UnreadableAtFirst {
    store: Arc<MemoryStore>,
    down: Arc<AtomicBool>,
    following: Following,
}

/// How a store follows other instances' revocations.
enum Following {
    /// It is the only one: nothing to follow.
    Alone,
    /// It cannot: its feed reports it lost touch, at once.
    Unable,
    /// Its first follower panics (an app's store with a bug); the next
    /// hears that another instance made this revocation.
    PanicsOnceThenHears(Revocation, AtomicBool),
}

#[jwt_guard::async_trait]
impl TokenStore for UnreadableAtFirst {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        self.store.revoke(revocation).await
    }

    async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::new("the database is not up yet"));
        }
        self.store.revocations(now).await
    }

    async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError> {
        self.store.start_family(family, token_hash).await
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError> {
        self.store.rotate(rotation).await
    }

    async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        self.store.end_family_of(token_hash, until).await
    }

    async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        self.store.end_family(id, until).await
    }

    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError> {
        self.store.reserve_attempt(key, now, throttle).await
    }

    async fn release_attempt(
        &self,
        key: &str,
        reservation: Reservation,
        throttle: LoginThrottle,
    ) -> Result<(), StoreError> {
        self.store.release_attempt(key, reservation, throttle).await
    }

    async fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        self.store.forget_failures(key).await
    }

    async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError> {
        self.store.use_once(key, now, expires_at).await
    }

    async fn follow(&self, feed: RevocationFeed) {
        match &self.following {
            Following::Alone => return,
            Following::Unable => feed.lost(),
            Following::PanicsOnceThenHears(revocation, panicked) => {
                if !panicked.swap(true, Ordering::SeqCst) {
                    panic!("the follower's bug, the first time");
                }
                feed.revoked(revocation);
            }
        }
        std::future::pending::<()>().await;
    }
}

#[rocket::async_test]
async fn revocations_that_cannot_be_read_at_launch_apply_once_the_store_answers() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let (store, token) = (Arc::new(MemoryStore::new()), revoked_elsewhere(&server).await);
    store.revoke(&token.1).await.unwrap();
    let down = Arc::new(AtomicBool::new(true));
    let fairing =
        JwtGuard::fairing().store(UnreadableAtFirst { store, down: Arc::clone(&down), following: Following::Alone });
    let client = Client::tracked(app_with_builder(single_issuer(&server), fairing)).await.unwrap();
    assert_eq!(call(&client, "/token", &[&token.0]).await.status, 200, "not known yet: the store cannot be read");
    down.store(false, Ordering::SeqCst);
    assert_eq!(until_refused(&client, &token.0, Duration::from_secs(4)).await, revoked(), "applied once it answers");
}

/// A token of `server`, as an `Authorization` value, and its revocation,
/// made by another instance.
async fn revoked_elsewhere(server: &KeyServer) -> (String, Revocation) {
    let mut claims = claims_for(server.base());
    claims["jti"] = json!("logged-out");
    let revocation = Revocation { revoked: Revoked::Token("logged-out".into()), until: (now() + 3600).unsigned_abs() };
    (bearer(&mint(TestKey::RsaA, &claims)), revocation)
}

/// An instance that cannot follow the others' revocations, and whose store
/// could not be read at launch, still asks the store at each refresh
/// whether the user was logged out everywhere once it could read it: the
/// late load does not make it take itself for up to date.
#[rocket::async_test]
async fn an_instance_that_loads_late_and_cannot_follow_still_asks_the_store_at_refresh() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let (store, down) = (Arc::new(MemoryStore::new()), Arc::new(AtomicBool::new(true)));
    // Another instance revoked a token, which tells when this one has loaded.
    let token = revoked_elsewhere(&server).await;
    store.revoke(&token.1).await.unwrap();
    let unfollowable =
        UnreadableAtFirst { store: Arc::clone(&store), down: Arc::clone(&down), following: Following::Unable };
    let users = StaticUsers::new().user("ada", "abcxyz", Grant::new("ada"));
    let mut config = single_issuer(&server);
    config["local"] = json!({ "refresh_expires_in": 3600 });
    let fairing = JwtGuard::fairing().login(users).store(unfollowable);
    let client = Client::tracked(app_with_builder(config, fairing)).await.unwrap();
    let (status, session) = login(&client, "ada", "abcxyz").await;
    assert_eq!(status, 200, "{session}");
    down.store(false, Ordering::SeqCst);
    assert_eq!(until_refused(&client, &token.0, Duration::from_secs(4)).await, revoked(), "loaded once it answers");
    // Another instance logs ada out everywhere; this one does not hear of it.
    let everywhere = Revoked::Subject { sub: "ada".into(), before: (now() + 1).unsigned_abs() };
    store.revoke(&Revocation { revoked: everywhere, until: (now() + 3600).unsigned_abs() }).await.unwrap();
    let refresh_token = session["refresh_token"].as_str().unwrap();
    let (status, body) =
        post(&client, "/auth/refresh", ContentType::Form, &format!("refresh_token={refresh_token}")).await;
    assert_eq!(
        (status, body["error_description"].clone()),
        (400, json!("the refresh token's session has ended")),
        "the store has the logout"
    );
}

/// A store whose follower panics (an app's store with a bug): the upkeep
/// logs it and starts the follower again, which then hears the other
/// instances' revocations.
#[rocket::async_test]
async fn a_follower_that_panics_is_started_again() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let token = revoked_elsewhere(&server).await;
    let following = Following::PanicsOnceThenHears(token.1, AtomicBool::new(false));
    let store = UnreadableAtFirst { store: Arc::default(), down: Arc::default(), following };
    let client =
        Client::tracked(app_with_builder(single_issuer(&server), JwtGuard::fairing().store(store))).await.unwrap();
    assert_eq!(until_refused(&client, &token.0, Duration::from_secs(4)).await, revoked(), "heard after the restart");
}
