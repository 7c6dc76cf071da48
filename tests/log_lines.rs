//! The log lines that tell an operator why an issuer's keys cannot be had,
//! why a configuration is refused, and which mounted routes are protected.
//! A request only sees a 503, and a launch only stops; the reason is in
//! the log, so its wording is part of the contract. This binary installs
//! its own logger before any Rocket instance can, so it runs apart from the
//! other integration tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::Duration;

use jwt_guard::testing::TestIssuer;
use jwt_guard::{
    AuthError, JwtGuard,
    config::{Config, IssuerConfig},
    error::TokenProblem,
    issuer::StaticUsers,
    policy, protect,
    store::RedisStore,
    verify::Verifier,
};
use jwt_guard_tests::{
    AUDIENCE, Behaviour, KeyServer, RedisServer, TestKey, claims_for, mint, poll_until, quiet_figment,
};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// jwt-guard's log records of this process.
struct Captured(Mutex<Vec<(Level, String)>>);

impl Log for Captured {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("jwt_guard")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = (record.level(), record.args().to_string());
            self.0.lock().unwrap_or_else(PoisonError::into_inner).push(line);
        }
    }

    fn flush(&self) {}
}

static CAPTURED: Captured = Captured(Mutex::new(Vec::new()));

/// Starts capturing, once per process.
fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURED).expect("no logger is installed before this one");
        log::set_max_level(LevelFilter::Debug);
    });
}

/// The messages captured at `level` that mention `needle`.
fn lines(level: Level, needle: &str) -> Vec<String> {
    let lines = CAPTURED.0.lock().unwrap_or_else(PoisonError::into_inner);
    lines.iter().filter(|(at, line)| *at == level && line.contains(needle)).map(|(_, line)| line.clone()).collect()
}

/// A configuration that knows one issuer, as `name`.
fn trusting(name: &str, issuer: IssuerConfig) -> Config {
    let mut config = Config::default();
    config.issuers.insert(name.into(), issuer);
    config
}

/// Verifies a token of `server`'s key; the keys are not to be had.
async fn refused(config: &Config, server: &KeyServer) {
    let verifier = Verifier::new(config).unwrap();
    let error = verifier.verify(&mint(TestKey::EcA, &claims_for(server.base()))).await.unwrap_err();
    assert!(matches!(error, AuthError::KeysUnavailable { .. }), "{error:?}");
}

#[rocket::async_test]
async fn a_discovery_document_of_another_issuer_is_refused_with_both_names() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    server.set_discovery_issuer("https://someone-else.example.com/");
    refused(&trusting("impostor", IssuerConfig::new(server.base(), AUDIENCE)), &server).await;
    let expected = format!(
        "jwt-guard: issuer `impostor`: cannot refresh keys: {}/.well-known/openid-configuration names the issuer \
         \"https://someone-else.example.com/\", but the configured `issuer` is \"{}\"; they must be equal",
        server.base(),
        server.base()
    );
    assert_eq!(lines(Level::Error, "`impostor`"), [expected]);
    assert_eq!(server.jwks_hits(), 0, "the keys of a mismatched issuer are never fetched");
}

#[rocket::async_test]
async fn a_redirect_that_is_not_followed_names_its_target_and_the_setting() {
    capture();
    let server = KeyServer::start(&[]).await;
    server.set_behaviour(Behaviour::Redirect("https://cdn.example.net/jwks".into()));
    let issuer = IssuerConfig::new(server.base(), AUDIENCE).jwks_uri(server.jwks_uri());
    refused(&trusting("redirected", issuer), &server).await;
    let expected = format!(
        "jwt-guard: issuer `redirected`: cannot refresh keys: {} answered 302 Found, a redirect to \
         https://cdn.example.net/jwks; redirects are followed only to the hosts in the issuer's `follow_redirects_to`",
        server.jwks_uri()
    );
    assert_eq!(lines(Level::Error, "`redirected`"), [expected]);
}

#[rocket::async_test]
async fn a_redirect_to_a_host_not_listed_is_refused_by_name() {
    capture();
    let server = KeyServer::start(&[]).await;
    server.set_behaviour(Behaviour::Redirect("https://cdn.example.net/jwks".into()));
    let issuer = IssuerConfig::new(server.base(), AUDIENCE)
        .jwks_uri(server.jwks_uri())
        .follow_redirects_to(["keys.example.net"]);
    refused(&trusting("listed-elsewhere", issuer), &server).await;
    let expected = "jwt-guard: issuer `listed-elsewhere`: cannot refresh keys: fetching keys failed: a redirect to \
                    https://cdn.example.net/jwks was refused: `cdn.example.net` is not in `follow_redirects_to`";
    assert_eq!(lines(Level::Error, "`listed-elsewhere`"), [expected]);
}

#[rocket::async_test]
async fn an_oversized_key_set_is_refused_at_the_limit() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    server.set_behaviour(Behaviour::Huge(1024 * 1024));
    let mut config = trusting("huge", IssuerConfig::new(server.base(), AUDIENCE).jwks_uri(server.jwks_uri()));
    config.max_jwks_bytes = 4096;
    refused(&config, &server).await;
    let expected =
        format!("jwt-guard: issuer `huge`: cannot refresh keys: {} sent more than 4096 bytes", server.jwks_uri());
    assert_eq!(lines(Level::Error, "`huge`"), [expected]);
}

/// A key set of ten thousand keys that cannot be used, beside one that
/// can: the good key verifies, and the bad ones are a few lines of the
/// log, not one each.
#[rocket::async_test]
async fn a_key_set_of_many_unusable_keys_is_logged_in_a_few_lines() {
    capture();
    let server = KeyServer::start(&[]).await;
    let unusable = (0..10_000).map(|_| serde_json::json!({}));
    server.set_keys(std::iter::once(TestKey::EcA.jwk()).chain(unusable).collect());
    let verifier = Verifier::new(&trusting("crowded", IssuerConfig::new(server.base(), AUDIENCE))).unwrap();
    verifier.verify(&mint(TestKey::EcA, &claims_for(server.base()))).await.expect("the good key verifies");
    let skipped = "jwt-guard: issuer `crowded`: skipping JWKS key";
    assert_eq!(
        lines(Level::Info, skipped),
        (1..=4).map(|index| format!("{skipped} #{index}: its `kty` is not RSA, EC or OKP")).collect::<Vec<_>>()
    );
    let more = "jwt-guard: issuer `crowded`: skipping 9996 more JWKS keys (10000 in all)";
    assert_eq!(lines(Level::Info, "`crowded`: skipping 9996"), [more]);
    assert_eq!(lines(Level::Info, "`crowded`: skipping").len(), 5, "four keys, then the count");
    assert_eq!(lines(Level::Warn, "`crowded`"), Vec::<String>::new(), "no key holds private key material");
}

/// A key set that holds no usable key (every key withdrawn) is the
/// issuer's word: its tokens are refused, and a warning says why.
#[rocket::async_test]
async fn a_key_set_with_no_usable_key_is_warned_of() {
    capture();
    let server = KeyServer::start(&[]).await;
    let verifier = Verifier::new(&trusting("emptied", IssuerConfig::new(server.base(), AUDIENCE))).unwrap();
    let refused = verifier.verify(&mint(TestKey::EcA, &claims_for(server.base()))).await.unwrap_err();
    assert_eq!(refused.to_string(), "the token's signing key is not known");
    let expected = format!(
        "jwt-guard: issuer `emptied`: {} holds no usable signing key; its tokens are refused until it does",
        server.jwks_uri()
    );
    assert_eq!(lines(Level::Warn, "`emptied`"), [expected]);
}

/// Verifies `token` three times, each after the wait that the refusal
/// before it named: three failures of the issuer in a row.
async fn fail_three_times(verifier: &Verifier, token: &str) {
    for _ in 0..3 {
        match verifier.verify(token).await {
            Err(AuthError::KeysUnavailable { retry_after } | AuthError::IntrospectionUnavailable { retry_after }) => {
                rocket::tokio::time::sleep(retry_after).await;
            }
            other => panic!("the issuer cannot answer: {other:?}"),
        }
    }
}

/// A provider that stays down is logged at its first failure, and not at
/// each retry of the backoff: a provider down for a day would otherwise
/// write a line every 8 s. The next line comes a minute later, telling how
/// many were held back.
#[rocket::async_test]
async fn a_provider_that_stays_down_is_logged_once_not_at_every_retry() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    server.set_behaviour(Behaviour::Status(503));
    let verifier = Verifier::new(&trusting("down-for-long", IssuerConfig::new(server.base(), AUDIENCE))).unwrap();
    fail_three_times(&verifier, &mint(TestKey::EcA, &claims_for(server.base()))).await;
    let asked = server.discovery_hits() + server.jwks_hits();
    assert!(asked >= 3, "the provider was asked at each retry: {asked} times");
    let logged = lines(Level::Error, "`down-for-long`");
    assert_eq!(logged.len(), 1, "one line for {asked} failures: {logged:?}");
    server.set_behaviour(Behaviour::Serve);
    verifier.verify(&mint(TestKey::EcA, &claims_for(server.base()))).await.expect("the keys are back");
    let back = "jwt-guard: issuer `down-for-long`: loaded 1 signing keys, after 3 failed attempts";
    assert_eq!(lines(Level::Info, "`down-for-long`"), [back], "its return tells how long it was away");
}

/// The same of an introspection endpoint that fails every question (here,
/// it refuses the API's client).
#[rocket::async_test]
async fn an_introspection_endpoint_that_keeps_failing_is_logged_once_not_at_every_retry() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let issuer: IssuerConfig = serde_json::from_value(serde_json::json!({
        "issuer": server.base(), "audience": AUDIENCE, "jwks_uri": server.jwks_uri(),
        "introspection_endpoint": server.introspection_endpoint(),
        "client_id": "rs-client", "client_secret": "not-its-secret",
    }))
    .unwrap();
    let verifier = Verifier::new(&trusting("refuses-the-client", issuer)).unwrap();
    fail_three_times(&verifier, "an-opaque-token").await;
    let asked = server.introspection_hits();
    assert!(asked >= 3, "the endpoint was asked at each retry: {asked} times");
    let logged = lines(Level::Error, "`refuses-the-client`");
    assert_eq!(logged.len(), 1, "one line for {asked} failures: {logged:?}");
}

/// The upkeep of an instance that trusts `server` and keeps its state in
/// the Redis at `url`, running until the handle is aborted.
fn upkeep_with_redis_at(server: &KeyServer, url: &str) -> rocket::tokio::task::JoinHandle<()> {
    rocket::tokio::spawn(instance_with_redis_at(server, url).upkeep())
}

/// An instance that trusts `server` and keeps its state in the Redis at
/// `url`.
fn instance_with_redis_at(server: &KeyServer, url: &str) -> JwtGuard {
    JwtGuard::builder()
        .issuer("idp", IssuerConfig::new(server.base(), AUDIENCE))
        .store(RedisStore::open(url).unwrap())
        .build()
        .unwrap()
}

/// Held by each test whose instance follows a Redis: each logs that it
/// follows, in words no test could tell from another's.
static FOLLOWING_REDIS: rocket::tokio::sync::Mutex<()> = rocket::tokio::sync::Mutex::const_new(());

/// Lets `upkeep` run for `time`, then stops it: it has logged one error
/// that mentions `needle`.
async fn logged_once_in(upkeep: rocket::tokio::task::JoinHandle<()>, time: Duration, needle: &str) {
    rocket::tokio::time::sleep(time).await;
    upkeep.abort();
    let logged = lines(Level::Error, needle);
    assert_eq!(logged.len(), 1, "one line for the retries of {time:?}: {logged:#?}");
}

/// An instance whose Redis goes away for good retries its feed of other
/// instances' revocations, backing off to every 5 s, and says so once,
/// not at every retry.
#[rocket::async_test]
async fn a_redis_that_stays_away_is_logged_once_not_at_every_reconnection() {
    capture();
    let _alone = FOLLOWING_REDIS.lock().await;
    let (server, redis) = (KeyServer::start(&[TestKey::EcA]).await, RedisServer::start().await);
    let following = "following the revocations of the Redis token store";
    let followed_before = lines(Level::Info, following).len();
    let upkeep = upkeep_with_redis_at(&server, &redis.url());
    // Outside Rocket, the revocations are loaded by the upkeep, a second
    // in; then followed.
    let followed = poll_until(Duration::from_secs(10), || async {
        (lines(Level::Info, following).len() > followed_before).then_some(())
    });
    assert!(followed.await.is_some(), "the instance follows Redis, before Redis is killed");
    let port = redis.port();
    redis.kill();
    // Its port, taken by a listener that drops each connection: each is a
    // retry, which fails as against a Redis that is away.
    let listener = rocket::tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("the port is free again");
    let retries = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&retries);
    let dropping = rocket::tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::Relaxed);
            drop(connection);
        }
    });
    // Retried after 0.1, 0.2, 0.4, 0.8, 1.6 and 3.2 s.
    logged_once_in(upkeep, Duration::from_secs(7), "new ones from other instances arrive once it reconnects").await;
    dropping.abort();
    let retried = retries.load(Ordering::Relaxed);
    assert!(retried >= 3, "one line for {retried} retries, not one for giving up");
}

/// Messages on the revocation channel that are no revocations (of
/// whatever else publishes there) are logged once, not each.
#[rocket::async_test]
async fn messages_on_the_revocation_channel_that_are_no_revocations_are_logged_once() {
    capture();
    let _alone = FOLLOWING_REDIS.lock().await;
    let (server, redis) = (KeyServer::start(&[TestKey::EcA]).await, RedisServer::start().await);
    let instance = instance_with_redis_at(&server, &redis.url());
    let upkeep = rocket::tokio::spawn(instance.upkeep());
    let not_one = "a message on the revocation channel is not a revocation";
    // Until the instance follows the channel, a message is heard by none.
    let heard = poll_until(Duration::from_secs(5), || async {
        redis.run(&["PUBLISH", "{jwt-guard}:revoked", "hello"]).await;
        (!lines(Level::Warn, not_one).is_empty()).then_some(())
    });
    assert!(heard.await.is_some(), "the instance follows the channel");
    for _ in 0..50 {
        redis.run(&["PUBLISH", "{jwt-guard}:revoked", "hello"]).await;
    }
    // Then a revocation: once it is held, the fifty before it were heard.
    let mut claims = claims_for(server.base());
    claims["jti"] = "after-the-fifty".into();
    let bearer = format!("Bearer {}", mint(TestKey::EcA, &claims));
    assert!(instance.authenticate([bearer.as_str()].into_iter(), false).await.is_ok(), "not revoked yet");
    let until = jwt_guard_tests::now() + 600;
    let revocation = format!(r#"{{"revoked":{{"token":"after-the-fifty"}},"until":{until}}}"#);
    redis.run(&["PUBLISH", "{jwt-guard}:revoked", &revocation]).await;
    let held = poll_until(Duration::from_secs(5), || async {
        let refusal = instance.authenticate([bearer.as_str()].into_iter(), false).await.err();
        (refusal == Some(AuthError::InvalidToken(TokenProblem::Revoked))).then_some(())
    });
    assert!(held.await.is_some(), "the revocation published after the fifty is held");
    upkeep.abort();
    assert_eq!(lines(Level::Warn, not_one), [format!("jwt-guard: {not_one}")]);
}

/// The same of revocations that cannot be loaded: the "Redis" there
/// takes connections and never answers, so each load fails after 2 s,
/// and is retried after 1, then 2 s, each time on a new connection.
#[rocket::async_test]
async fn revocations_that_cannot_be_loaded_are_logged_once_not_at_every_retry() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let silent = rocket::tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://127.0.0.1:{}/", silent.local_addr().unwrap().port());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let holding = rocket::tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            counted.fetch_add(1, Ordering::Relaxed);
            held.push(connection);
        }
    });
    let upkeep = upkeep_with_redis_at(&server, &url);
    logged_once_in(upkeep, Duration::from_secs(8), "loading the revocations, again").await;
    holding.abort();
    let loads = connections.load(Ordering::Relaxed);
    assert!(loads >= 2, "one line for {loads} loads, not one for giving up");
}

#[rocket::async_test]
async fn a_token_of_another_issuer_or_audience_is_logged_with_the_configured_ones_at_debug() {
    capture();
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let config = trusting("idp", IssuerConfig::new(server.base(), AUDIENCE).jwks_uri(server.jwks_uri()));
    let verifier = Verifier::new(&config).unwrap();
    let mut claims = claims_for(&format!("{}/", server.base()));
    assert!(verifier.verify(&mint(TestKey::EcA, &claims)).await.is_err());
    let expected = format!(
        "jwt-guard: the token's `iss` \"{}/\" is none of the configured issuers [\"{}\"], nor a tenant",
        server.base(),
        server.base()
    );
    assert_eq!(lines(Level::Debug, &format!("{}/", server.base())), [expected]);

    claims["iss"] = server.base().into();
    claims["aud"] = serde_json::json!(["account", "x".repeat(150)]);
    assert!(verifier.verify(&mint(TestKey::EcA, &claims)).await.is_err());
    let expected = format!(
        "jwt-guard: the token's `aud` [\"account\", \"{}\"] holds none of the accepted audiences [\"{AUDIENCE}\"]",
        "x".repeat(100)
    );
    assert_eq!(lines(Level::Debug, "\"account\""), [expected]);
}

#[rocket::get("/reports")]
fn reports() -> &'static str {
    "reports"
}

#[rocket::async_test]
async fn a_handler_mounted_in_a_group_and_bare_is_logged_as_protected_where_it_is() {
    capture();
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing())
        .mount("/admin", protect(policy!(scope = "admin"), rocket::routes![reports]))
        .mount("/open", rocket::routes![reports]);
    let client = rocket::local::asynchronous::Client::tracked(TestIssuer::new().attach_to(rocket)).await.unwrap();
    assert_eq!(lines(Level::Info, "/reports`"), ["jwt-guard: route `GET /admin/reports` requires scopes `admin`"]);
    let open = client.get("/open/reports").dispatch().await;
    assert_eq!(open.status().code, 200, "the bare mount is not protected, and not logged as such");
    assert_eq!(client.get("/admin/reports").dispatch().await.status().code, 401);
    let names: Vec<_> = client.rocket().routes().map(|route| route.name.as_deref().unwrap_or_default()).collect();
    assert_eq!(names, ["reports", "reports"], "both mounts keep the handler's name");
}

#[rocket::async_test]
async fn a_bad_auth_path_is_refused_by_name() {
    capture();
    let figment = quiet_figment().merge(("jwt_guard.local.auth_path", "auth"));
    let rocket = rocket::custom(figment).attach(JwtGuard::fairing().login(StaticUsers::new()));
    let error = rocket.ignite().await.expect_err("a bad `auth_path` aborts ignite");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(_)));
    let expected = "jwt-guard: bad `jwt_guard.local.auth_path`: must be a path such as `/auth`: a leading `/`, then \
                    segments of letters, digits, `-`, `.`, `_` or `~` separated by single slashes, with no trailing slash";
    assert_eq!(lines(Level::Error, "auth_path"), [expected]);
}

#[test]
fn a_redis_store_reached_unencrypted_over_a_network_is_warned_of() {
    capture();
    for url in ["redis://127.0.0.1:6379/", "redis://localhost:6379/", "rediss://redis.internal:6380/"] {
        RedisStore::open(url).expect("a Redis URL");
    }
    assert!(lines(Level::Warn, "unencrypted").is_empty(), "loopback, or TLS: no warning");
    RedisStore::open("redis://redis.internal:6379/").expect("a Redis URL");
    assert_eq!(
        lines(Level::Warn, "unencrypted"),
        ["jwt-guard: the Redis store at redis.internal is reached over plain `redis://`: sessions and revocations \
          cross the network unencrypted; use `rediss://` unless that network is trusted"]
    );
}

#[test]
fn dpop_with_a_store_of_one_process_is_warned_of_at_launch() {
    capture();
    let mut issuer = TestIssuer::named("dpop-only").issuer_config();
    issuer.dpop = jwt_guard::config::DpopMode::Required;
    JwtGuard::from_config(trusting("dpop-only", issuer)).expect("the guard builds");
    assert_eq!(
        lines(Level::Warn, "DPoP proofs are remembered"),
        ["jwt-guard: DPoP proofs are remembered in this process's memory only: with more than one instance, a proof \
          replayed at another is accepted there; set `store.url` to a Redis that every instance shares"]
    );
}

#[rocket::async_test]
async fn an_apps_own_security_scheme_of_an_issuers_name_is_replaced_with_a_warning() {
    use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
    capture();
    let issuer = IssuerConfig::new("https://idp.example.com", AUDIENCE);
    let rocket = rocket::custom(quiet_figment()).attach(JwtGuard::builder().issuer("partner", issuer));
    let client = rocket::local::asynchronous::Client::tracked(rocket).await.unwrap();
    let mut openapi = utoipa::openapi::OpenApi::default();
    let components = openapi.components.get_or_insert_with(Default::default);
    let own = SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Partner-Key")));
    components.add_security_scheme("partner", own);
    jwt_guard::openapi::secure(client.rocket(), &mut openapi);

    let schemes = serde_json::to_value(&openapi.components.as_ref().unwrap().security_schemes).unwrap();
    assert_eq!(schemes["partner"]["type"], "openIdConnect", "the issuer's scheme replaces the app's own");
    let expected = "jwt-guard: the OpenAPI document's own security scheme `partner` is replaced by the issuer's";
    assert_eq!(lines(Level::Warn, "security scheme"), [expected]);
    jwt_guard::openapi::secure(client.rocket(), &mut openapi);
    assert_eq!(lines(Level::Warn, "security scheme").len(), 1, "securing the document again replaces nothing");
}
