//! The connection that every operation of [`RedisStore`] but the
//! follower's shares: made at the first use, made anew once it went stale,
//! and every answer on it awaited within [`ANSWER_TIMEOUT`].

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};

use super::RedisStore;
use crate::store::StoreError;

/// How long a connection, or an answer to a command, may take.
pub(super) const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long after a failed attempt to make the shared connection the
/// operations fail at once, without another attempt: what the 503's
/// `Retry-After` says.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// The shared connection, if made, and how many were made: its
/// generation; and when the last attempt to make it failed.
#[derive(Debug, Default)]
pub(super) struct SharedConnection {
    connection: Option<ConnectionManager>,
    generation: u64,
    failed_at: Option<Instant>,
}

/// The shared connection's state, for a moment: never across an await.
fn lock(shared: &Mutex<SharedConnection>) -> MutexGuard<'_, SharedConnection> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisStore {
    /// The shared connection and its generation; made anew, within
    /// [`ANSWER_TIMEOUT`], where none is held or the one held is stale.
    /// One operation makes it, and the others wait for it; for a
    /// [`RECONNECT_PAUSE`] after it failed, they fail at once, rather than
    /// wait their turn to time out one after the other while Redis is
    /// away.
    pub(super) async fn connection(&self) -> Result<(ConnectionManager, u64), StoreError> {
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
    pub(super) fn mark_stale(&self, generation: u64) {
        self.stale.fetch_max(generation, Ordering::Relaxed);
    }

    /// The error of an operation on the shared connection of `generation`,
    /// doing `what`; one that got no answer in time leaves it stale.
    pub(super) fn failed_on_shared(&self, generation: u64, what: &str, error: &redis::RedisError) -> StoreError {
        if error.is_timeout() {
            self.mark_stale(generation);
        }
        failed(what, error)
    }

    /// The answer of `operation`, doing `what`, on the shared connection
    /// (see [`RedisStore::failed_on_shared`]).
    pub(super) async fn on_shared<T, F>(
        &self,
        what: &str,
        operation: impl FnOnce(ConnectionManager) -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let (connection, generation) = self.connection().await?;
        operation(connection).await.map_err(|error| self.failed_on_shared(generation, what, &error))
    }
}

/// The TCP settings of every connection: keepalives after 10 seconds of
/// quiet, and at most 10 seconds for a write to be acknowledged, so that
/// the kernel ends a connection whose other end is gone.
pub(super) fn tcp_settings() -> TcpSettings {
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(10)).with_interval(Duration::from_secs(5));
    let settings = TcpSettings::default().set_nodelay(true).set_keepalive(keepalive);
    #[cfg(target_os = "linux")]
    let settings = settings.set_user_timeout(Duration::from_secs(10));
    settings
}

/// The answer to `command`, doing `what`, within [`ANSWER_TIMEOUT`].
pub(super) async fn answered<T>(what: &str, command: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, command).await {
        Ok(answer) => answer.map_err(|error| failed(what, &error)),
        Err(_) => Err(StoreError(format!("Redis: {what}: no answer within {ANSWER_TIMEOUT:?}"))),
    }
}

pub(super) fn failed(what: &str, error: &redis::RedisError) -> StoreError {
    StoreError(format!("Redis: {what}: {error}"))
}
