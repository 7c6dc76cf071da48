//! Outages of the identity provider: one that boots after the API, and one
//! that is down for a minute while requests keep coming. After a failed
//! fetch, retries back off from 1 s to 8 s, the first request that needs
//! keys once the wait is over fetches them itself, and `Retry-After` says
//! how long the wait still is.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jwt_guard_tests::{AUDIENCE, Behaviour, KeyServer, TestKey, app, call, claims_for, free_port, mint, single_issuer};
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use serde_json::json;

use crate::bearer;

/// Calls `/token` with `authorization` every 50 ms until it is accepted,
/// for at most `patience`; answers how long that took.
async fn until_accepted(client: &Client, authorization: &str, patience: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < patience {
        if call(client, "/token", &[authorization]).await.status == 200 {
            return Some(started.elapsed());
        }
        sleep(Duration::from_millis(50)).await;
    }
    None
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

    sleep(Duration::from_secs(1)).await;
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
