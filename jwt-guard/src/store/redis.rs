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
//! the hash tag `{jwt-guard}`, so all keys share one Redis Cluster slot.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::{AsyncCommands as _, IntoConnectionInfo as _, RedisResult, Script};

use super::{
    FamilyRecord, LoginAttempt, LoginThrottle, REMEMBERED_TOKENS, Revocation, RevocationFeed, Rotation,
    RotationOutcome, StoreError, TokenStore,
};
use crate::clock;
use crate::log_limit::LogLimit;

/// What every key starts with.
const PREFIX: &str = "{jwt-guard}:";
/// The sorted set of revocations, scored by their `until`.
const REVOCATIONS: &str = "{jwt-guard}:revocations";
/// The channel that revocations are published on as they are made.
const CHANNEL: &str = "{jwt-guard}:revoked";
/// The first wait before the follower reconnects, after a connection
/// that followed the channel, or its first attempt, failed.
const FIRST_RECONNECT_WAIT: Duration = Duration::from_millis(100);
/// The longest wait between two attempts to reconnect the follower.
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(5);
/// How long the follower hears nothing before it asks Redis for a `PING`.
const FOLLOWER_HEARTBEAT: Duration = Duration::from_secs(1);
/// How long a connection, or an answer to a command, may take.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long after a failed attempt to make the shared connection the
/// operations fail at once, without another attempt: what the 503's
/// `Retry-After` says.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);
/// The latest `until` kept as it is: a sorted set's score is a double,
/// exact up to 2^53, and Redis answers a larger one in exponent form.
const LATEST_UNTIL: u64 = 1 << 53;

/// Rotates a refresh token, atomically: the steps of
/// `FamilyState::step` and `FamilyState::after`, in Lua, and the family's
/// list of the tokens it remembers, whose oldest beyond the last
/// `REMEMBERED_TOKENS` are forgotten; a reuse revokes the family's
/// session, as `revoke` does (the member written as serde writes a
/// `Revoked::Session`), and then ends the family. Redis undoes none of a
/// script's writes when a later command fails: each script writes the
/// revocation first, so that a failure leaves the family alive, and the
/// step to be taken again. KEYS: the presented token's key, the
/// revocations' key. ARGV: presented hash, next hash, now, grace, the
/// prefix of family keys, the prefix of token keys, the prefix of the
/// lists, `REMEMBERED_TOKENS`, until when a reuse revokes the session, the
/// revocations' channel.
const ROTATE: &str = r#"
local id = redis.call('GET', KEYS[1])
if not id then return {'unknown'} end
local family = ARGV[5] .. id
local f = redis.call('HMGET', family, 'subject', 'grant', 'created_at', 'expires_at', 'current', 'previous',
                     'rotated_at', 'ended')
local now, grace = tonumber(ARGV[3]), tonumber(ARGV[4])
if not f[1] or tonumber(f[4]) <= now then return {'unknown'} end
local record = {id, f[1], f[2], f[3], f[4]}
if f[8] == '1' then return {'ended', unpack(record)} end
local retry = f[6] == ARGV[1] and now <= tonumber(f[7]) + grace
if f[5] == ARGV[1] or (grace > 0 and retry) then
  if f[5] == ARGV[1] then
    redis.call('HSET', family, 'current', ARGV[2], 'previous', ARGV[1], 'rotated_at', ARGV[3])
  else
    redis.call('HSET', family, 'current', ARGV[2])
  end
  redis.call('SET', ARGV[6] .. ARGV[2], id, 'EXAT', f[4])
  local issued = ARGV[7] .. id
  redis.call('RPUSH', issued, ARGV[2])
  redis.call('EXPIREAT', issued, f[4])
  for _ = 1, redis.call('LLEN', issued) - tonumber(ARGV[8]) do
    redis.call('DEL', ARGV[6] .. redis.call('LPOP', issued))
  end
  return {'rotated', unpack(record)}
end
local member = cjson.encode({session = id})
redis.call('ZADD', KEYS[2], 'GT', ARGV[9], member)
redis.call('PUBLISH', ARGV[10], '{"revoked":' .. member .. ',"until":' .. ARGV[9] .. '}')
redis.call('HSET', family, 'ended', '1')
return {'reused', unpack(record)}
"#;

/// Ends a family, if it is known, answering its record, and revokes its
/// session, as `revoke` does. KEYS: the family's key, the revocations'
/// key. ARGV: the session's revocation's until, its member, the channel,
/// the message.
const END_FAMILY: &str = r"
redis.call('ZADD', KEYS[2], 'GT', ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'subject', 'grant', 'created_at', 'expires_at')
if not f[1] then return {} end
redis.call('HSET', KEYS[1], 'ended', '1')
return {f[1], f[2], f[3], f[4]}
";

/// Reserves a login attempt: the twin of `LoginThrottle::reserve`. KEYS:
/// the key of the count. ARGV: now, and the throttle's `after`, `longest`
/// and `forget_after`. Answers the wait, or 0 when the attempt is counted.
/// Redis forgets the count `forget` seconds from now by its own clock, so
/// that a clock of the instance behind Redis's forgets no failure early.
const RESERVE_ATTEMPT: &str = r"
local now, after, longest, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'count', 'last', 'forget_at')
local count, last = tonumber(f[1] or '0'), tonumber(f[2] or '0')
if tonumber(f[3] or '0') <= now then count = 0 end
if after > 0 and count >= after then
  local wait = math.min(2 ^ math.min(count - after, 63), longest)
  if now < last + wait then return last + wait - now end
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now, 'forget_at', now + forget)
redis.call('EXPIRE', KEYS[1], forget)
return 0
";

/// Takes back a reserved attempt. KEYS: the key of the count.
const RELEASE_ATTEMPT: &str = r"
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if count > 0 then redis.call('HSET', KEYS[1], 'count', count - 1) end
return 0
";

/// The scripts, hashed once; Redis runs them by hash, loading them when
/// it does not know them yet.
struct Scripts {
    rotate: Script,
    end_family: Script,
    reserve_attempt: Script,
    release_attempt: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    rotate: Script::new(ROTATE),
    end_family: Script::new(END_FAMILY),
    reserve_attempt: Script::new(RESERVE_ATTEMPT),
    release_attempt: Script::new(RELEASE_ATTEMPT),
});

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
    /// others wait for it, within [`ANSWER_TIMEOUT`].
    connecting: tokio::sync::Mutex<()>,
    /// The latest generation of the shared connection found stale (0:
    /// none): an operation on it got no answer in time, or the follower's
    /// own connection went silent. redis-rs replaces a connection on
    /// errors, not on timeouts: a stale one is made anew at its next use.
    /// A late timeout of an older one leaves a newer one be.
    stale: AtomicU64,
}

/// The shared connection, if made, and how many were made: its
/// generation; and when the last attempt to make it failed.
#[derive(Debug, Default)]
struct SharedConnection {
    connection: Option<ConnectionManager>,
    generation: u64,
    failed_at: Option<Instant>,
}

/// The shared connection's state, for a moment: never across an await.
fn lock(shared: &Mutex<SharedConnection>) -> MutexGuard<'_, SharedConnection> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://host:port/db`, or `rediss://`
    /// with TLS); it connects at its first use.
    ///
    /// # Errors
    ///
    /// Why `url` is not a Redis URL.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let info = url.into_connection_info().map_err(|error| failed("opening", &error))?;
        let client =
            redis::Client::open(info.set_tcp_settings(tcp_settings())).map_err(|error| failed("opening", &error))?;
        let (shared, connecting) = (Mutex::default(), tokio::sync::Mutex::default());
        Ok(Self { client, shared, connecting, stale: AtomicU64::new(0) })
    }

    /// The shared connection and its generation; made anew, within
    /// [`ANSWER_TIMEOUT`], where none is held or the one held is stale.
    /// One operation makes it, and the others wait for it; for a
    /// [`RECONNECT_PAUSE`] after it failed, they fail at once, rather than
    /// wait their turn to time out one after the other while Redis is
    /// away.
    async fn connection(&self) -> Result<(ConnectionManager, u64), StoreError> {
        if let Some(held) = self.held_connection()? {
            return Ok(held);
        }
        let waited = tokio::time::timeout(ANSWER_TIMEOUT, self.connecting.lock()).await;
        let _connecting =
            waited.map_err(|_| StoreError(format!("Redis: connecting: no answer within {ANSWER_TIMEOUT:?}")))?;
        // Made, or failed, while this one waited.
        if let Some(held) = self.held_connection()? {
            return Ok(held);
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(ANSWER_TIMEOUT))
            .set_response_timeout(Some(ANSWER_TIMEOUT));
        let made = answered("connecting", self.client.get_connection_manager_with_config(config)).await;
        let mut shared = lock(&self.shared);
        let connection = made.inspect_err(|_| shared.failed_at = Some(Instant::now()))?;
        shared.failed_at = None;
        shared.generation += 1;
        shared.connection = Some(connection.clone());
        Ok((connection, shared.generation))
    }

    /// The shared connection and its generation, if one is held and not
    /// stale; an error if the last attempt to make it failed within a
    /// [`RECONNECT_PAUSE`].
    fn held_connection(&self) -> Result<Option<(ConnectionManager, u64)>, StoreError> {
        let shared = lock(&self.shared);
        if let Some(connection) = &shared.connection
            && self.stale.load(Ordering::Relaxed) < shared.generation
        {
            return Ok(Some((connection.clone(), shared.generation)));
        }
        if shared.failed_at.is_some_and(|at| at.elapsed() < RECONNECT_PAUSE) {
            return Err(StoreError("Redis: connecting: not reached a moment ago; trying again shortly".into()));
        }
        Ok(None)
    }

    /// Finds the shared connection of `generation` stale.
    fn mark_stale(&self, generation: u64) {
        self.stale.fetch_max(generation, Ordering::Relaxed);
    }

    /// The error of an operation on the shared connection of `generation`,
    /// doing `what`; one that got no answer in time leaves it stale.
    fn failed_on_shared(&self, generation: u64, what: &str, error: &redis::RedisError) -> StoreError {
        if error.is_timeout() {
            self.mark_stale(generation);
        }
        failed(what, error)
    }

    /// The answer of `operation`, doing `what`, on the shared connection
    /// (see [`RedisStore::failed_on_shared`]).
    async fn on_shared<T, F>(&self, what: &str, operation: impl FnOnce(ConnectionManager) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let (connection, generation) = self.connection().await?;
        operation(connection).await.map_err(|error| self.failed_on_shared(generation, what, &error))
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

    /// Follows the revocation channel on one connection until it is lost,
    /// or silent past a heartbeat; notes in `followed` that it got as far
    /// as following it.
    async fn follow_once(&self, feed: &RevocationFeed, followed: &mut bool) -> Result<(), StoreError> {
        let pubsub = answered("subscribing", self.client.get_async_pubsub()).await?;
        let (mut sink, mut messages) = pubsub.split();
        answered("subscribing", sink.subscribe(CHANNEL)).await?;
        let (mut connection, generation) = self.connection().await?;
        let live = Self::live_revocations(&mut connection, clock::unix_now_secs()).await;
        feed.reload(&live.map_err(|error| self.failed_on_shared(generation, "listing revocations", &error))?);
        *followed = true;
        log::info!("jwt-guard: following the revocations of the Redis token store");
        loop {
            let Ok(heard) = tokio::time::timeout(FOLLOWER_HEARTBEAT, messages.next()).await else {
                if let Err(silent) = answered("a heartbeat", sink.ping::<redis::Value>()).await {
                    // The shared connection may be as silent.
                    self.mark_stale(generation);
                    return Err(silent);
                }
                continue;
            };
            let Some(message) = heard else { return Err(StoreError("the connection to Redis was lost".into())) };
            let payload: String = message.get_payload().unwrap_or_default();
            match serde_json::from_str::<Revocation>(&payload) {
                Ok(revocation) => feed.revoked(&revocation),
                Err(_) => log::warn!("jwt-guard: a message on the revocation channel is not a revocation"),
            }
        }
    }
}

/// The TCP settings of every connection: keepalives after 10 seconds of
/// quiet, and at most 10 seconds for a write to be acknowledged, so that
/// the kernel ends a connection whose other end is gone.
fn tcp_settings() -> TcpSettings {
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(10)).with_interval(Duration::from_secs(5));
    let settings = TcpSettings::default().set_nodelay(true).set_keepalive(keepalive);
    #[cfg(target_os = "linux")]
    let settings = settings.set_user_timeout(Duration::from_secs(10));
    settings
}

/// The wait before the follower's next attempt, after one that
/// `followed` the channel or not, and that came `last_wait` after the one
/// before it: the first wait after a first failure and after a connection
/// that followed (its loss is a new outage), twice the last, up to the
/// longest, after a failure that follows failures.
fn reconnect_wait(last_wait: Option<Duration>, followed: bool) -> Duration {
    match last_wait {
        Some(last) if !followed => (last * 2).min(LONGEST_RECONNECT_WAIT),
        _ => FIRST_RECONNECT_WAIT,
    }
}

/// The answer to `command`, doing `what`, within [`ANSWER_TIMEOUT`].
async fn answered<T>(what: &str, command: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, command).await {
        Ok(answer) => answer.map_err(|error| failed(what, &error)),
        Err(_) => Err(StoreError(format!("Redis: {what}: no answer within {ANSWER_TIMEOUT:?}"))),
    }
}

fn failed(what: &str, error: &redis::RedisError) -> StoreError {
    StoreError(format!("Redis: {what}: {error}"))
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
        let mut last_wait = None;
        // While Redis stays away, one line a minute; at once again after
        // it was followed.
        let mut failures_logged = LogLimit::new();
        loop {
            let mut followed = false;
            let outcome = self.follow_once(&feed, &mut followed).await;
            let wait = reconnect_wait(last_wait, followed);
            last_wait = Some(wait);
            if followed {
                failures_logged = LogLimit::new();
            }
            if let Err(error) = outcome {
                feed.lost();
                if let Some(held_back) = failures_logged.allow() {
                    log::error!(
                        "jwt-guard: {error}; requests are checked against the revocations held, and new ones \
                         from other instances arrive once it reconnects (next try in {wait:?}){held_back}"
                    );
                }
            }
            tokio::time::sleep(wait).await;
        }
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
        let wait: u64 = self
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
        Ok(if wait == 0 { LoginAttempt::Reserved } else { LoginAttempt::Wait(wait) })
    }

    async fn release_attempt(&self, key: &str) -> Result<(), StoreError> {
        self.on_shared("releasing a login attempt", |mut connection| async move {
            SCRIPTS.release_attempt.key(failures_key(key)).invoke_async::<()>(&mut connection).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_follower_backs_off_while_it_cannot_follow_and_starts_over_once_it_did() {
        let mut last_wait = None;
        let mut waits = Vec::new();
        for _ in 0..8 {
            let wait = reconnect_wait(last_wait, false);
            waits.push(wait.as_millis());
            last_wait = Some(wait);
        }
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(reconnect_wait(last_wait, true), FIRST_RECONNECT_WAIT, "a new outage starts over");
    }
}
