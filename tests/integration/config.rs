//! Configuration: Rocket.toml-style tables and the builder, and bad values
//! that abort ignite with the key named.

use std::time::Duration;

use jwt_guard::JwtGuard;
use jwt_guard::config::{ClaimValues, Config, IssuerConfig, LocalIssuerConfig};
use jwt_guard::issuer::StaticUsers;
use jwt_guard::verify::RevocationList;
use jwt_guard_tests::{
    AUDIENCE, DPOP_CHALLENGE, KeyServer, OneIssuer, TestKey, app, app_with_builder, app_with_config, call, claims_for,
    issuer_table, mint,
};
use rocket::local::asynchronous::Client;
use serde_json::json;

use crate::bearer;

#[rocket::async_test]
async fn bad_values_abort_ignite() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let good = json!({ "good": issuer_table(&server) });
    assert!(app(json!({ "issuers": good })).ignite().await.is_ok(), "the tables below are bad for one key only");
    let bad_tables = [
        json!({ "issuers": {} }),
        json!({ "leeway": "thirty", "issuers": good }),
        json!({ "levway": 30, "issuers": good }),
        json!({ "issuers": { "x": { "issuer": "https://x.test/" } } }),
        json!({ "issuers": { "x": { "issuer": "https://x.test/", "audience": "a", "algorithms": ["none"] } } }),
    ];
    let without_table = rocket::custom(jwt_guard_tests::quiet_figment()).attach(JwtGuard::fairing());
    for rocket in bad_tables.into_iter().map(app).chain([without_table]) {
        let error = rocket.ignite().await.expect_err("a bad configuration aborts ignite");
        assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed[0].name == "jwt-guard")
        );
    }
}

#[test]
fn errors_name_the_bad_key_and_say_the_fix() {
    let check = |config: Config| JwtGuard::from_config(config).unwrap_err().to_string();
    let with_issuer = |issuer: IssuerConfig| {
        let mut config = Config::default();
        config.issuers.insert("idp".into(), issuer);
        config
    };
    assert_eq!(
        check(Config::default()),
        "bad `jwt_guard.issuers`: no issuer is configured; add a `[default.jwt_guard.issuers.<name>]` table with \
         `issuer` and `audience`, or `[default.jwt_guard.local]` for the built-in issuer, or plug in an \
         `IssuerResolver`"
    );
    assert_eq!(
        check(with_issuer(IssuerConfig::new("http://idp.example.com/", AUDIENCE))),
        "bad `jwt_guard.issuers.idp.issuer`: plain `http://` is accepted only for loopback hosts; use `https://` or set `allow_http = true`"
    );
    assert_eq!(
        check(with_issuer(IssuerConfig::new("https://idp.example.com/", AUDIENCE).algorithms(["HS256"]))),
        "bad `jwt_guard.issuers.idp.algorithms`: `HS256` needs a shared secret, but remote issuers publish public keys only"
    );
    assert_eq!(
        check(with_issuer(IssuerConfig::new("https://idp.example.com/", AUDIENCE).algorithms(["RS257"]))),
        "bad `jwt_guard.issuers.idp.algorithms`: unknown algorithm `RS257`; expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
    );
    assert!(
        JwtGuard::from_config(with_issuer(IssuerConfig::new("http://idp.example.com/", AUDIENCE).allow_http(true)))
            .is_ok()
    );
    assert_eq!(
        check(with_issuer(
            IssuerConfig::new("http://127.0.0.1:{tenant}", AUDIENCE).tenants(jwt_guard::config::Tenants::Any)
        )),
        "bad `jwt_guard.issuers.idp.issuer`: `{tenant}` may stand in the path, or be the first label of the host \
         under a fixed domain (`https://{tenant}.auth.example.com/`), nowhere else",
        "a token's tenant must not choose the host or port that keys are fetched from"
    );
    assert_eq!(
        check(with_issuer(
            IssuerConfig::new("https://idp.example.com/{tenant}", AUDIENCE)
                .tenants(jwt_guard::config::Tenants::Any)
                .jwks_uri("https://idp.example.com/common/keys")
        )),
        "bad `jwt_guard.issuers.idp.jwks_uri`: a template's keys are each tenant's own: give `jwks_uri` with \
         `{tenant}`, or leave it out to find each tenant's keys by its discovery document",
        "no key of one tenant signs for another"
    );
    for (prefix, problem) in [
        ("JWT:", "must be one HTTP token, such as `Bearer` or `JWT`: letters, digits and ``!#$%&'*+-.^_`|~``"),
        ("dpop", "must not be `DPoP`, the scheme of DPoP-bound tokens, taken whenever an issuer's tokens may be bound"),
    ] {
        let mut config = with_issuer(IssuerConfig::new("https://idp.example.com/", AUDIENCE));
        config.header_prefix = prefix.into();
        assert_eq!(check(config), format!("bad `jwt_guard.header_prefix`: {problem}"), "it is a challenge's scheme");
    }
    let template_introspecting = || {
        IssuerConfig::new("https://idp.example.com/{tenant}", AUDIENCE)
            .tenants(jwt_guard::config::Tenants::Any)
            .introspection("rs-client", "secret")
    };
    assert_eq!(
        check(with_issuer(template_introspecting())),
        "bad `jwt_guard.issuers.idp.introspect`: an opaque token names no tenant, so none is sent to a template: \
         with client credentials, a template introspects its tenants' JWTs, with `introspect = \"always\"`",
        "credentials that would introspect nothing are no silent mistake"
    );
    let mut shared_endpoint = template_introspecting();
    shared_endpoint.introspect = jwt_guard::config::IntrospectMode::Always;
    shared_endpoint.introspection_endpoint = Some("https://idp.example.com/introspect".into());
    assert_eq!(
        check(with_issuer(shared_endpoint)),
        "bad `jwt_guard.issuers.idp.introspection_endpoint`: a template's tenants are each introspected at the \
         endpoint that their own discovery document names, at their own origin: leave `introspection_endpoint` out",
        "one tenant's tokens and the API's credentials go to no endpoint but the tenant's"
    );
    assert_eq!(
        check(with_issuer(IssuerConfig::new("https://idp.example.com/", AUDIENCE).logout_client_id(""))),
        "bad `jwt_guard.issuers.idp.logout_client_id`: must not be empty; give the client id that the issuer's \
         logout tokens name as `aud`"
    );
    assert_eq!(
        check(with_issuer(
            IssuerConfig::new("https://{tenant}.idp.example.com/", AUDIENCE)
                .tenants(jwt_guard::config::Tenants::Any)
                .logout_client_id("web-client")
        )),
        "bad `jwt_guard.issuers.idp.logout_client_id`: back-channel logout is received from configured issuers, \
         not templates; configure each tenant's issuer"
    );
    for logout_path in ["backchannel-logout", "/<x>", "/logout/", "/a b", "/logout?x=1"] {
        let mut config = with_issuer(IssuerConfig::new("https://idp.example.com/", AUDIENCE).logout_client_id("web"));
        config.logout_path = logout_path.into();
        assert_eq!(
            check(config),
            "bad `jwt_guard.logout_path`: must be a path such as `/backchannel-logout`: a leading `/`, then segments \
             of letters, digits, `-`, `.`, `_` or `~` separated by single slashes, with no trailing slash",
            "{logout_path}"
        );
    }
}

#[rocket::async_test]
async fn a_bad_auth_path_aborts_ignite_instead_of_panicking_in_mount() {
    for auth_path in ["auth", "/<x>", "/auth/", "/a b", "/auth?x=1"] {
        let figment = jwt_guard_tests::quiet_figment().merge(("jwt_guard.local.auth_path", auth_path));
        let rocket = rocket::custom(figment).attach(JwtGuard::fairing().login(StaticUsers::new()));
        let error = rocket.ignite().await.expect_err("a bad `auth_path` aborts ignite");
        assert!(
            matches!(error.kind(), rocket::error::ErrorKind::FailedFairings(failed) if failed[0].name == "jwt-guard"),
            "{auth_path}"
        );
        let error = JwtGuard::from_config(with_local(|local| local.auth_path = auth_path.into())).unwrap_err();
        assert_eq!(error.key, "local.auth_path", "{auth_path}");
        assert!(
            error.to_string().starts_with("bad `jwt_guard.local.auth_path`: must be a path such as `/auth`"),
            "{error}"
        );
    }
}

#[test]
fn values_that_would_overflow_a_clock_or_memory_are_refused() {
    let key = |config: Config| JwtGuard::from_config(config).map(drop).unwrap_err().key;
    let centuries = Duration::from_secs(100 * 365 * 24 * 3600);
    assert_eq!(key(with_local(|local| local.expires_in = centuries)), "local.expires_in");
    assert_eq!(key(with_local(|local| local.not_before = centuries)), "local.not_before");
    assert_eq!(key(with_local(|local| local.refresh_expires_in = Some(centuries))), "local.refresh_expires_in");
    let mut config = with_local(|_| {});
    config.max_refresh = centuries;
    assert_eq!(key(config), "max_refresh");
    let mut config = with_local(|_| {});
    config.leeway = centuries;
    assert_eq!(key(config), "leeway");
    let mut config = with_local(|_| {});
    config.token_cache_size = u64::MAX;
    assert_eq!(key(config), "token_cache_size");
    for rate in [0, 100_001] {
        let mut config = with_local(|_| {});
        config.introspection_rate = rate;
        assert_eq!(key(config), "introspection_rate", "{rate} a second");
    }
    let mut config = Config::default();
    config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.test/", AUDIENCE).max_lifetime(centuries));
    assert_eq!(key(config), "issuers.idp.max_lifetime");
    for bytes in [0, 7_000_000_000_000_000_000] {
        let mut config = with_local(|_| {});
        config.max_token_bytes = bytes;
        assert_eq!(key(config), "max_token_bytes", "{bytes} bytes");
    }
}

#[test]
fn lifetimes_that_would_issue_tokens_never_valid_or_throttle_nothing_are_refused() {
    let refused = |config: Config| JwtGuard::from_config(config).map(drop).unwrap_err().to_string();
    let half_a_second = Duration::from_millis(500);
    assert_eq!(
        refused(with_local(|local| local.expires_in = half_a_second)),
        "bad `jwt_guard.local.expires_in`: must be at least 1 second"
    );
    assert_eq!(
        refused(with_local(|local| local.login_throttle_longest = half_a_second)),
        "bad `jwt_guard.local.login_throttle_longest`: must be at least 1 second"
    );
    assert_eq!(
        refused(with_local(|local| local.refresh_expires_in = Some(half_a_second))),
        "bad `jwt_guard.local.refresh_expires_in`: must be at least 1 second"
    );
    for (idle, lifetime) in [(3600, None), (3600, Some(3600))] {
        let config = with_local(|local| {
            local.refresh_idle_timeout = Some(Duration::from_secs(idle));
            local.refresh_expires_in = lifetime.map(Duration::from_secs);
        });
        assert_eq!(
            refused(config),
            "bad `jwt_guard.local.refresh_idle_timeout`: must be shorter than `refresh_expires_in`, which sessions \
             need: a longer one would end none"
        );
    }
    assert_eq!(
        refused(with_local(|local| {
            local.refresh_idle_timeout = Some(half_a_second);
            local.refresh_expires_in = Some(Duration::from_secs(3600));
        })),
        "bad `jwt_guard.local.refresh_idle_timeout`: must be at least 1 second"
    );
    assert_eq!(
        refused(with_local(|local| local.not_before = Duration::from_secs(600))),
        "bad `jwt_guard.local.not_before`: must be shorter than `expires_in`: a token valid from after it expires \
         is never valid"
    );
}

#[test]
fn values_that_would_weaken_verification_or_be_ignored_are_refused() {
    let refused = |config: Config| JwtGuard::from_config(config).map(drop).unwrap_err().to_string();
    let with_issuer = |issuer: IssuerConfig| {
        let mut config = Config::default();
        config.issuers.insert("idp".into(), issuer);
        config
    };
    let idp = || IssuerConfig::new("https://idp.example.com/", AUDIENCE);
    let mut config = with_issuer(idp());
    config.leeway = Duration::from_secs(301);
    assert_eq!(
        refused(config),
        "bad `jwt_guard.leeway`: must be at most 300 seconds: it is for clocks that disagree, and lengthens every \
         token's life"
    );
    let mut config = with_issuer(idp());
    config.refetch_cooldown = Duration::ZERO;
    assert_eq!(
        refused(config),
        "bad `jwt_guard.refetch_cooldown`: must be at least 0.1 seconds: it bounds the fetches that tokens with \
         unknown `kid`s cause"
    );
    assert_eq!(
        refused(with_issuer(
            idp().inline_jwks(json!({ "keys": [TestKey::RsaA.jwk()] })).jwks_uri("https://idp.example.com/keys")
        )),
        "bad `jwt_guard.issuers.idp.jwks_uri`: give the keys inline (`jwks`) or where to fetch them (`jwks_uri`), \
         not both",
        "inline keys would be trusted, and the published ones never fetched"
    );
    for values in [ClaimValues(Vec::new()), ClaimValues::from("")] {
        assert_eq!(
            refused(with_issuer(idp().require_claim("client_id", values))),
            "bad `jwt_guard.issuers.idp.required_claims.client_id`: give the value, or the values, that the claim \
             must have",
            "a required claim that no token could carry"
        );
    }
    let aliased = || idp().issuer_aliases(["idp.example.com"]);
    assert_eq!(
        refused(with_issuer(aliased().logout_client_id("web"))),
        "bad `jwt_guard.issuers.idp.issuer_aliases`: not for a template, nor with `logout_client_id`: configure an \
         issuer of each `iss`"
    );
    let mut config = with_issuer(idp().issuer_aliases(["https://other.example.com/"]));
    config.issuers.insert("other".into(), IssuerConfig::new("https://other.example.com/", AUDIENCE));
    assert_eq!(
        refused(config),
        "bad `jwt_guard.issuers.other.issuer`: another issuer has the same `issuer` value, or alias"
    );
    let mut config = with_issuer(idp());
    config.issuers.insert(
        "other".into(),
        IssuerConfig::new("https://other.example.com/", AUDIENCE).issuer_aliases(["https://idp.example.com/"]),
    );
    assert_eq!(
        refused(config),
        "bad `jwt_guard.issuers.other.issuer_aliases`: another issuer has one of them as its `issuer`, or alias"
    );
    for name in ["", "/realm_access~2roles"] {
        assert_eq!(
            refused(with_issuer(idp().require_claim(name, "access"))),
            format!(
                "bad `jwt_guard.issuers.idp.required_claims`: `{name}` is no claim name, nor a JSON Pointer such as \
                 `/realm_access/roles`"
            )
        );
    }
    for (issuer, problem) in [
        (
            "https://idp.example.com/ ",
            "must not begin or end with white space: a token's `iss` is compared byte for byte",
        ),
        ("https://idp.example.com/?tenant=a", "must be a URL without a query or fragment"),
        ("https://idp.example.com/#a", "must be a URL without a query or fragment"),
        (
            "https://login.microsoftonline.com/{tenantid}/v2.0",
            "has a `{` or `}` outside `{tenant}`: write Entra ID's `{tenantid}` as `{tenant}`",
        ),
    ] {
        assert_eq!(
            refused(with_issuer(IssuerConfig::new(issuer, AUDIENCE))),
            format!("bad `jwt_guard.issuers.idp.issuer`: {problem}"),
            "{issuer:?}"
        );
        assert_eq!(
            refused(with_local(|local| local.issuer = Some(issuer.into()))),
            format!("bad `jwt_guard.local.issuer`: {problem}"),
            "{issuer:?}"
        );
    }
    for issuer in ["", "api.example.com", "ftp://api.example.com"] {
        let problem = match issuer {
            "" => "must not be empty",
            _ => "must be the API's own `https://` URL (or `http://`), such as `https://api.example.com`",
        };
        assert_eq!(
            refused(with_local(|local| local.issuer = Some(issuer.into()))),
            format!("bad `jwt_guard.local.issuer`: {problem}"),
            "{issuer:?}"
        );
    }
    assert_eq!(
        refused(with_local(|local| local.audience = Some(String::new()))),
        "bad `jwt_guard.local.audience`: must not be empty"
    );
    for max_age in [0, 301] {
        let mut config = with_issuer(idp());
        config.dpop.max_age = Duration::from_secs(max_age);
        assert_eq!(
            refused(config),
            "bad `jwt_guard.dpop.max_age`: must be above 0 and at most 300 seconds: a proof is made for one request, \
             when it is sent",
            "{max_age} s"
        );
    }
    let mut config = with_issuer(idp());
    config.dpop.nonce_secret = Some("a secret of more than thirty-two bytes, for nonces".into());
    assert_eq!(
        refused(config),
        "bad `jwt_guard.dpop.nonce_secret`: is the key of server nonces, which are off: set `nonce = true` too, or \
         leave it out"
    );
    for (prefix, problem) in [
        ("", "must not be empty; leave it out to claim every opaque token"),
        (
            "jgrt_acme_",
            "must not start with `jgrt_`, which starts the built-in issuer's refresh tokens: each is refused as an \
             access token, never sent to an issuer",
        ),
    ] {
        let mut introspecting = idp().introspection("rs-client", "secret");
        introspecting.opaque_token_prefix = Some(prefix.into());
        assert_eq!(
            refused(with_issuer(introspecting)),
            format!("bad `jwt_guard.issuers.idp.opaque_token_prefix`: {problem}"),
            "{prefix:?}"
        );
    }
    let mut signed_without_credentials = idp();
    signed_without_credentials.signed_introspection = true;
    assert_eq!(
        refused(with_issuer(signed_without_credentials)),
        "bad `jwt_guard.issuers.idp.signed_introspection`: introspection needs the API's `client_id` at the issuer, \
         with `client_secret` or `client_key_file`"
    );
    let mut config = with_issuer(idp());
    config.leeway = Duration::from_secs(300);
    config.refetch_cooldown = Duration::from_millis(100);
    config.dpop.max_age = Duration::from_secs(300);
    assert!(JwtGuard::from_config(config).is_ok(), "the bounds themselves are accepted");
}

/// A configuration with the built-in issuer, its settings changed by `edit`.
fn with_local(edit: impl FnOnce(&mut LocalIssuerConfig)) -> Config {
    let mut local = LocalIssuerConfig::default();
    edit(&mut local);
    let mut config = Config::default();
    config.local = Some(local);
    config
}

/// An opaque token names no tenant, so a template claims none: an issuer
/// that introspects opaque tokens needs no prefix beside one.
#[test]
fn a_template_that_introspects_claims_no_opaque_token() {
    let mut config = Config::default();
    let opaque = IssuerConfig::new("https://opaque.example.com/", AUDIENCE).introspection("rs-client", "secret");
    let mut template = IssuerConfig::new("https://idp.example.com/{tenant}", AUDIENCE)
        .tenants(jwt_guard::config::Tenants::Any)
        .introspection("rs-client", "secret");
    template.introspect = jwt_guard::config::IntrospectMode::Always;
    config.issuers.insert("opaque".into(), opaque);
    config.issuers.insert("tenants".into(), template);
    assert!(JwtGuard::from_config(config).is_ok());
}

#[test]
fn rocket_config_errors_name_the_key() {
    let figment = jwt_guard_tests::quiet_figment().merge(("jwt_guard", json!({ "levway": 30 })));
    let error = figment.extract_inner::<Config>("jwt_guard").unwrap_err();
    assert!(error.to_string().contains("unknown field: found `levway`"), "{error}");
    assert!(error.path.iter().any(|key| key == "levway"), "{:?}", error.path);
}

#[rocket::async_test]
async fn the_builder_configures_in_code() {
    let server = KeyServer::start(&[TestKey::RsaA]).await;
    let mut config = Config::default();
    config.realm = "reports".into();
    config.issuers.insert("built".into(), IssuerConfig::new(server.base(), AUDIENCE).jwks_uri(server.jwks_uri()));
    let client = Client::tracked(app_with_config(config)).await.unwrap();
    let ok = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(server.base())))]).await;
    assert_eq!((ok.status, ok.body["issuer"].clone()), (200, json!("built")));
    let missing = call(&client, "/token", &[]).await;
    let dpop = DPOP_CHALLENGE.replace(r#"realm="api""#, r#"realm="reports""#);
    assert_eq!(missing.challenge, Some(format!(r#"Bearer realm="reports", {dpop}"#)));
}

#[rocket::async_test]
async fn changes_in_code_are_made_on_top_of_rockets_table() {
    let (in_table, in_code) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::EcA]).await);
    let table = json!({
        "realm": "reports",
        "issuers": { "from-table": { "issuer": in_table.base(), "audience": AUDIENCE, "jwks_uri": in_table.jwks_uri() } },
    });
    let code_issuer = IssuerConfig::new(in_code.base(), AUDIENCE).jwks_uri(in_code.jwks_uri());
    let fairing =
        JwtGuard::fairing().configure(|config| config.realm = "ledger".into()).issuer("from-code", code_issuer);
    let client = Client::tracked(app_with_builder(table.clone(), fairing.clone())).await.unwrap();
    let from_table = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(in_table.base())))]).await;
    let from_code = call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims_for(in_code.base())))]).await;
    assert_eq!((from_table.status, from_table.body["issuer"].clone()), (200, json!("from-table")));
    assert_eq!((from_code.status, from_code.body["issuer"].clone()), (200, json!("from-code")));
    let missing = call(&client, "/token", &[]).await;
    let dpop = DPOP_CHALLENGE.replace(r#"realm="api""#, r#"realm="ledger""#);
    assert_eq!(missing.challenge, Some(format!(r#"Bearer realm="ledger", {dpop}"#)));

    // A whole configuration given in code replaces the table, and the
    // changes made before it.
    let mut whole = Config::default();
    whole.issuers.insert("whole".into(), IssuerConfig::new(in_code.base(), AUDIENCE).jwks_uri(in_code.jwks_uri()));
    let client = Client::tracked(app_with_builder(table, fairing.config(whole))).await.unwrap();
    let from_table = call(&client, "/token", &[&bearer(&mint(TestKey::RsaA, &claims_for(in_table.base())))]).await;
    let from_code = call(&client, "/token", &[&bearer(&mint(TestKey::EcA, &claims_for(in_code.base())))]).await;
    assert_eq!((from_table.status, from_code.status, from_code.body["issuer"].clone()), (401, 200, json!("whole")));
    assert_eq!(call(&client, "/token", &[]).await.challenge, Some(format!(r#"Bearer realm="api", {DPOP_CHALLENGE}"#)));
}

/// The token ids an older system of the app revoked.
struct LegacyDenyList;

#[jwt_guard::async_trait]
impl RevocationList for LegacyDenyList {
    async fn is_revoked(&self, jti: &str) -> bool {
        jti == "revoked-elsewhere"
    }
}

#[rocket::async_test]
async fn outside_rocket_the_builder_takes_a_revocation_list_and_an_issuer_resolver() {
    let (server, tenant) = (KeyServer::start(&[TestKey::RsaA]).await, KeyServer::start(&[TestKey::EcA]).await);
    let guard = JwtGuard::builder()
        .issuer("idp", IssuerConfig::new(server.base(), AUDIENCE))
        .configure(|config| config.leeway = Duration::from_secs(5))
        .revocations(LegacyDenyList)
        .issuer_resolver(OneIssuer::new(&["customers"], "acme", IssuerConfig::new(tenant.base(), AUDIENCE)))
        .build()
        .expect("a valid configuration");
    let authenticate = |token: String| {
        let guard = &guard;
        async move { guard.authenticate([bearer(&token).as_str()].into_iter(), false).await }
    };
    let mut claims = claims_for(server.base());
    claims["jti"] = json!("still-good");
    let served = authenticate(mint(TestKey::RsaA, &claims)).await.expect("a valid token");
    assert_eq!(served.issuer(), "idp");
    claims["jti"] = json!("revoked-elsewhere");
    let refused = authenticate(mint(TestKey::RsaA, &claims)).await.expect_err("revoked by the app's list");
    assert_eq!(refused.to_string(), "the token has been revoked");
    let resolved = authenticate(mint(TestKey::EcA, &claims_for(tenant.base()))).await.expect("a tenant's token");
    assert_eq!((resolved.issuer(), resolved.tenant()), ("customers", Some("acme")));
}

/// The rows of the tables of `chapter` whose defaults are literals: each
/// key with its documented default, as JSON (`30`, `"Bearer"`, `[]`). A row
/// of several keys pairs them with as many defaults; other defaults
/// ("none", "discovered") are words, not values, and are left out.
fn documented_defaults(chapter: &str) -> Vec<(String, serde_json::Value)> {
    let mut defaults = Vec::new();
    for row in chapter.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let unquote = |cell: &str| -> Vec<String> {
            cell.trim_matches('|').split(", ").map(|part| part.trim().trim_matches('`').to_owned()).collect()
        };
        let (keys, values) = (unquote(cells[0]), unquote(cells[1]));
        let parsed: Option<Vec<serde_json::Value>> =
            values.iter().map(|value| serde_json::from_str(value).ok()).collect();
        if let Some(parsed) = parsed.filter(|parsed| parsed.len() == keys.len()) {
            defaults.extend(keys.into_iter().zip(parsed));
        }
    }
    defaults
}

/// The fields of `source` whose doc comment ends a sentence with
/// ``Default: `value`.`` and whose value is a JSON literal, with it. An
/// `Option` field is left out: its documented default is what `None`
/// means once checked, not a value it holds.
fn rustdoc_defaults(source: &str) -> Vec<(String, serde_json::Value)> {
    let mut defaults = Vec::new();
    let mut documented = None;
    for line in source.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("///") {
            if let Some((_, rest)) = doc.split_once("Default: `") {
                documented = rest.split_once('`').and_then(|(value, _)| serde_json::from_str(value).ok());
            }
        } else if let Some(field) = line.strip_prefix("pub ").and_then(|rest| rest.split_once(':')) {
            let value = documented.take().filter(|_| !field.1.trim().starts_with("Option<"));
            defaults.extend(value.map(|value| (field.0.to_owned(), value)));
        } else if !line.starts_with("#[") {
            documented = None;
        }
    }
    defaults
}

#[test]
fn every_default_the_configuration_chapter_documents_is_the_codes() {
    // Defaults are set once, in the `Default` impls; the chapter's tables
    // and the fields' docs say them again for readers, and must agree.
    let chapter = include_str!("../../jwt-guard/docs/configuration.md");
    let (app_table, issuer_table) = chapter.split_once("Each issuer is").expect("the chapter's two tables");
    let app = documented_defaults(app_table)
        .into_iter()
        .chain(rustdoc_defaults(include_str!("../../jwt-guard/src/config.rs")))
        .collect::<Vec<_>>();
    for (key, default) in &app {
        let set: Config = serde_json::from_value(json!({ key: default })).expect(key);
        assert_eq!(set, Config::default(), "`{key}` documented as {default}, not the code's default");
    }
    let base = json!({ "issuer": "https://idp.example.com/", "audience": AUDIENCE });
    let unset: IssuerConfig = serde_json::from_value(base.clone()).expect("an issuer table");
    let issuer = documented_defaults(issuer_table)
        .into_iter()
        .chain(rustdoc_defaults(include_str!("../../jwt-guard/src/config/issuer.rs")))
        .collect::<Vec<_>>();
    for (key, default) in &issuer {
        let mut table = base.clone();
        table[key.as_str()] = default.clone();
        let set: IssuerConfig = serde_json::from_value(table).expect(key);
        assert_eq!(set, unset, "issuers' `{key}` documented as {default}, not the code's default");
    }
    let checked: Vec<&str> = app.iter().chain(&issuer).map(|(key, _)| key.as_str()).collect();
    let from_rustdoc = rustdoc_defaults(include_str!("../../jwt-guard/src/config.rs"));
    assert!(from_rustdoc.len() >= 15, "the fields' own docs are read too: {from_rustdoc:?}");
    for key in
        ["leeway", "fetch_timeout", "token_cache_size", "introspection_rate", "tenant_discoveries", "scope_claim"]
    {
        assert!(checked.contains(&key), "`{key}` is checked: {checked:?}");
    }
}
