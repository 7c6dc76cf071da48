//! Issuers resolved per request: three tenants, each a real key server on
//! 127.0.0.1 with keys of its own, served through one issuer template; a
//! tenant outside the allow-list refused without a fetch; 10,000 made-up
//! tenants costing at most `tenant_discoveries` fetches; tenants that an
//! app's resolver finds; and a tenant's sessions and users revoked by the
//! app.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jwt_guard::{
    JwtGuard, Token,
    config::IssuerConfig,
    issuer::SessionError,
    protected,
    verify::{IssuerResolver, ResolvedIssuer},
};
use jwt_guard_tests::{AUDIENCE, Behaviour, KeyServer, TestKey, call, claims_for, mint, poll_until, quiet_figment};
use rocket::local::asynchronous::Client;
use rocket::{Build, Rocket, get, routes};
use serde_json::{Value, json};

use crate::bearer;

#[protected(issuer = "tenants")]
#[get("/whoami")]
fn whoami(token: Token) -> Value {
    json!({ "issuer": token.issuer(), "tenant": token.tenant() })
}

/// An app with the issuer template `tenants` of `issuer`, admitting
/// `tenants`, that never fetches keys for an unknown `kid` (the cooldown
/// is an hour).
fn app(issuer: &str, tenants: Value, resolver: Option<Arc<dyn IssuerResolver>>) -> Rocket<Build> {
    app_with(issuer, tenants, resolver, json!({}))
}

/// [`app`] with more `settings` of `[jwt_guard]`.
fn app_with(issuer: &str, tenants: Value, resolver: Option<Arc<dyn IssuerResolver>>, settings: Value) -> Rocket<Build> {
    let mut config = json!({
        "tenant_discoveries": 5,
        "refetch_cooldown": 3600,
        "issuers": { "tenants": { "issuer": issuer, "audience": AUDIENCE, "tenants": tenants } },
    });
    if let (Value::Object(config), Value::Object(settings)) = (&mut config, settings) {
        config.extend(settings);
    }
    let fairing = match resolver {
        Some(resolver) => JwtGuard::fairing().issuer_resolver(resolver),
        None => JwtGuard::fairing(),
    };
    rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(fairing)
        .register("/", jwt_guard::catchers())
        .mount("/", routes![whoami])
}

#[rocket::async_test]
async fn one_template_serves_each_tenant_with_its_own_keys_and_refuses_the_others() {
    let server = KeyServer::start(&[]).await;
    let tenants = [("contoso", TestKey::RsaA), ("fabrikam", TestKey::RsaB), ("northwind", TestKey::EcA)];
    for (tenant, key) in tenants {
        server.set_tenant_keys(tenant, &[key]);
    }
    server.set_tenant_keys("outsider", &[TestKey::EdA]);
    let admitted = json!(["contoso", "fabrikam", "northwind"]);
    let client = Client::tracked(app(&server.tenant_template(), admitted, None)).await.unwrap();
    for (tenant, key) in tenants {
        let served = call(&client, "/whoami", &[&bearer(&mint(key, &claims_for(&server.tenant_issuer(tenant))))]).await;
        assert_eq!(
            (served.status, served.body),
            (200, json!({ "issuer": "tenants", "tenant": tenant })),
            "the template's name, and the tenant"
        );
    }
    let a_with_b_key = mint(TestKey::RsaB, &claims_for(&server.tenant_issuer("contoso")));
    let refused = call(&client, "/whoami", &[&bearer(&a_with_b_key)]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's signing key is not known")),
        "tenant A's token under tenant B's key"
    );
    let outsiders_token = mint(TestKey::EdA, &claims_for(&server.tenant_issuer("outsider")));
    let not_admitted = call(&client, "/whoami", &[&bearer(&outsiders_token)]).await;
    assert_eq!(
        (not_admitted.status, not_admitted.body["error_description"].clone()),
        (401, json!("the token's issuer is not trusted"))
    );
    assert_eq!(server.tenant_hits("outsider"), 0, "nothing fetched for it");
}

/// Each tenant of a template is held to the template's `required_claims`.
#[rocket::async_test]
async fn each_tenant_is_held_to_the_templates_required_claims() {
    let server = KeyServer::start(&[]).await;
    server.set_tenant_keys("contoso", &[TestKey::RsaA]);
    let template = server.tenant_template();
    let issuers = json!({ "tenants": {
        "issuer": template, "audience": AUDIENCE, "tenants": ["contoso"], "required_claims": { "ver": "2.0" },
    } });
    let client = Client::tracked(app_with(&template, json!([]), None, json!({ "issuers": issuers }))).await.unwrap();
    let mut claims = claims_for(&server.tenant_issuer("contoso"));
    let refused = call(&client, "/whoami", &[&bearer(&mint(TestKey::RsaA, &claims))]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token lacks a claim value that this API requires of its issuer's tokens"))
    );
    claims["ver"] = json!("2.0");
    assert_eq!(call(&client, "/whoami", &[&bearer(&mint(TestKey::RsaA, &claims))]).await.status, 200);
}

/// A key server with the tenant `contoso` (key RSA A), and a client of an
/// app that admits it alone, with the key refresh `refreshing`.
async fn contoso(refreshing: Value) -> (KeyServer, Client) {
    let server = KeyServer::start(&[]).await;
    server.set_tenant_keys("contoso", &[TestKey::RsaA]);
    let rocket = app_with(&server.tenant_template(), json!(["contoso"]), None, refreshing);
    let client = Client::tracked(rocket).await.unwrap();
    (server, client)
}

#[rocket::async_test]
async fn a_key_that_a_tenants_provider_withdraws_stops_being_trusted() {
    let (server, client) = contoso(json!({ "min_refresh": 0.1, "max_refresh": 0.3 })).await;
    let claims = claims_for(&server.tenant_issuer("contoso"));
    let withdrawn = bearer(&mint(TestKey::RsaA, &claims));
    assert_eq!(call(&client, "/whoami", &[&withdrawn]).await.status, 200, "verified, then cached");
    server.set_tenant_keys("contoso", &[TestKey::RsaB]);
    // Only a refresh in the background can bring key B and take key A away:
    // an unknown `kid` fetches nothing for an hour.
    let replacement = bearer(&mint(TestKey::RsaB, &claims));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut seen = (call(&client, "/whoami", &[&withdrawn]).await, call(&client, "/whoami", &[&replacement]).await);
    while (seen.0.status, seen.1.status) != (401, 200) && std::time::Instant::now() < deadline {
        rocket::tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = (call(&client, "/whoami", &[&withdrawn]).await, call(&client, "/whoami", &[&replacement]).await);
    }
    assert_eq!(
        (seen.0.status, seen.0.body["error_description"].clone()),
        (401, json!("the token's signing key is not known")),
        "the withdrawn key's token, cached before"
    );
    assert_eq!(seen.1.status, 200, "the new key's token");
}

/// A tenant whose provider hangs until the fetch timeout (10 s) holds up
/// no other tenant's refresh: a key that another provider withdraws stops
/// being trusted as soon as its own refresh is due.
#[rocket::async_test]
async fn a_hanging_provider_holds_up_no_other_tenants_refresh() {
    let (stalled, healthy) = (KeyServer::start(&[TestKey::EcA]).await, KeyServer::start(&[TestKey::RsaA]).await);
    let resolver = SignedUp::of(&[stalled.base(), healthy.base()]);
    let settings = json!({ "min_refresh": 0.1, "max_refresh": 0.3, "fetch_timeout": 10 });
    let rocket = app_with("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(resolver), settings);
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let (stalled_token, withdrawn) = (
        bearer(&mint(TestKey::EcA, &claims_for(stalled.base()))),
        bearer(&mint(TestKey::RsaA, &claims_for(healthy.base()))),
    );
    assert_eq!(call(&client, "/customer", &[&stalled_token]).await.status, 200);
    assert_eq!(call(&client, "/customer", &[&withdrawn]).await.status, 200);
    stalled.set_behaviour(Behaviour::Hang(Duration::from_secs(60)));
    // Both refreshes are due again by now: the stalled one hangs.
    rocket::tokio::time::sleep(Duration::from_millis(400)).await;
    healthy.set_keys(vec![TestKey::RsaB.jwk()]);
    let withdrawn_at = Instant::now();
    let mut refused = call(&client, "/customer", &[&withdrawn]).await.status == 401;
    while !refused && withdrawn_at.elapsed() < Duration::from_secs(8) {
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
        refused = call(&client, "/customer", &[&withdrawn]).await.status == 401;
    }
    let waited = withdrawn_at.elapsed();
    assert!(refused && waited < Duration::from_secs(2), "refused {waited:?} after the withdrawal, or not at all");
}

/// A tenant's failed refresh is tried again after the backoff (1 s at
/// first), not at the next look over the tenants (`min_refresh`, 3 s here).
#[rocket::async_test]
async fn a_tenants_failed_refresh_is_retried_after_the_backoff() {
    let (server, client) = contoso(json!({ "min_refresh": 3, "max_refresh": 3 })).await;
    let token = bearer(&mint(TestKey::RsaA, &claims_for(&server.tenant_issuer("contoso"))));
    assert_eq!(call(&client, "/whoami", &[&token]).await.status, 200);
    server.set_behaviour(Behaviour::Status(500));
    let hits_after = |hits: usize, patience: Duration| {
        let server = &server;
        async move {
            let started = Instant::now();
            while server.tenant_hits("contoso") <= hits && started.elapsed() < patience {
                rocket::tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (server.tenant_hits("contoso") > hits).then(|| started.elapsed())
        }
    };
    let resolved = server.tenant_hits("contoso");
    hits_after(resolved, Duration::from_secs(5)).await.expect("the refresh after 3 s, which fails");
    let retried = hits_after(resolved + 1, Duration::from_secs(5)).await.expect("a retry");
    assert!(retried < Duration::from_millis(1800), "retried {retried:?} after the failure");
}

/// `count` tenants of `server`'s template, each with a key of its own.
fn tenants_with_keys(server: &KeyServer, count: usize) -> Vec<String> {
    let tenants: Vec<String> = (0..count).map(|n| format!("tenant-{n}")).collect();
    for tenant in &tenants {
        server.set_tenant_keys(tenant, &[TestKey::RsaA]);
    }
    tenants
}

/// More tenants due at once than are refreshed at once (16): the ones
/// left over start as soon as a refresh ends, not at the next look over
/// the tenants. Every provider takes 2 s to answer, and the look comes
/// every 5 s (`min_refresh`): the last refresh starts 2 s after the
/// first, where waiting for the look would make it five.
#[rocket::async_test]
async fn tenants_left_over_by_the_refreshes_at_once_start_as_one_ends() {
    let server = KeyServer::start(&[]).await;
    let tenants = tenants_with_keys(&server, 20);
    let settings = json!({ "tenant_discoveries": 20, "min_refresh": 5, "max_refresh": 5 });
    let client = Client::tracked(app_with(&server.tenant_template(), json!(tenants), None, settings)).await.unwrap();
    for tenant in &tenants {
        let token = bearer(&mint(TestKey::RsaA, &claims_for(&server.tenant_issuer(tenant))));
        assert_eq!(call(&client, "/whoami", &[&token]).await.status, 200, "{tenant} resolved");
    }
    let resolved: Vec<usize> = tenants.iter().map(|tenant| server.tenant_hits(tenant)).collect();
    server.set_behaviour(Behaviour::Hang(Duration::from_secs(2)));
    let mut first_refresh = vec![None; tenants.len()];
    let patience = Instant::now() + Duration::from_secs(15);
    while first_refresh.iter().any(Option::is_none) && Instant::now() < patience {
        for (n, tenant) in tenants.iter().enumerate() {
            if first_refresh[n].is_none() && server.tenant_hits(tenant) > resolved[n] {
                first_refresh[n] = Some(Instant::now());
            }
        }
        rocket::tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started: Vec<Instant> = first_refresh.into_iter().map(|at| at.expect("every tenant refreshed")).collect();
    let span = *started.iter().max().unwrap() - *started.iter().min().unwrap();
    assert!(
        span > Duration::from_millis(1500) && span < Duration::from_millis(3800),
        "the last refresh started {span:?} after the first: it waited for a slot, then no longer"
    );
}

#[rocket::async_test]
async fn a_tenant_that_left_the_cache_has_its_tokens_verified_afresh() {
    let server = KeyServer::start(&[]).await;
    let tenants = tenants_with_keys(&server, 5);
    let small = json!({ "tenant_cache_size": 2, "tenant_discoveries": 10 });
    let client = Client::tracked(app_with(&server.tenant_template(), json!(tenants), None, small)).await.unwrap();
    let tokens: Vec<String> =
        tenants.iter().map(|tenant| bearer(&mint(TestKey::RsaA, &claims_for(&server.tenant_issuer(tenant))))).collect();
    for token in &tokens {
        assert_eq!(call(&client, "/whoami", &[token]).await.status, 200, "verified, then cached");
    }
    // The second tenant has left the cache of two for the later ones; it
    // withdraws its key meanwhile, and nothing refreshes its keys.
    server.set_tenant_keys(&tenants[1], &[TestKey::RsaOther]);
    let refused = call(&client, "/whoami", &[&tokens[1]]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's signing key is not known"))
    );
}

/// Tokens of `count` made-up tenants of `server`'s template, signed with
/// Ed25519 (fast: the test's cost is the app's).
fn made_up_tokens(server: &KeyServer, count: usize) -> Vec<String> {
    let claims = |n| claims_for(&server.tenant_issuer(&format!("made-up-{n}")));
    (0..count).map(|n| bearer(&mint(TestKey::EdA, &claims(n)))).collect()
}

#[rocket::async_test]
async fn ten_thousand_made_up_tenants_cost_at_most_the_configured_discoveries() {
    let server = KeyServer::start(&[]).await;
    let client = Client::tracked(app(&server.tenant_template(), json!("any"), None)).await.unwrap();
    for (n, token) in made_up_tokens(&server, 10_000).iter().enumerate() {
        let refused = call(&client, "/whoami", &[token]).await;
        assert_eq!(refused.status, 401, "made-up tenant {n}: {}", refused.body);
    }
    assert_eq!(server.all_tenant_hits(), 5, "discoveries for 10,000 made-up tenants, each sent once");
}

#[rocket::async_test]
async fn made_up_tenants_cannot_retry_their_way_past_the_budgets() {
    let server = KeyServer::start(&[]).await;
    let client = Client::tracked(app(&server.tenant_template(), json!("any"), None)).await.unwrap();
    let tokens = made_up_tokens(&server, 20);
    for round in 0..3 {
        for token in &tokens {
            let refused = call(&client, "/whoami", &[token]).await;
            assert!(matches!(refused.status, 401 | 503), "round {round}: {}", refused.status);
        }
        // Past the back-off after a failed discovery (1 s at first).
        rocket::tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    assert_eq!(
        server.all_tenant_hits(),
        10,
        "one discovery each for 5 first-time and 5 returning tenants: twice the budget of 5 per cooldown"
    );
}

#[rocket::async_test]
async fn a_made_up_tenant_costs_one_discovery_however_often_it_comes_back() {
    let server = KeyServer::start(&[]).await;
    let client = Client::tracked(app(&server.tenant_template(), json!("any"), None)).await.unwrap();
    let tokens = made_up_tokens(&server, 5);
    for _ in 0..10 {
        assert_eq!(call(&client, "/whoami", &[&tokens[0]]).await.status, 401);
    }
    assert_eq!(server.tenant_hits("made-up-0"), 1, "refused without a fetch after its failed discovery");
    for token in &tokens[1..] {
        assert_eq!(call(&client, "/whoami", &[token]).await.status, 401);
    }
    assert_eq!(server.all_tenant_hits(), 5, "the budget of 5 was left for the others");
}

/// Requests that wait on a tenant's first discovery take its failure as
/// their own, rather than each fetching again in turn.
#[rocket::async_test]
async fn requests_waiting_on_a_failing_discovery_make_no_more() {
    let server = KeyServer::start(&[]).await;
    let client = Client::tracked(app(&server.tenant_template(), json!("any"), None)).await.unwrap();
    let token = made_up_tokens(&server, 1).remove(0);
    let authorization = [token.as_str()];
    let refused = futures_util::future::join_all((0..20).map(|_| call(&client, "/whoami", &authorization))).await;
    assert!(refused.iter().all(|refused| matches!(refused.status, 401 | 503)));
    assert_eq!(server.tenant_hits("made-up-0"), 1, "one discovery for 20 requests at once");
}

#[rocket::async_test]
async fn a_flood_of_made_up_tenants_does_not_keep_a_real_new_one_out() {
    let server = KeyServer::start(&[]).await;
    server.set_tenant_keys("newcomer", &[TestKey::RsaA]);
    let client = Client::tracked(app(&server.tenant_template(), json!("any"), None)).await.unwrap();
    let made_up = made_up_tokens(&server, 12_000);
    let sent = AtomicUsize::new(0);
    let started = Instant::now();
    let flood = async {
        for token in &made_up {
            assert_eq!(call(&client, "/whoami", &[token]).await.status, 401);
            sent.fetch_add(1, Ordering::SeqCst);
            rocket::tokio::task::yield_now().await;
        }
    };
    let newcomer = async {
        while sent.load(Ordering::SeqCst) < 1_000 {
            rocket::tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let token = bearer(&mint(TestKey::RsaA, &claims_for(&server.tenant_issuer("newcomer"))));
        let first_request = Instant::now();
        let mut answer = call(&client, "/whoami", &[&token]).await;
        assert_eq!(answer.status, 401, "the first budget is used up by the flood");
        while answer.status != 200 && first_request.elapsed() < Duration::from_secs(2) {
            rocket::tokio::time::sleep(Duration::from_millis(100)).await;
            answer = call(&client, "/whoami", &[&token]).await;
        }
        (answer, first_request.elapsed(), sent.load(Ordering::SeqCst))
    };
    let ((), (answer, waited, flooded)) = rocket::tokio::join!(flood, newcomer);
    let rate = made_up.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "{flooded} made-up tenants sent until the newcomer's last answer, {waited:?} after its first; {rate:.0}/s"
    );
    assert_eq!(
        (answer.status, answer.body),
        (200, json!({ "issuer": "tenants", "tenant": "newcomer" })),
        "admitted {waited:?} after its first request"
    );
    assert!(flooded < made_up.len(), "the flood lasted until the newcomer was admitted");
    assert_eq!(server.tenant_hits("newcomer"), 2, "its discovery and keys");
    assert_eq!(server.all_tenant_hits(), 5 + 2, "5 made-up tenants' discoveries, and the newcomer's");
}

/// Finds the tenants that signed up, each with the audience of its
/// tokens: here, key servers by their URL. Tenants leave, and change; its
/// database may fail it (it panics then).
struct SignedUp {
    tenants: Mutex<Vec<(String, &'static str)>>,
    panics: AtomicBool,
    /// How many times it panicked.
    panicked: AtomicUsize,
}

impl SignedUp {
    fn of(bases: &[&str]) -> Arc<Self> {
        let tenants = bases.iter().map(|base| ((*base).to_owned(), AUDIENCE)).collect();
        Arc::new(Self { tenants: Mutex::new(tenants), panics: AtomicBool::new(false), panicked: AtomicUsize::new(0) })
    }

    fn set(&self, tenants: Vec<(String, &'static str)>) {
        *self.tenants.lock().unwrap() = tenants;
    }
}

#[jwt_guard::async_trait]
impl IssuerResolver for SignedUp {
    fn issuer_names(&self) -> &'static [&'static str] {
        &["customers"]
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        if self.panics.load(Ordering::SeqCst) {
            self.panicked.fetch_add(1, Ordering::SeqCst);
            panic!("the tenants' database is down");
        }
        let tenants = self.tenants.lock().unwrap();
        let tenant = tenants.iter().position(|(base, _)| base == iss)?;
        let config = IssuerConfig::new(iss, tenants[tenant].1);
        Some(ResolvedIssuer::new("customers", format!("customer-{tenant}"), config))
    }
}

/// A resolver that would pass its issuers off as the configured `tenants`.
struct Impostor;

#[jwt_guard::async_trait]
impl IssuerResolver for Impostor {
    fn issuer_names(&self) -> &'static [&'static str] {
        &["tenants"]
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        let config = IssuerConfig::new(iss, AUDIENCE);
        Some(ResolvedIssuer::new("tenants", "any", config))
    }
}

#[protected(issuer = "customers")]
#[get("/customer")]
fn customer(token: Token) -> Value {
    json!({ "issuer": token.issuer(), "tenant": token.tenant() })
}

#[rocket::async_test]
async fn an_apps_resolver_finds_the_tenants_that_no_template_names() {
    let signed_up = KeyServer::start(&[TestKey::EcA]).await;
    let stranger = KeyServer::start(&[TestKey::EcA]).await;
    let resolver = SignedUp::of(&[signed_up.base()]);
    let rocket = app("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(resolver));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let token = bearer(&mint(TestKey::EcA, &claims_for(signed_up.base())));
    let served = call(&client, "/customer", &[&token]).await;
    assert_eq!((served.status, served.body), (200, json!({ "issuer": "customers", "tenant": "customer-0" })));
    let other_issuer = call(&client, "/whoami", &[&token]).await;
    assert_eq!(
        (other_issuer.status, &other_issuer.body["error_description"]),
        (403, &json!("this resource does not accept tokens from the token's issuer")),
        "not the template's issuer"
    );
    let refused = call(&client, "/customer", &[&bearer(&mint(TestKey::EcA, &claims_for(stranger.base())))]).await;
    assert_eq!(
        (refused.status, &refused.body["error_description"]),
        (401, &json!("the token's issuer is not trusted"))
    );
    assert_eq!(stranger.discovery_hits(), 0);
}

#[rocket::async_test]
async fn an_app_whose_issuers_all_come_from_its_resolver_launches_and_serves_them() {
    let signed_up = KeyServer::start(&[TestKey::EcA]).await;
    let rocket = rocket::custom(quiet_figment())
        .attach(JwtGuard::fairing().issuer_resolver(SignedUp::of(&[signed_up.base()])))
        .register("/", jwt_guard::catchers())
        .mount("/", routes![customer]);
    let client = Client::tracked(rocket).await.expect("no issuer configured, but a resolver: the app launches");
    let token = bearer(&mint(TestKey::EcA, &claims_for(signed_up.base())));
    let served = call(&client, "/customer", &[&token]).await;
    assert_eq!((served.status, served.body), (200, json!({ "issuer": "customers", "tenant": "customer-0" })));
}

/// A resolver whose database takes ten seconds to answer.
struct Stalled;

#[jwt_guard::async_trait]
impl IssuerResolver for Stalled {
    fn issuer_names(&self) -> &'static [&'static str] {
        &["customers"]
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        rocket::tokio::time::sleep(Duration::from_secs(10)).await;
        let config = IssuerConfig::new(iss, AUDIENCE);
        Some(ResolvedIssuer::new("customers", "late", config))
    }
}

/// A resolver is waited for as long as a fetch is (`fetch_timeout`, 1 s
/// here), then its issuer's tokens are answered 503, to be retried, as
/// those of an issuer whose keys cannot be fetched.
#[rocket::async_test]
async fn a_resolver_that_does_not_answer_in_time_makes_its_tokens_wait_no_longer_than_a_fetch() {
    let server = KeyServer::start(&[TestKey::EcA]).await;
    let template = "https://login.example.com/{tenant}/v2.0";
    let rocket = app_with(template, json!(["nobody"]), Some(Arc::new(Stalled)), json!({ "fetch_timeout": 1 }));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let started = Instant::now();
    let waiting = call(&client, "/customer", &[&bearer(&mint(TestKey::EcA, &claims_for(server.base())))]).await;
    let waited = started.elapsed();
    assert_eq!((waiting.status, waiting.retry_after.as_deref()), (503, Some("1")));
    assert_eq!(
        waiting.body["error_description"],
        "the token issuer's signing keys cannot be fetched right now; retry later"
    );
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
}

#[rocket::async_test]
async fn a_resolver_cannot_name_its_issuers_as_a_configured_one() {
    let template = "https://login.example.com/{tenant}/v2.0";
    let rocket = app(template, json!(["nobody"]), Some(Arc::new(Impostor)));
    let error = rocket.ignite().await.expect_err("the app does not ignite");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed[0].name == "jwt-guard"));
    let mut config = jwt_guard::config::Config::default();
    config
        .issuers
        .insert("tenants".into(), IssuerConfig::new(template, AUDIENCE).tenants(jwt_guard::config::Tenants::Any));
    let verifier = jwt_guard::verify::Verifier::new(&config).expect("a valid configuration");
    let error = verifier.with_resolver(Arc::new(Impostor)).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "bad `jwt_guard.issuer_resolver`: the resolver names its issuers `tenants`, as a configured issuer is named: a resolved issuer would pass for it; give them another name"
    );
}

/// How long after a tenant leaves, or changes, the resolver's answer its
/// tokens are refused: the resolver is asked again once `min_refresh` (1 s
/// here) has passed since it was last asked; a changed answer forgets the
/// tenant at once, a refusal the second time in a row.
#[rocket::async_test]
async fn a_tenant_that_the_resolver_drops_or_changes_is_forgotten() {
    let (one, two) = (KeyServer::start(&[TestKey::EcA]).await, KeyServer::start(&[TestKey::EcA]).await);
    let resolver = SignedUp::of(&[one.base(), two.base()]);
    let client = refreshing_customers(resolver.clone()).await;
    let resolving = Instant::now();
    let (token_one, token_two) = (customer_token(&one), customer_token(&two));
    for token in [&token_one, &token_two] {
        assert_eq!(call(&client, "/customer", &[token]).await.status, 200, "served, and cached");
    }
    // Tenant one leaves; tenant two's tokens are now for another API.
    resolver.set(vec![(two.base().to_owned(), "https://another-api.example.com")]);
    let (refused_two, after_two) = refused_after(&client, &token_two, resolving).await;
    assert_eq!(
        (refused_two.status, refused_two.body["error_description"].clone()),
        (401, json!("the token is not meant for this audience")),
        "resolved afresh, with its new audience"
    );
    assert!(after_two >= Duration::from_secs(1), "not before it was asked again: {after_two:?}");
    let (refused_one, after_one) = refused_after(&client, &token_one, resolving).await;
    assert_eq!(
        (refused_one.status, refused_one.body["error_description"].clone()),
        (401, json!("the token's issuer is not trusted"))
    );
    assert!(after_one >= Duration::from_secs(2), "not before it was refused twice: {after_one:?}");
}

/// A resolver that panics when asked again keeps its tenants, and the
/// asking goes on: a tenant that leaves afterwards is forgotten.
#[rocket::async_test]
async fn a_resolver_that_panics_when_asked_again_keeps_its_tenants() {
    let one = KeyServer::start(&[TestKey::EcA]).await;
    let resolver = SignedUp::of(&[one.base()]);
    let client = refreshing_customers(resolver.clone()).await;
    let token = customer_token(&one);
    assert_eq!(call(&client, "/customer", &[&token]).await.status, 200);
    resolver.panics.store(true, Ordering::SeqCst);
    // Twice: a tenant refused twice in a row would be forgotten.
    let asked_twice =
        poll_until(Duration::from_secs(10), || async { (resolver.panicked.load(Ordering::SeqCst) >= 2).then_some(()) });
    assert!(asked_twice.await.is_some(), "the resolver was asked again, and panicked");
    assert_eq!(call(&client, "/customer", &[&token]).await.status, 200, "kept through the resolver's panics");
    resolver.panics.store(false, Ordering::SeqCst);
    resolver.set(Vec::new());
    let left = Instant::now();
    let (refused, _) = refused_after(&client, &token, left).await;
    assert_eq!(
        (refused.status, &refused.body["error_description"]),
        (401, &json!("the token's issuer is not trusted")),
        "still asked again after the panics"
    );
}

/// An app whose resolver `resolver` is asked again every second or so.
async fn refreshing_customers(resolver: Arc<SignedUp>) -> Client {
    let settings = json!({ "min_refresh": 1, "max_refresh": 1 });
    let rocket = app_with("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(resolver), settings);
    Client::tracked(rocket.mount("/", routes![customer])).await.unwrap()
}

/// A token of the tenant `server`, as an `Authorization` value.
fn customer_token(server: &KeyServer) -> String {
    bearer(&mint(TestKey::EcA, &claims_for(server.base())))
}

/// The first refusal of `token` at `/customer`, asked every 50 ms, and
/// how long after `since` it came: within 8 s.
async fn refused_after(client: &Client, token: &str, since: Instant) -> (jwt_guard_tests::ResponseParts, Duration) {
    loop {
        let answer = call(client, "/customer", &[token]).await;
        if answer.status != 200 {
            return (answer, since.elapsed());
        }
        assert!(since.elapsed() < Duration::from_secs(8), "still served {:?} after", since.elapsed());
        rocket::tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[rocket::async_test]
async fn an_app_forgets_a_tenant_at_once() {
    let one = KeyServer::start(&[TestKey::EcA]).await;
    let resolver = SignedUp::of(&[one.base()]);
    let rocket = app("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(resolver.clone()));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let token = bearer(&mint(TestKey::EcA, &claims_for(one.base())));
    assert_eq!(call(&client, "/customer", &[&token]).await.status, 200, "served, and cached");
    resolver.set(Vec::new());
    assert_eq!(call(&client, "/customer", &[&token]).await.status, 200, "kept until asked again, or forgotten");
    let verifier = client.rocket().state::<JwtGuard>().expect("the guard").verifier();
    assert!(verifier.forget_issuer(one.base()), "it was kept");
    assert!(!verifier.forget_issuer(one.base()), "and is no longer");
    let refused = call(&client, "/customer", &[&token]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's issuer is not trusted"))
    );
    resolver.set(vec![(one.base().to_owned(), AUDIENCE)]);
    assert_eq!(call(&client, "/customer", &[&token]).await.status, 200, "back once the resolver answers again");
}

/// A token of `server`'s tenant `tenant` (signed with `key`) for `sub`, in
/// the session `sid`.
fn tenant_token(server: &KeyServer, tenant: &str, key: TestKey, sub: &str, sid: &str) -> String {
    let mut claims = claims_for(&server.tenant_issuer(tenant));
    claims["sub"] = json!(sub);
    claims["sid"] = json!(sid);
    bearer(&mint(key, &claims))
}

/// The app revokes a tenant's session, or a tenant's user, by the
/// tenant's `iss`: its tokens are refused, cached ones too, and those of
/// the tenant's other sessions and of other tenants are not. An `iss` of
/// no tenant that the template admits revokes nothing, and says so.
#[rocket::async_test]
async fn the_app_revokes_a_tenants_session_or_user_by_the_tenants_iss() {
    let server = KeyServer::start(&[]).await;
    server.set_tenant_keys("contoso", &[TestKey::RsaA]);
    server.set_tenant_keys("fabrikam", &[TestKey::RsaB]);
    let rocket = app_with(&server.tenant_template(), json!(["contoso", "fabrikam"]), None, json!({}));
    let client = Client::tracked(rocket).await.unwrap();
    let guard = client.rocket().state::<JwtGuard>().expect("managed");
    let phone = tenant_token(&server, "contoso", TestKey::RsaA, "ada", "phone");
    let laptop = tenant_token(&server, "contoso", TestKey::RsaA, "ada", "laptop");
    let other_tenant = tenant_token(&server, "fabrikam", TestKey::RsaB, "ada", "phone");
    let grace = tenant_token(&server, "fabrikam", TestKey::RsaB, "grace", "tablet");
    let status = |token: &str| {
        let token = token.to_owned();
        let client = &client;
        async move { call(client, "/whoami", &[&token]).await.status }
    };
    for token in [&phone, &laptop, &other_tenant, &grace] {
        assert_eq!(status(token).await, 200, "accepted, and now cached");
    }

    guard.revoke_issuer_session(&server.tenant_issuer("contoso"), "phone").await.expect("a tenant's session");
    let refused = call(&client, "/whoami", &[&phone]).await;
    assert_eq!((refused.status, &refused.body["error_description"]), (401, &json!("the token has been revoked")));
    assert_eq!(status(&laptop).await, 200, "the tenant's other session");
    assert_eq!(status(&other_tenant).await, 200, "another tenant's session of the same `sid` and `sub`");

    guard.revoke_issuer_subject(&server.tenant_issuer("fabrikam"), "ada").await.expect("a tenant's user");
    assert_eq!(status(&other_tenant).await, 401);
    assert_eq!(status(&grace).await, 200, "the tenant's other user");
    assert_eq!(status(&laptop).await, 200, "the same `sub` at another tenant");

    for not_a_tenant in [server.tenant_issuer("outsider"), server.tenant_template(), server.base().to_owned()] {
        let refused = guard.revoke_issuer_session(&not_a_tenant, "phone").await;
        assert_eq!(refused, Err(SessionError::UnknownIssuer), "{not_a_tenant}");
    }
    assert_eq!(server.tenant_hits("outsider"), 0, "nothing is fetched to revoke");
}

/// A tenant that the app's resolver names is revoked by its `iss` before
/// any of its tokens is seen; one it does not name is refused. A resolver
/// that does not answer in time is reported, for the app to call again.
#[rocket::async_test]
async fn the_app_revokes_a_session_of_a_tenant_that_its_resolver_names() {
    let signed_up = KeyServer::start(&[TestKey::EcA]).await;
    let stranger = KeyServer::start(&[TestKey::EcA]).await;
    let rocket =
        app("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(SignedUp::of(&[signed_up.base()])));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let guard = client.rocket().state::<JwtGuard>().expect("managed");
    guard.revoke_issuer_session(signed_up.base(), "phone").await.expect("a tenant that the resolver names");
    assert_eq!(
        guard.revoke_issuer_session(stranger.base(), "phone").await,
        Err(SessionError::UnknownIssuer),
        "one that it does not name"
    );
    let session = |sid: &str| {
        let mut claims = claims_for(signed_up.base());
        claims["sid"] = json!(sid);
        bearer(&mint(TestKey::EcA, &claims))
    };
    let refused = call(&client, "/customer", &[&session("phone")]).await;
    assert_eq!((refused.status, &refused.body["error_description"]), (401, &json!("the token has been revoked")));
    assert_eq!(call(&client, "/customer", &[&session("laptop")]).await.status, 200);

    let template = "https://login.example.com/{tenant}/v2.0";
    let rocket = app_with(template, json!(["nobody"]), Some(Arc::new(Stalled)), json!({ "fetch_timeout": 1 }));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let guard = client.rocket().state::<JwtGuard>().expect("managed");
    let started = Instant::now();
    let stalled = guard.revoke_issuer_session(signed_up.base(), "phone").await.unwrap_err();
    assert_eq!(
        (stalled.status_code(), stalled.retry_after(), stalled),
        (503, Some(Duration::from_secs(1)), SessionError::ResolverTimedOut)
    );
    assert!(started.elapsed() < Duration::from_secs(5), "waited as long as a fetch: {:?}", started.elapsed());
}
