//! [`check_shared_token_store`]: what a [`TokenStore`] that several
//! processes share must do besides, through its
//! [`follow`](TokenStore::follow).

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};

use super::store::random_id;
use crate::clock;
use crate::registered::Registered;
use crate::store::revocations::Revocations;
use crate::store::{Revocation, RevocationFeed, Revoked, TokenStore};

/// How long each revocation may take to reach the feed.
const PATIENCE: Duration = Duration::from_secs(10);

/// Checks that `here` and `elsewhere`, two handles on one store that
/// several processes share (two connections to one Redis, say), keep the
/// promise of [`TokenStore::follow`]: `here`'s `follow` reports to its
/// feed the live revocations made `elsewhere` before it started (reloaded
/// once it is connected), and each one made `elsewhere` while it runs, of
/// a token, a session, a subject and an issuer's session; and it runs on,
/// rather than returning. Each revocation may take up to 10 s to arrive.
/// It panics, naming the broken promise.
///
/// [`check_token_store`](super::check_token_store) checks the rest of
/// the trait, with either handle. Every id it uses is random, so it can
/// run against a store that holds other data.
///
/// ```no_run
/// # #[cfg(feature = "redis")]
/// # async fn check() {
/// use jwt_guard::store::RedisStore;
/// use jwt_guard::testing::check_shared_token_store;
///
/// let url = "redis://127.0.0.1:6379";
/// let (here, elsewhere) = (RedisStore::open(url).unwrap(), RedisStore::open(url).unwrap());
/// check_shared_token_store(&here, &elsewhere).await;
/// # }
/// ```
pub async fn check_shared_token_store(here: &dyn TokenStore, elsewhere: &dyn TokenStore) {
    let run = random_id();
    let issuer = format!("https://{run}.example");
    let held = Arc::new(Revocations::new(Some(issuer.clone()), false));
    let following = pin!(here.follow(RevocationFeed::new(Arc::clone(&held))));
    let checks = pin!(revocations_made_elsewhere_arrive(elsewhere, &held, &run, &issuer));
    if let Either::Right(((), _)) = select(checks, following).await {
        panic!(
            "`follow` returned: a store that processes share must report the others' revocations for as long as \
             its future runs"
        );
    }
}

/// Revokes, through `elsewhere`, one token before `held`'s feed is
/// followed and one of each kind after, and waits for each to be held.
async fn revocations_made_elsewhere_arrive(elsewhere: &dyn TokenStore, held: &Revocations, run: &str, issuer: &str) {
    let now = clock::unix_now_secs();
    let revoke = |revoked| async move {
        let revocation = Revocation { revoked, until: now + 60 };
        elsewhere.revoke(&revocation).await.expect("a revocation is stored");
    };
    let claims = |jti, sid, sub| Registered {
        iss: Some(issuer),
        jti,
        sid,
        sub,
        iat: Some(now as f64 - 1.0),
        ..Default::default()
    };

    let earlier = format!("{run}-earlier-jti");
    revoke(Revoked::Token(earlier.clone())).await;
    let loaded = "a revocation made before `follow` started is reloaded once it is connected";
    held_within(held, &claims(Some(&earlier), None, None), loaded).await;

    let jti = format!("{run}-jti");
    revoke(Revoked::Token(jti.clone())).await;
    held_within(held, &claims(Some(&jti), None, None), "a token's revocation made elsewhere is reported").await;
    let sid = format!("{run}-sid");
    revoke(Revoked::Session(sid.clone())).await;
    held_within(held, &claims(None, Some(&sid), None), "a session's revocation made elsewhere is reported").await;
    let sub = format!("{run}-sub");
    revoke(Revoked::Subject { sub: sub.clone(), before: now }).await;
    held_within(held, &claims(None, None, Some(&sub)), "a subject's revocation made elsewhere is reported").await;
    let issuer_sid = format!("{run}-issuer-sid");
    revoke(Revoked::IssuerSession { iss: issuer.to_owned(), sid: issuer_sid.clone() }).await;
    let reported = "an issuer's session's revocation made elsewhere is reported";
    held_within(held, &claims(None, Some(&issuer_sid), None), reported).await;
}

/// Waits until `held` revokes a token with `claims`, polling every 10 ms
/// for at most [`PATIENCE`]; panics with `promise` if it never does.
async fn held_within(held: &Revocations, claims: &Registered<'_>, promise: &str) {
    let started = std::time::Instant::now();
    while !held.revokes(claims) {
        assert!(started.elapsed() < PATIENCE, "{promise}: not held by the feed after {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
