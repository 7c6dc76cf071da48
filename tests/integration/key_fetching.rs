//! Keys from the issuer: discovery, rotation, the refetch cooldown, one
//! fetch for concurrent misses, background refresh, and keys kept through
//! an outage of the provider.

use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use jwt_guard::{AuthError, error::TokenProblem};
use jwt_guard_tests::{
    AUDIENCE, Behaviour, KeyServer, TestKey, app, call, claims_for, free_port, issuer_table, mint, mint_with_header,
    remote_verifier,
};
use rocket::futures::FutureExt as _;
use rocket::futures::future::join_all;
use rocket::local::asynchronous::Client;
use rocket::tokio::time::sleep;
use serde_json::json;

use crate::{bearer, refreshing_client, setup, until_accepted, until_refused};

/// Past the 0.3 s cooldown of the test apps.
const PAST_COOLDOWN: Duration = Duration::from_millis(350);

fn with_kid(key: TestKey, kid: &str, issuer: &str) -> String {
    let mut header = Header::new(key.alg());
    header.kid = Some(kid.into());
    mint_with_header(key, &header, &claims_for(issuer))
}

#[rocket::async_test]
async fn keys_are_found_by_discovery_and_the_issuer_must_match() {
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let issuer = json!({ "issuer": server.base(), "audience": AUDIENCE });
    let client = Client::tracked(app(json!({ "issuers": { "discovered": issuer } }))).await.unwrap();
    let response = call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims_for(server.base())))]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["issuer"], "discovered");
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));

    let impostor = KeyServer::start(&[TestKey::EcA]).await;
    impostor.set_discovery_issuer("https://someone-else.example.com/");
    let issuer = json!({ "issuer": impostor.base(), "audience": AUDIENCE });
    let client = Client::tracked(app(json!({ "issuers": { "impostor": issuer } }))).await.unwrap();
    let response = call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims_for(impostor.base())))]).await;
    assert_eq!(response.status, 503);
    assert_eq!(impostor.jwks_hits(), 0, "a mismatched discovery document is not followed");
}

/// A client of an app that trusts `provider`'s issuer, its keys found
/// through its discovery document.
async fn discovering_client(provider: &KeyServer) -> Client {
    let issuer = json!({ "issuer": provider.base(), "audience": AUDIENCE });
    Client::tracked(app(json!({ "refetch_cooldown": 0.3, "issuers": { "discovered": issuer } }))).await.unwrap()
}

/// The status of `/token` with `authorization`, asked past each cooldown
/// until it is 200, for at most 10 s.
async fn status_once_accepted(client: &Client, authorization: &str) -> u16 {
    let started = std::time::Instant::now();
    loop {
        sleep(PAST_COOLDOWN).await;
        let status = call(client, "/token", &[authorization]).await.status;
        if status == 200 || started.elapsed() > Duration::from_secs(10) {
            return status;
        }
    }
}

/// The provider moves its keys, and the old address stops answering: the
/// discovery document, asked again, leads to them.
#[rocket::async_test]
async fn keys_that_move_are_found_again_through_discovery() {
    let provider = KeyServer::start(&[]).await;
    let (old, moved) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::RsaB]).await);
    provider.set_discovered_jwks_uri(&old.jwks_uri());
    let client = discovering_client(&provider).await;
    let token = |key: TestKey| bearer(&mint(key, &claims_for(provider.base())));
    assert_eq!(call(&client, "/token", &[&token(TestKey::RsaA)]).await.status, 200);
    old.stop().await;
    provider.set_discovered_jwks_uri(&moved.jwks_uri());
    let status = status_once_accepted(&client, &token(TestKey::RsaB)).await;
    assert_eq!(status, 200, "the moved keys are found");
    assert_eq!(provider.discovery_hits(), 2, "discovery asked again once the old address failed");
}

/// A fetch fails while the discovery document is down too: once the key
/// set's address answers again, the keys come from it, discovery or not.
#[rocket::async_test]
async fn keys_stay_at_their_address_while_discovery_is_down() {
    let (provider, keys) = (KeyServer::start(&[]).await, KeyServer::start(&[TestKey::RsaA]).await);
    provider.set_discovered_jwks_uri(&keys.jwks_uri());
    let client = discovering_client(&provider).await;
    let token = |key: TestKey| bearer(&mint(key, &claims_for(provider.base())));
    assert_eq!(call(&client, "/token", &[&token(TestKey::RsaA)]).await.status, 200);
    keys.set_keys(vec![TestKey::RsaA.jwk(), TestKey::RsaB.jwk()]);
    keys.set_behaviour(Behaviour::Status(500));
    provider.set_behaviour(Behaviour::Status(500));
    sleep(PAST_COOLDOWN).await;
    assert_eq!(call(&client, "/token", &[&token(TestKey::RsaB)]).await.status, 503, "the key set fails");
    keys.set_behaviour(Behaviour::Serve);
    let status = status_once_accepted(&client, &token(TestKey::RsaB)).await;
    assert_eq!(status, 200, "the new key, from the address discovery gave before it went down");
}

#[rocket::async_test]
async fn a_rotated_key_is_fetched_once_then_accepted() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let issuer = server.base().to_owned();
    assert_eq!(call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(&issuer)))]).await.status, 200);
    server.set_keys(vec![TestKey::RsaA.jwk(), TestKey::RsaB.jwk()]);
    sleep(PAST_COOLDOWN).await;
    let before = server.jwks_hits();
    for _ in 0..3 {
        let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaB, &claims_for(&issuer)))]).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body["kid"], "kid-rsa-b");
    }
    assert_eq!(server.jwks_hits() - before, 1);
}

#[rocket::async_test]
async fn a_flood_of_unknown_kids_fetches_once_per_cooldown() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    // A cooldown that the flood, in a debug build on a busy machine, ends
    // well within.
    let config = json!({ "refetch_cooldown": 2, "issuers": { "primary": issuer_table(&server) } });
    let client = Client::tracked(app(config)).await.expect("the app ignites");
    let issuer = server.base().to_owned();
    assert_eq!(call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(&issuer)))]).await.status, 200);
    sleep(Duration::from_millis(2100)).await;
    let before = server.jwks_hits();
    let authorizations: Vec<String> =
        (0..200).map(|n| bearer(&with_kid(TestKey::RsaA, &format!("made-up-{n}"), &issuer))).collect();
    let headers: Vec<[&str; 1]> = authorizations.iter().map(|value| [value.as_str()]).collect();
    let responses = join_all(headers.iter().map(|header| call(&client, "/token", header))).await;
    assert!(responses.iter().all(|response| response.status == 401));
    assert_eq!(responses[0].body["error_description"], "the token's signing key is not known");
    assert_eq!(server.jwks_hits() - before, 1);
}

#[rocket::async_test]
async fn concurrent_requests_on_a_cold_cache_share_one_fetch() {
    let server = KeyServer::start(&[TestKey::EdA]).await;
    let verifier = remote_verifier(&server, "cold", Duration::from_secs(30));
    let token = mint(TestKey::EdA, &claims_for(server.base()));
    let started = std::time::Instant::now();
    let timed = |_| async {
        let result = verifier.verify(&token).await;
        (result, started.elapsed())
    };
    let results = join_all((0..1000).map(timed)).await;
    assert!(results.iter().all(|(result, _)| result.is_ok()));
    assert_eq!(server.jwks_hits(), 1, "1,000 concurrent misses, one fetch");
    let first = results.iter().map(|(_, at)| *at).min().unwrap();
    let last = results.iter().map(|(_, at)| *at).max().unwrap();
    eprintln!("1,000 concurrent requests on a cold cache: first answer after {first:?}, last after {last:?}");
}

#[rocket::async_test]
async fn ten_thousand_made_up_kids_fetch_at_most_once_per_cooldown() {
    let server = KeyServer::start(&[TestKey::EdA]).await;
    let verifier = remote_verifier(&server, "flood", Duration::from_secs(3600));
    let issuer = server.base().to_owned();
    let tokens: Vec<String> = (0..10_000).map(|n| with_kid(TestKey::EdA, &format!("random-{n}"), &issuer)).collect();
    let results = join_all(tokens.iter().map(|token| verifier.verify(token))).await;
    let unknown = AuthError::InvalidToken(TokenProblem::UnknownKey);
    assert!(results.iter().all(|result| result.as_ref().err() == Some(&unknown)));
    assert_eq!(server.jwks_hits(), 1, "the first miss fetches; the other 9,999 fall in its cooldown");
}

#[rocket::async_test]
async fn keys_already_held_survive_an_outage_of_the_provider() {
    let (server, client) = setup(&[TestKey::RsaA]).await;
    let issuer = server.base().to_owned();
    let token = mint(TestKey::RsaA, &claims_for(&issuer));
    assert_eq!(call(&client, "/token", &[&bearer(&token)]).await.status, 200);
    server.stop().await;
    sleep(PAST_COOLDOWN).await;
    assert_eq!(call(&client, "/token", &[&bearer(&token)]).await.status, 200);
    let unknown = call(&client, "/token", &[&bearer(&with_kid(TestKey::RsaA, "new-kid", &issuer))]).await;
    assert_eq!(unknown.status, 503);
    assert_eq!(unknown.retry_after.as_deref(), Some("1"));
    assert_eq!(unknown.challenge, None);
    assert_eq!(unknown.body["error"], "temporarily_unavailable");
    assert_eq!(call(&client, "/token", &[&bearer(&token)]).await.status, 200);
}

#[rocket::async_test]
async fn two_issuers_with_the_same_kid_never_share_keys() {
    let first = KeyServer::start(&[]).await;
    first.set_keys(vec![TestKey::RsaA.jwk_with_kid("shared")]);
    let second = KeyServer::start(&[]).await;
    second.set_keys(vec![TestKey::RsaOther.jwk_with_kid("shared")]);
    let config = json!({ "issuers": { "first": issuer_table(&first), "second": issuer_table(&second) } });
    let client = Client::tracked(app(config)).await.unwrap();

    let from_second = call(&client, "/token", &[&bearer(&with_kid(TestKey::RsaOther, "shared", second.base()))]).await;
    assert_eq!((from_second.status, from_second.body["issuer"].clone()), (200, json!("second")));
    let from_first = call(&client, "/token", &[&bearer(&with_kid(TestKey::RsaA, "shared", first.base()))]).await;
    assert_eq!((from_first.status, from_first.body["issuer"].clone()), (200, json!("first")));
    let cross = call(&client, "/token", &[&bearer(&with_kid(TestKey::RsaOther, "shared", first.base()))]).await;
    assert_eq!(cross.status, 401);
    assert_eq!(cross.body["error_description"], "the token's signature is invalid");
}

#[rocket::async_test]
async fn keys_are_refreshed_in_the_background_before_they_age_out() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = refreshing_client(&server).await;
    let issuer = server.base().to_owned();
    assert_eq!(call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(&issuer)))]).await.status, 200);
    server.set_keys(vec![TestKey::RsaB.jwk()]);
    // The cooldown rules out a fetch for the unknown kid: only the
    // background refresh can bring key B.
    let key_b = bearer(&mint(TestKey::RsaB, &claims_for(&issuer)));
    assert!(until_accepted(&client, &key_b, Duration::from_secs(5)).await.is_some(), "key B, refreshed");
    let retired = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(&issuer)))]).await;
    assert_eq!(retired.status, 401, "a key that left the JWKS is no longer accepted");
}

/// A provider that withdraws every key (an emergency revocation) is taken
/// at its word: its tokens are refused once the key set is refreshed,
/// cached ones too, rather than verified with the keys it withdrew.
#[rocket::async_test]
async fn keys_withdrawn_all_at_once_stop_verifying() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let client = refreshing_client(&server).await;
    let token = bearer(&mint(TestKey::RsaA, &claims_for(server.base())));
    assert_eq!(call(&client, "/token", &[&token]).await.status, 200);
    server.set_keys(Vec::new());
    let (status, description) = until_refused(&client, &token, Duration::from_secs(5)).await;
    assert_eq!((status, description), (401, json!("the token's signing key is not known")));
}

#[rocket::async_test]
async fn misbehaving_providers_give_503_and_are_never_followed_elsewhere() {
    let elsewhere = KeyServer::start(&[TestKey::RsaA]).await;
    let behaviours = [
        Behaviour::Status(500),
        Behaviour::Html,
        Behaviour::Huge(50 * 1024 * 1024),
        Behaviour::Redirect(elsewhere.jwks_uri()),
        Behaviour::Hang(Duration::from_secs(5)),
    ];
    for behaviour in behaviours {
        let server = KeyServer::start(&[TestKey::RsaA]).await;
        server.set_behaviour(behaviour.clone());
        let mut config = jwt_guard_tests::single_issuer(&server);
        config["fetch_timeout"] = json!(0.5);
        let client = Client::tracked(app(config)).await.unwrap();
        let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(server.base())))]).await;
        assert_eq!(
            (response.status, &response.body["error"]),
            (503, &json!("temporarily_unavailable")),
            "{behaviour:?}"
        );
        assert_eq!(response.retry_after.as_deref(), Some("1"), "{behaviour:?}: the first wait of the backoff");
    }
    assert_eq!(elsewhere.jwks_hits(), 0, "redirects are not followed");
}

#[rocket::async_test]
async fn redirects_are_followed_only_to_the_hosts_an_issuer_lists() {
    let target = KeyServer::start(&[TestKey::RsaA]).await;
    let listed = json!([format!("127.0.0.1:{}", target.port())]);
    let unlisted = json!([format!("127.0.0.1:{}", free_port())]);
    for (hosts, status, target_hits) in [(listed, 200, 1), (unlisted, 503, 1)] {
        let server = KeyServer::start(&[]).await;
        server.set_behaviour(Behaviour::Redirect(target.jwks_uri()));
        let mut config = jwt_guard_tests::single_issuer(&server);
        config["issuers"]["primary"]["follow_redirects_to"] = hosts.clone();
        let client = Client::tracked(app(config)).await.unwrap();
        let response = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(server.base())))]).await;
        assert_eq!(response.status, status, "{hosts}");
        assert_eq!(target.jwks_hits(), target_hits, "{hosts}");
    }
}

#[rocket::async_test]
async fn a_hanging_provider_delays_only_the_requests_that_need_it() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let mut config = jwt_guard_tests::single_issuer(&server);
    config["fetch_timeout"] = json!(0.5);
    let client = Client::tracked(app(config)).await.unwrap();
    let issuer = server.base().to_owned();
    let known = mint(TestKey::RsaA, &claims_for(&issuer));
    assert_eq!(call(&client, "/token", &[&bearer(&known)]).await.status, 200);
    server.set_behaviour(Behaviour::Hang(Duration::from_secs(5)));
    sleep(PAST_COOLDOWN).await;
    let unknown_header = [bearer(&with_kid(TestKey::RsaA, "rotated-in", &issuer))];
    let known_header = [bearer(&known)];
    let (unknown_header, known_header) = ([unknown_header[0].as_str()], [known_header[0].as_str()]);
    let waiting = call(&client, "/token", &unknown_header);
    let served = call(&client, "/token", &known_header);
    rocket::tokio::pin!(waiting, served);
    rocket::tokio::select! {
        biased;
        response = &mut served => assert_eq!(response.status, 200, "a known key is served while the fetch hangs"),
        _ = &mut waiting => panic!("the request that needs the hanging fetch finished first"),
    }
    let unknown = waiting.await;
    assert_eq!(unknown.status, 503, "the hanging fetch ends at the timeout");
}

#[rocket::async_test]
async fn the_verifier_reports_the_reason_outside_rocket() {
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let verifier = remote_verifier(&server, "ec", Duration::from_secs(30));
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(TestKey::EcA.kid());
    let mut claims = claims_for(server.base());
    claims["exp"] = json!(jwt_guard_tests::now() - 100);
    let expired = mint_with_header(TestKey::EcA, &header, &claims);
    assert_eq!(verifier.verify(&expired).await.unwrap_err(), AuthError::InvalidToken(TokenProblem::Expired));
    let token = verifier.verify(&mint(TestKey::EcA, &claims_for(server.base()))).await.unwrap();
    assert_eq!(token.issuer(), "ec");
    assert_eq!(token.subject(), Some("alice"));
    assert!(token.has_scope("read") && !token.has_scope("Read"));
}

/// A provider whose keys take `delay` to come, a verifier that has not
/// fetched them yet, and a token of the provider.
async fn slow_provider(delay: Duration) -> (KeyServer, jwt_guard::verify::Verifier, String) {
    let server = KeyServer::start(&[TestKey::EdA]).await;
    server.set_behaviour(Behaviour::Hang(delay));
    let verifier = remote_verifier(&server, "slow", Duration::from_secs(30));
    let token = mint(TestKey::EdA, &claims_for(server.base()));
    (server, verifier, token)
}

/// A request that gives up while it fetches the keys that others wait for
/// (its client hung up, say) leaves the fetch running: the requests that
/// wait get its keys, and the provider is asked once.
#[rocket::async_test]
async fn a_request_that_gives_up_during_a_fetch_leaves_it_to_those_that_wait() {
    let (server, verifier, token) = slow_provider(Duration::from_millis(300)).await;
    let gave_up = rocket::tokio::time::timeout(Duration::from_millis(100), verifier.verify(&token)).await;
    assert!(gave_up.is_err(), "the first request gave up during the fetch");
    verifier.verify(&token).await.expect("the keys of the fetch that the first request started");
    assert_eq!(server.jwks_hits(), 1, "the provider is asked once");
}

/// A request that started a fetch and is never polled again (held by code
/// that stopped driving it) holds up none of the requests that wait for
/// the same keys.
#[rocket::async_test]
async fn a_request_that_is_no_longer_polled_holds_up_no_other() {
    let (server, verifier, token) = slow_provider(Duration::from_millis(100)).await;
    let mut suspended = Box::pin(verifier.verify(&token));
    assert!((&mut suspended).now_or_never().is_none(), "it started the fetch, and waits for it");
    let waiting = rocket::tokio::time::timeout(Duration::from_secs(5), verifier.verify(&token)).await;
    waiting.expect("not held up by the suspended request").expect("the fetched keys");
    assert_eq!(server.jwks_hits(), 1, "the provider is asked once");
    drop(suspended);
}
