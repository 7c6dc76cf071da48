//! Issuers resolved per request: three tenants, each a real key server on
//! 127.0.0.1 with keys of its own, served through one issuer template; a
//! tenant outside the allow-list refused without a fetch; 10,000 made-up
//! tenants costing at most `tenant_discoveries` fetches; and tenants that
//! an app's resolver finds.

use std::sync::Arc;

use jwt_guard::{IssuerConfig, IssuerResolver, JwtGuard, ResolvedIssuer, Token, protected};
use jwt_guard_tests::{AUDIENCE, KeyServer, TestKey, call, claims_for, mint, quiet_figment};
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
    let servers = [
        KeyServer::start(&[TestKey::RsaA]).await,
        KeyServer::start(&[TestKey::RsaB]).await,
        KeyServer::start(&[TestKey::EcA]).await,
    ];
    let keys = [TestKey::RsaA, TestKey::RsaB, TestKey::EcA];
    let outsider = KeyServer::start(&[TestKey::EdA]).await;
    let admitted: Vec<String> = servers.iter().map(|server| server.port().to_string()).collect();
    let client = Client::tracked(app("http://127.0.0.1:{tenant}", json!(admitted), None)).await.unwrap();
    for (server, key) in servers.iter().zip(keys) {
        let served = call(&client, "/whoami", &[&bearer(&mint(key, &claims_for(server.base())))]).await;
        assert_eq!(
            (served.status, served.body),
            (200, json!({ "issuer": "tenants", "tenant": server.port().to_string() })),
            "the template's name, and the tenant"
        );
    }
    let a_with_b_key = mint(TestKey::RsaB, &claims_for(servers[0].base()));
    let refused = call(&client, "/whoami", &[&bearer(&a_with_b_key)]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's signing key is not known")),
        "tenant A's token under tenant B's key"
    );
    let not_admitted = call(&client, "/whoami", &[&bearer(&mint(TestKey::EdA, &claims_for(outsider.base())))]).await;
    assert_eq!(
        (not_admitted.status, not_admitted.body["error_description"].clone()),
        (401, json!("the token's issuer is not trusted"))
    );
    assert_eq!((outsider.discovery_hits(), outsider.jwks_hits()), (0, 0), "nothing fetched for it");
}

#[rocket::async_test]
async fn a_key_that_a_tenants_provider_withdraws_stops_being_trusted() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let refreshing = json!({ "min_refresh": 0.1, "max_refresh": 0.3 });
    let tenants = json!([server.port().to_string()]);
    let client = Client::tracked(app_with("http://127.0.0.1:{tenant}", tenants, None, refreshing)).await.unwrap();
    let withdrawn = bearer(&mint(TestKey::RsaA, &claims_for(server.base())));
    assert_eq!(call(&client, "/whoami", &[&withdrawn]).await.status, 200, "verified, then cached");
    server.set_keys(vec![TestKey::RsaB.jwk()]);
    // Only a refresh in the background can bring key B and take key A away:
    // an unknown `kid` fetches nothing for an hour.
    let replacement = bearer(&mint(TestKey::RsaB, &claims_for(server.base())));
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

#[rocket::async_test]
async fn a_tenant_that_left_the_cache_has_its_tokens_verified_afresh() {
    let mut servers = Vec::new();
    for _ in 0..5 {
        servers.push(KeyServer::start(&[TestKey::RsaA]).await);
    }
    let tenants: Vec<String> = servers.iter().map(|server| server.port().to_string()).collect();
    let small = json!({ "tenant_cache_size": 2, "tenant_discoveries": 10 });
    let client = Client::tracked(app_with("http://127.0.0.1:{tenant}", json!(tenants), None, small)).await.unwrap();
    let tokens: Vec<String> =
        servers.iter().map(|server| bearer(&mint(TestKey::RsaA, &claims_for(server.base())))).collect();
    for token in &tokens {
        assert_eq!(call(&client, "/whoami", &[token]).await.status, 200, "verified, then cached");
    }
    // The second tenant has left the cache of two for the later ones; it
    // withdraws its key meanwhile, and nothing refreshes its keys.
    servers[1].set_keys(vec![TestKey::RsaOther.jwk()]);
    let refused = call(&client, "/whoami", &[&tokens[1]]).await;
    assert_eq!(
        (refused.status, refused.body["error_description"].clone()),
        (401, json!("the token's signing key is not known"))
    );
}

#[rocket::async_test]
async fn ten_thousand_made_up_tenants_cost_at_most_the_configured_discoveries() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let template = format!("{}/{{tenant}}", server.base());
    let client = Client::tracked(app(&template, json!("any"), None)).await.unwrap();
    // Ed25519 signs fast: the test's cost is the app's.
    for n in 0..10_000 {
        let claims = claims_for(&format!("{}/made-up-{n}", server.base()));
        let refused = call(&client, "/whoami", &[&bearer(&mint(TestKey::EdA, &claims))]).await;
        assert_eq!(refused.status, 401, "made-up tenant {n}: {}", refused.body);
    }
    assert!(server.other_hits() <= 5, "{} discoveries for 10,000 made-up tenants", server.other_hits());
}

#[rocket::async_test]
async fn made_up_tenants_cannot_retry_their_way_past_the_budget() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let template = format!("{}/{{tenant}}", server.base());
    let client = Client::tracked(app(&template, json!("any"), None)).await.unwrap();
    let tokens: Vec<String> =
        (0..5).map(|n| bearer(&mint(TestKey::EdA, &claims_for(&format!("{}/made-up-{n}", server.base()))))).collect();
    for round in 0..3 {
        for token in &tokens {
            let refused = call(&client, "/whoami", &[token]).await;
            assert!(matches!(refused.status, 401 | 503), "round {round}: {}", refused.status);
        }
        // Past the back-off after a failed discovery (1 s at first).
        rocket::tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    assert_eq!(server.other_hits(), 5, "one discovery each, within the budget of 5 per cooldown");
}

/// Finds the tenants that signed up: here, key servers by their URL.
struct SignedUp(Vec<String>);

#[jwt_guard::async_trait]
impl IssuerResolver for SignedUp {
    fn issuer_names(&self) -> &'static [&'static str] {
        &["customers"]
    }

    async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
        let tenant = self.0.iter().position(|base| base == iss)?;
        let config = IssuerConfig::new(iss, AUDIENCE);
        Some(ResolvedIssuer { name: "customers".into(), tenant: format!("customer-{tenant}"), config })
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
        Some(ResolvedIssuer { name: "tenants".into(), tenant: "any".into(), config })
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
    let resolver = Arc::new(SignedUp(vec![signed_up.base().to_owned()]));
    let rocket = app("https://login.example.com/{tenant}/v2.0", json!(["nobody"]), Some(resolver));
    let client = Client::tracked(rocket.mount("/", routes![customer])).await.unwrap();
    let token = bearer(&mint(TestKey::EcA, &claims_for(signed_up.base())));
    let served = call(&client, "/customer", &[&token]).await;
    assert_eq!((served.status, served.body), (200, json!({ "issuer": "customers", "tenant": "customer-0" })));
    assert_eq!(call(&client, "/whoami", &[&token]).await.status, 403, "not the template's issuer");
    let refused = call(&client, "/customer", &[&bearer(&mint(TestKey::EcA, &claims_for(stranger.base())))]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(stranger.discovery_hits(), 0);
}

#[rocket::async_test]
async fn a_resolver_cannot_name_its_issuers_as_a_configured_one() {
    let template = "https://login.example.com/{tenant}/v2.0";
    let rocket = app(template, json!(["nobody"]), Some(Arc::new(Impostor)));
    let error = rocket.ignite().await.expect_err("the app does not ignite");
    assert!(matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed[0].name == "jwt-guard"));
    let mut config = jwt_guard::Config::default();
    config.issuers.insert("tenants".into(), IssuerConfig::new(template, AUDIENCE).tenants(jwt_guard::Tenants::Any));
    let verifier = jwt_guard::Verifier::new(&config).expect("a valid configuration");
    let error = verifier.with_resolver(Arc::new(Impostor)).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "bad `jwt_guard.issuer_resolver`: the resolver names its issuers `tenants`, as a configured issuer is named: a resolved issuer would pass for it; give them another name"
    );
}
