//! [`RedisStore`]: token state in Redis (feature `redis`), shared by a
//! fleet of instances.
//!
//! Revocations are a sorted set scored by expiry, and each is published
//! on a channel as it is made, in the same transaction: every instance
//! follows the channel into its in-process mirror, and reloads the whole
//! set after each (re)connection, so what it missed while cut off is held
//! once it is back. A connection that dies without a word (a crashed
//! host, a firewall or NAT that forgets an idle flow) is found out: TCP
//! keepalives and a bound on unacknowledged writes make the kernel end it,
//! and the follower, which only listens, asks Redis for a `PING` after a
//! second of silence and reconnects when none comes back, making the
//! shared connection anew too; so does an operation on the shared
//! connection that got no answer in time (redis-rs replaces a connection
//! on errors, not on timeouts). Families, their tokens' hashes and failed
//! logins are keys that expire with them; a rotation is one Lua script, so
//! of two instances rotating one token at once, one wins. Every key holds
//! the hash tag `{jwt-guard}`, so that all would share one slot; but the
//! store speaks to one Redis server (6.2 or later), not to a Cluster,
//! whose redirections it does not follow.

mod connection;
mod follower;
mod scripts;

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use redis::{AsyncCommands as _, ConnectionAddr, ConnectionInfo, IntoConnectionInfo as _, RedisResult};

use self::connection::{SharedConnection, failed, tcp_settings};
use self::scripts::SCRIPTS;
use super::{
    FamilyRecord, LoginAttempt, LoginFailures, LoginThrottle, REMEMBERED_TOKENS, Reservation, Revocation,
    RevocationFeed, Rotation, RotationOutcome, StoreError, TokenStore,
};
use crate::loopback::is_loopback_host;

/// What every key starts with.
const PREFIX: &str = "{jwt-guard}:";
/// The sorted set of revocations, scored by their `until`.
const REVOCATIONS: &str = "{jwt-guard}:revocations";
/// The channel that revocations are published on as they are made.
const CHANNEL: &str = "{jwt-guard}:revoked";
/// The latest `until` kept as it is: a sorted set's score is a double,
/// exact up to 2^53, and Redis answers a larger one in exponent form.
const LATEST_UNTIL: u64 = 1 << 53;

/// A [`TokenStore`] in Redis, for a fleet of instances.
///
/// It connects at its first use, and again whenever the connection is
/// lost. While Redis cannot be reached, operations fail (logins and
/// refreshes answer 503), and each instance keeps checking requests
/// against the revocations it holds; revocations made meanwhile reach the
/// others when they reconnect.
///
/// ```no_run
/// use jwt_guard::store::RedisStore;
///
/// let store = RedisStore::open("redis://127.0.0.1:6379/")?;
/// # Ok::<(), jwt_guard::store::StoreError>(())
/// ```
#[derive(Debug)]
pub struct RedisStore {
    client: redis::Client,
    /// The connection shared by every operation but the follower's: made
    /// at the first use, and anew after it went stale.
    shared: Mutex<SharedConnection>,
    /// Held by the one operation that makes the shared connection; the
    /// others wait for it, within [`ANSWER_TIMEOUT`](connection::ANSWER_TIMEOUT).
    connecting: tokio::sync::Mutex<()>,
    /// The latest generation of the shared connection found stale (0:
    /// none): an operation on it got no answer in time, or the follower's
    /// own connection went silent. redis-rs replaces a connection on
    /// errors, not on timeouts: a stale one is made anew at its next use.
    /// A late timeout of an older one leaves a newer one be.
    stale: AtomicU64,
}

/// Makes aws-lc-rs the process's TLS provider (rustls), unless the app
/// chose one: redis-rs's TLS connections take the process's, which rustls
/// cannot choose by itself where another crate of the app enables `ring`
/// too (Rocket's `tls` does), and would panic at the first connection.
fn install_crypto_provider() {
    let _chosen_already = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://host:port/db`, or `rediss://`
    /// with TLS); it connects at its first use.
    ///
    /// ```no_run
    /// use jwt_guard::JwtGuard;
    /// use jwt_guard::store::RedisStore;
    ///
    /// // Every instance of the fleet on one Redis, over TLS, with a password:
    /// let store = RedisStore::open("rediss://:s3cret@redis.internal:6380/0")?;
    /// let rocket = rocket::build().attach(JwtGuard::fairing().store(store));
    /// # Ok::<(), jwt_guard::store::StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Why `url` is not a Redis URL.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::with_client(url, redis::Client::open)
    }

    /// A store on the Redis at `url`, a `rediss://` URL, whose server's
    /// certificate is checked against the CA certificates `ca_pem` (PEM)
    /// instead of the system's: a Redis with a certificate of a private
    /// CA. It connects at its first use.
    ///
    /// ```no_run
    /// use jwt_guard::store::RedisStore;
    ///
    /// let ca_pem = std::fs::read("/etc/ssl/redis-ca.pem")?;
    /// let store = RedisStore::open_trusting("rediss://redis.internal:6380/", &ca_pem)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Why `url` is not a Redis URL, or `ca_pem` holds no certificate.
    pub fn open_trusting(url: &str, ca_pem: &[u8]) -> Result<Self, StoreError> {
        let certificates = redis::TlsCertificates { client_tls: None, root_cert: Some(ca_pem.to_vec()) };
        Self::with_client(url, |info| redis::Client::build_with_tls(info, certificates))
    }

    /// A store on the Redis at `url`, through the client that `client_of`
    /// makes for its connection settings, not connected yet.
    fn with_client(
        url: &str,
        client_of: impl FnOnce(ConnectionInfo) -> RedisResult<redis::Client>,
    ) -> Result<Self, StoreError> {
        if url.starts_with("rediss://") {
            install_crypto_provider();
        }
        let info = url.into_connection_info().map_err(|error| failed("opening", &error))?;
        if let ConnectionAddr::Tcp(host, _) = info.addr()
            && !is_loopback_host(host)
        {
            log::warn!(
                "jwt-guard: the Redis store at {host} is reached over plain `redis://`: sessions and revocations \
                 cross the network unencrypted; use `rediss://` unless that network is trusted"
            );
        }
        let client = client_of(info.set_tcp_settings(tcp_settings())).map_err(|error| failed("opening", &error))?;
        let (shared, connecting) = (Mutex::default(), tokio::sync::Mutex::default());
        Ok(Self { client, shared, connecting, stale: AtomicU64::new(0) })
    }

    /// Every live revocation, on `connection`.
    async fn live_revocations(
        connection: &mut (impl redis::aio::ConnectionLike + Send + Sync),
        now: u64,
    ) -> RedisResult<Vec<Revocation>> {
        let members: Vec<(String, f64)> =
            connection.zrangebyscore_withscores(REVOCATIONS, format!("({now}"), "+inf").await?;
        Ok(members
            .into_iter()
            .filter_map(|(member, until)| {
                // Scores are whole seconds, at most `LATEST_UNTIL`.
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a whole number of seconds"
                )]
                let until = until as u64;
                serde_json::from_str(&member).ok().map(|revoked| Revocation { revoked, until })
            })
            .collect())
    }
}

fn family_key(id: &str) -> String {
    format!("{PREFIX}family:{id}")
}

fn token_key(hash: &str) -> String {
    format!("{PREFIX}token:{hash}")
}

/// The list of the hashes a family remembers, oldest first.
fn issued_key(id: &str) -> String {
    format!("{PREFIX}issued:{id}")
}

fn failures_key(key: &str) -> String {
    format!("{PREFIX}login:{key}")
}

/// A family from the fields a script answers: id, subject, grant,
/// created_at, expires_at.
fn record(fields: &[String]) -> Option<FamilyRecord> {
    let [id, subject, grant, created_at, expires_at] = fields else { return None };
    Some(FamilyRecord {
        id: id.clone(),
        subject: subject.clone(),
        grant: grant.clone(),
        created_at: created_at.parse().ok()?,
        expires_at: expires_at.parse().ok()?,
    })
}

/// A revocation as the sorted set and the channel hold it.
struct Published {
    /// Its `until`, no later than [`LATEST_UNTIL`]: the member's score.
    until: u64,
    /// What it revokes, as JSON: the member, one per token, session or
    /// subject's cutoff.
    member: String,
    /// The whole revocation, as JSON: what followers hear.
    message: String,
}

impl Published {
    fn of(revocation: &Revocation) -> Result<Self, StoreError> {
        let revocation = Revocation { until: revocation.until.min(LATEST_UNTIL), ..revocation.clone() };
        let failed = |error: serde_json::Error| StoreError(error.to_string());
        let member = serde_json::to_string(&revocation.revoked).map_err(failed)?;
        let message = serde_json::to_string(&revocation).map_err(failed)?;
        Ok(Published { until: revocation.until, member, message })
    }
}
#[async_trait::async_trait]
impl TokenStore for RedisStore {
    async fn revoke(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let Published { until, member, message } = Published::of(revocation)?;
        let (member, message) = (&member, &message);
        self.on_shared("revoking", |mut connection| async move {
            redis::pipe()
                .atomic()
                .cmd("ZADD")
                .arg(REVOCATIONS)
                .arg("GT")
                .arg(until)
                .arg(member)
                .ignore()
                .publish(CHANNEL, message)
                .ignore()
                .exec_async(&mut connection)
                .await
        })
        .await
    }

    async fn revocations(&self, now: u64) -> Result<Vec<Revocation>, StoreError> {
        self.on_shared("listing revocations", |mut connection| async move {
            Self::live_revocations(&mut connection, now).await
        })
        .await
    }

    async fn follow(&self, feed: RevocationFeed) {
        self.follow_channel(&feed).await;
    }

    async fn start_family(&self, family: &FamilyRecord, token_hash: &str) -> Result<(), StoreError> {
        let key = family_key(&family.id);
        self.on_shared("starting a family", |mut connection| async move {
            redis::pipe()
                .atomic()
                .hset_multiple(
                    &key,
                    &[
                        ("subject", family.subject.clone()),
                        ("grant", family.grant.clone()),
                        ("created_at", family.created_at.to_string()),
                        ("expires_at", family.expires_at.to_string()),
                        ("current", token_hash.to_owned()),
                        ("rotated_at", family.created_at.to_string()),
                        ("ended", "0".to_owned()),
                    ],
                )
                .ignore()
                .expire_at(&key, i64::try_from(family.expires_at).unwrap_or(i64::MAX))
                .ignore()
                .cmd("SET")
                .arg(token_key(token_hash))
                .arg(&family.id)
                .arg("EXAT")
                .arg(family.expires_at)
                .ignore()
                .rpush(issued_key(&family.id), token_hash)
                .ignore()
                .expire_at(issued_key(&family.id), i64::try_from(family.expires_at).unwrap_or(i64::MAX))
                .ignore()
                .exec_async(&mut connection)
                .await
        })
        .await
    }

    async fn rotate(&self, rotation: &Rotation<'_>) -> Result<RotationOutcome, StoreError> {
        let answer: Vec<String> = self
            .on_shared("rotating", |mut connection| async move {
                SCRIPTS
                    .rotate
                    .key(token_key(rotation.presented))
                    .key(REVOCATIONS)
                    .arg(rotation.presented)
                    .arg(rotation.next)
                    .arg(rotation.now)
                    .arg(rotation.grace)
                    .arg(format!("{PREFIX}family:"))
                    .arg(format!("{PREFIX}token:"))
                    .arg(format!("{PREFIX}issued:"))
                    .arg(REMEMBERED_TOKENS)
                    .arg(rotation.revoked_until.min(LATEST_UNTIL))
                    .arg(CHANNEL)
                    .arg(rotation.idle_timeout.unwrap_or(0))
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        let Some((outcome, fields)) = answer.split_first() else {
            return Err(StoreError("Redis: the rotation answered nothing".into()));
        };
        let family = || record(fields).ok_or_else(|| StoreError("Redis: a family's fields are malformed".into()));
        Ok(match outcome.as_str() {
            "rotated" => RotationOutcome::Rotated(family()?),
            "reused" => RotationOutcome::Reused(family()?),
            "ended" => RotationOutcome::Ended(family()?),
            _ => RotationOutcome::Unknown,
        })
    }

    async fn end_family_of(&self, token_hash: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        // Only read: a token's family is the same for as long as it is
        // known, and the family is ended in one step.
        let id: Option<String> = self
            .on_shared("finding a family", |mut connection| async move { connection.get(token_key(token_hash)).await })
            .await?;
        match id {
            Some(id) => self.end_family(&id, until).await,
            None => Ok(None),
        }
    }

    async fn end_family(&self, id: &str, until: u64) -> Result<Option<FamilyRecord>, StoreError> {
        let Published { until, member, message } = Published::of(&Revocation::of_session(id, until))?;
        let (member, message) = (&member, &message);
        let fields: Vec<String> = self
            .on_shared("ending a family", |mut connection| async move {
                SCRIPTS
                    .end_family
                    .key(family_key(id))
                    .key(REVOCATIONS)
                    .arg(until)
                    .arg(member)
                    .arg(CHANNEL)
                    .arg(message)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let fields: Vec<String> = std::iter::once(id.to_owned()).chain(fields).collect();
        record(&fields).map(Some).ok_or_else(|| StoreError("Redis: a family's fields are malformed".into()))
    }

    async fn reserve_attempt(&self, key: &str, now: u64, throttle: LoginThrottle) -> Result<LoginAttempt, StoreError> {
        let (wait, count, last): (u64, u32, u64) = self
            .on_shared("reserving a login attempt", |mut connection| async move {
                SCRIPTS
                    .reserve_attempt
                    .key(failures_key(key))
                    .arg(now)
                    .arg(throttle.after)
                    .arg(throttle.longest)
                    .arg(throttle.forget_after)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        if wait > 0 {
            return Ok(LoginAttempt::Wait(wait));
        }
        let before = (count > 0).then_some(LoginFailures { count, last });
        Ok(LoginAttempt::Reserved(Reservation { before, counted: LoginFailures { count: count + 1, last: now } }))
    }

    async fn release_attempt(
        &self,
        key: &str,
        reservation: Reservation,
        throttle: LoginThrottle,
    ) -> Result<(), StoreError> {
        let Reservation { before, counted } = reservation;
        let before = before.unwrap_or(LoginFailures { count: 0, last: 0 });
        self.on_shared("releasing a login attempt", |mut connection| async move {
            SCRIPTS
                .release_attempt
                .key(failures_key(key))
                .arg(counted.count)
                .arg(counted.last)
                .arg(before.count)
                .arg(before.last)
                .arg(throttle.forget_after)
                .invoke_async::<()>(&mut connection)
                .await
        })
        .await
    }

    async fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        self.on_shared("forgetting failed logins", |mut connection| async move {
            connection.del::<_, ()>(failures_key(key)).await
        })
        .await
    }

    async fn use_once(&self, key: &str, now: u64, expires_at: u64) -> Result<bool, StoreError> {
        // `SET NX` keeps the first; `EX` lets Redis forget it, so many
        // seconds from now by whichever clock Redis keeps, so that a clock
        // of this process behind Redis's forgets no proof early. A key
        // that expires by `now` is used already, for all Redis knows.
        let lifetime = expires_at.saturating_sub(now).max(1);
        let first: Option<String> = self
            .on_shared("marking a key used", |mut connection| async move {
                let mut set = redis::cmd("SET");
                set.arg(format!("{PREFIX}once:{key}")).arg(1).arg("NX").arg("EX").arg(lifetime);
                set.query_async(&mut connection).await
            })
            .await?;
        Ok(first.is_some())
    }

    async fn sweep(&self, now: u64) -> Result<(), StoreError> {
        self.on_shared("sweeping revocations", |mut connection| async move {
            connection.zrembyscore::<_, _, _, ()>(REVOCATIONS, "-inf", now).await
        })
        .await
    }
}
