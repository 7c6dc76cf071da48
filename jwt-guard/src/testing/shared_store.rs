//! [`check_shared_token_store`]: what a [`TokenStore`] that several
//! processes share must do besides, through its
//! [`follow`](TokenStore::follow).

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};

use super::store::run_id;
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
/// every kind (a token, a session and a subject of the built-in issuer,
/// and a token, a session and a subject of another issuer, each still
/// told apart by its `iss`); and it runs on, rather than returning. Each
/// revocation, and each write through `elsewhere`, may take up to 10 s.
/// It panics, naming the broken promise.
///
/// The two handles must act as two processes would: a store that skips
/// the notifications of its own process must be given handles that it
/// takes for two. A connection lost and regained, and the
/// [`lost`](RevocationFeed::lost) it reports meanwhile, are not checked:
/// a test of the store's own cuts the connection. [`check_token_store`]
/// checks the rest of the trait, with either handle. Every id it uses is
/// random, so it can run against a store that holds other data.
///
/// [`check_token_store`]: super::check_token_store
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
    let run = Run::new(elsewhere);
    // Made, and stored, before `follow` starts: it can arrive by the
    // reload only.
    let earlier = format!("{}-earlier-jti", run.id);
    run.revoke(Revoked::Token(earlier.clone())).await;
    let held = Arc::new(Revocations::new(Some(run.built_in.clone()), false));
    let following = pin!(here.follow(RevocationFeed::new(Arc::clone(&held))));
    let checks = pin!(async {
        let loaded = "a revocation made before `follow` started is reloaded once it is connected";
        held_within(&held, &run.token(&run.built_in, Id::Jti(&earlier)), loaded).await;
        revocations_made_while_following_arrive(&run, &held).await;
    });
    if let Either::Right(((), _)) = select(checks, following).await {
        panic!(
            "`follow` returned: a store that processes share must report the others' revocations for as long as \
             its future runs"
        );
    }
}

/// One run of the check: its random ids, the two `iss` its tokens carry,
/// and the handle it revokes through.
struct Run<'a> {
    id: String,
    now: u64,
    /// The built-in issuer's `iss`, as the feed's revocations know it.
    built_in: String,
    /// Another issuer's.
    provider: String,
    elsewhere: &'a dyn TokenStore,
}

impl<'a> Run<'a> {
    fn new(elsewhere: &'a dyn TokenStore) -> Self {
        let id = run_id();
        let (built_in, provider) = (format!("https://{id}.example"), format!("https://idp.{id}.example"));
        Self { now: clock::unix_now_secs(), built_in, provider, elsewhere, id }
    }

    /// Revokes `revoked` for a minute through `elsewhere`.
    async fn revoke(&self, revoked: Revoked) {
        let revocation = Revocation { revoked, until: self.now + 60 };
        match tokio::time::timeout(PATIENCE, self.elsewhere.revoke(&revocation)).await {
            Ok(stored) => stored.expect("a revocation is stored"),
            Err(_) => panic!("a revocation is stored: no answer after {PATIENCE:?}"),
        }
    }

    /// The claims of a token of `iss` with the one `id`, issued a second
    /// ago.
    fn token<'t>(&'t self, iss: &'t str, id: Id<'t>) -> Registered<'t> {
        let (jti, sid, sub) = match id {
            Id::Jti(jti) => (Some(jti), None, None),
            Id::Sid(sid) => (None, Some(sid), None),
            Id::Sub(sub) => (None, None, Some(sub)),
        };
        Registered { iss: Some(iss), jti, sid, sub, iat: Some(self.now as f64 - 1.0), ..Default::default() }
    }
}

/// The id that a probe token is revoked by.
#[derive(Clone, Copy)]
enum Id<'a> {
    Jti(&'a str),
    Sid(&'a str),
    Sub(&'a str),
}

/// Revokes one of each kind through the run's other handle while `held`'s
/// feed is followed, and waits for each to be held.
async fn revocations_made_while_following_arrive(run: &Run<'_>, held: &Revocations) {
    let id = |what: &str| format!("{}-{what}", run.id);
    let (jti, sid, sub) = (id("jti"), id("sid"), id("sub"));
    let (issuer_jti, issuer_sid, issuer_sub) = (id("provider-jti"), id("provider-sid"), id("provider-sub"));
    let (here, provider, iss) = (run.built_in.as_str(), run.provider.as_str(), || run.provider.clone());
    let kinds = [
        (Revoked::Token(jti.clone()), here, Id::Jti(&jti), "a token's revocation"),
        (Revoked::Session(sid.clone()), here, Id::Sid(&sid), "a session's revocation"),
        (
            Revoked::Subject { sub: sub.clone(), before: run.now },
            here,
            Id::Sub(&sub),
            "a subject's revocation, with its `before`,",
        ),
        (
            Revoked::IssuerToken { iss: iss(), jti: issuer_jti.clone() },
            provider,
            Id::Jti(&issuer_jti),
            "an issuer's token's revocation, with its `iss`,",
        ),
        (
            Revoked::IssuerSession { iss: iss(), sid: issuer_sid.clone() },
            provider,
            Id::Sid(&issuer_sid),
            "an issuer's session's revocation, with its `iss`,",
        ),
        (
            Revoked::IssuerSubject { iss: iss(), sub: issuer_sub.clone(), before: run.now },
            provider,
            Id::Sub(&issuer_sub),
            "an issuer's subject's revocation, with its `iss` and `before`,",
        ),
    ];
    for (revoked, issuer, id, what) in kinds {
        run.revoke(revoked).await;
        held_within(held, &run.token(issuer, id), &format!("{what} made elsewhere is reported")).await;
    }
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
