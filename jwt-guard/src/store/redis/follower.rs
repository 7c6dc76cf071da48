//! The follower of [`RedisStore`]: it hears each revocation that another
//! instance makes, as it is published, and reloads them all after each
//! (re)connection; a connection silent past a heartbeat is given up.

use std::time::Duration;

use futures_util::StreamExt as _;

use super::connection::answered;
use super::{CHANNEL, RedisStore};
use crate::clock;
use crate::log_limit::LogLimit;
use crate::store::{Revocation, RevocationFeed, StoreError};

/// The first wait before the follower reconnects, after a connection
/// that followed the channel, or its first attempt, failed.
const FIRST_RECONNECT_WAIT: Duration = Duration::from_millis(100);
/// The longest wait between two attempts to reconnect the follower.
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(5);
/// How long the follower hears nothing before it asks Redis for a `PING`.
const FOLLOWER_HEARTBEAT: Duration = Duration::from_secs(1);

impl RedisStore {
    /// Follows the revocation channel into `feed`, forever: reconnects
    /// after each loss, backing off while Redis stays away.
    pub(super) async fn follow_channel(&self, feed: &RevocationFeed) {
        let mut last_wait = None;
        // While Redis stays away, one line a minute; at once again after
        // it was followed.
        let mut failures_logged = LogLimit::new();
        loop {
            let mut followed = false;
            let outcome = self.follow_once(feed, &mut followed).await;
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
                Err(_) => {
                    static LOGGED: LogLimit = LogLimit::new();
                    if let Some(held_back) = LOGGED.allow() {
                        log::warn!("jwt-guard: a message on the revocation channel is not a revocation{held_back}");
                    }
                }
            }
        }
    }
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
