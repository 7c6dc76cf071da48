//! The checks of a configuration, and the settings they produce.

use super::*;
use crate::config::{IssuerConfig, LocalIssuerConfig, Secret, TokenType};

impl Config {
    /// The issuers' settings, or the first problem.
    fn validate(&self) -> Result<Vec<IssuerSettings>, ConfigError> {
        self.settings(Defaults::STANDALONE).map(|settings| settings.verifier.issuers)
    }
}

fn with_issuer(issuer: IssuerConfig) -> Config {
    let mut config = Config::default();
    config.issuers.insert("idp".into(), issuer);
    config
}

fn problem(config: &Config) -> (String, String) {
    let error = config.validate().unwrap_err();
    (error.key, error.problem)
}

#[test]
fn defaults_are_the_documented_ones() {
    let config = Config::default();
    assert_eq!(config.leeway, Duration::from_secs(30));
    assert_eq!(config.max_token_bytes, 8192);
    assert_eq!(config.header_prefix, "Bearer");
    assert_eq!(config.realm, "api");
    assert_eq!(config.refetch_cooldown, Duration::from_secs(30));
}

#[test]
fn an_issuer_without_algorithms_accepts_every_asymmetric_one() {
    let settings = with_issuer(IssuerConfig::new("https://idp.test/", "api")).validate().unwrap();
    assert_eq!(settings[0].algorithms, AlgorithmSet::ASYMMETRIC);
    let KeyLocation::Remote(RemoteLocation::Discovery { document, allow_http: false }) = &settings[0].keys else {
        panic!("keys are discovered without `jwks_uri`");
    };
    assert_eq!(document.as_str(), "https://idp.test/.well-known/openid-configuration");
}

#[test]
fn plain_http_is_for_loopback_or_an_explicit_opt_in() {
    for loopback in ["http://127.0.0.1:8080", "http://localhost/", "http://[::1]:9000/"] {
        assert!(with_issuer(IssuerConfig::new(loopback, "api")).validate().is_ok(), "{loopback}");
    }
    let remote = IssuerConfig::new("http://idp.test/", "api");
    assert_eq!(problem(&with_issuer(remote.clone())).0, "issuers.idp.issuer");
    assert!(with_issuer(remote.allow_http(true)).validate().is_ok());
    let jwks = IssuerConfig::new("https://idp.test/", "api").jwks_uri("ftp://idp.test/keys");
    assert_eq!(
        problem(&with_issuer(jwks)),
        ("issuers.idp.jwks_uri".into(), "unsupported scheme `ftp`; use `https://`".into())
    );
}

#[test]
fn bad_values_name_their_key() {
    let config = Config { realm: "a\"b".into(), ..Config::default() };
    assert_eq!(problem(&config).0, "realm");
    let config = Config { min_refresh: Duration::from_secs(7200), ..Config::default() };
    assert_eq!(problem(&config).0, "min_refresh");
    assert_eq!(
        problem(&with_issuer(IssuerConfig::new("https://idp.test/", Audience::OneOf(vec![])))).0,
        "issuers.idp.audience"
    );
    let none = IssuerConfig::new("https://idp.test/", "api").algorithms(["RS256", "none"]);
    assert_eq!(problem(&with_issuer(none)).1, "`none` is never accepted: tokens must be signed");
    let mut twins = with_issuer(IssuerConfig::new("https://idp.test/", "api"));
    twins.issuers.insert("twin".into(), IssuerConfig::new("https://idp.test/", "api"));
    assert_eq!(
        problem(&twins),
        ("issuers.twin.issuer".into(), "another issuer has the same `issuer` value, or alias".into())
    );
    let mut odd_name = Config::default();
    odd_name.issuers.insert("a b".into(), IssuerConfig::new("https://idp.test/", "api"));
    assert_eq!(problem(&odd_name).0, "issuers.a b");
}

#[test]
fn audience_reads_a_string_a_list_or_false() {
    let parse = |json: &str| serde_json::from_str::<Audience>(json);
    assert_eq!(parse(r#""api""#).unwrap(), Audience::from("api"));
    assert_eq!(parse(r#"["a", "b"]"#).unwrap(), Audience::from(["a", "b"]));
    assert_eq!(parse("false").unwrap(), Audience::Unchecked);
    assert!(parse("true").unwrap_err().to_string().contains("expected a string, a list of strings, or `false`"));
    assert!(parse("3").is_err());
}

#[test]
fn durations_accept_fractional_seconds_and_refuse_negative_ones() {
    let config: Config = serde_json::from_str(r#"{"leeway": 0.5, "fetch_timeout": 2}"#).unwrap();
    assert_eq!(config.leeway, Duration::from_millis(500));
    assert_eq!(config.fetch_timeout, Duration::from_secs(2));
    assert!(serde_json::from_str::<Config>(r#"{"leeway": -1}"#).is_err());
    assert!(
        serde_json::from_str::<Config>(r#"{"scope_claim": "scope"}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown field")
    );
}

#[test]
fn redirect_hosts_are_bare_hosts_and_ports() {
    let issuer = IssuerConfig::new("https://idp.test/", "api");
    for bad in ["", "https://cdn.test", "cdn.test/keys", "user@cdn.test", "cdn.test:port"] {
        let config = with_issuer(issuer.clone().follow_redirects_to([bad]));
        assert_eq!(problem(&config).0, "issuers.idp.follow_redirects_to", "{bad:?}");
    }
    let listed = ["cdn.test", "keys.test:8443", "default-port.test:443"];
    let settings = with_issuer(issuer.follow_redirects_to(listed)).validate().unwrap();
    let policy = &settings[0].redirects;
    let check = |url: &str| policy.check(&Url::parse(url).unwrap());
    assert_eq!(check("https://cdn.test/jwks"), Ok(()));
    assert_eq!(check("https://CDN.test:9443/jwks"), Ok(()), "a bare host allows any port");
    assert_eq!(check("https://keys.test:8443/jwks"), Ok(()));
    assert_eq!(check("https://default-port.test/jwks"), Ok(()), "a URL without a port has its scheme's");
    assert_eq!(
        check("https://keys.test:9443/jwks"),
        Err("a redirect to https://keys.test:9443/jwks was refused: `keys.test:9443` is not in `follow_redirects_to`"
            .into())
    );
    assert!(check("http://cdn.test/jwks").unwrap_err().contains("plain `http://`"), "the scheme rules still hold");
    assert!(check("https://elsewhere.test/jwks").is_err());
}

#[test]
fn the_built_in_issuer_is_an_issuer_like_the_others() {
    let mut config = with_issuer(IssuerConfig::new("https://api.test/", "api"));
    config.local = Some(LocalIssuerConfig { issuer: Some("https://api.test/".into()), ..LocalIssuerConfig::default() });
    assert_eq!(
        problem(&config),
        ("local.issuer".into(), "another issuer has the same `issuer` value, or alias".into())
    );
    config.local = Some(LocalIssuerConfig::default());
    let issuers = config.validate().unwrap();
    let local = issuers.iter().find(|issuer| issuer.name == LOCAL_ISSUER).expect("the built-in issuer is trusted");
    assert_eq!((local.issuer.as_str(), local.token_type), ("http://127.0.0.1:8000", Some(TokenType::AtJwt)));
    assert!(matches!(&local.keys, KeyLocation::Inline(keys) if keys.len() == 1));
}

#[test]
fn without_an_audience_an_issuer_takes_the_resource() {
    let without_audience = IssuerConfig { audience: Audience::default(), ..IssuerConfig::new("https://idp.test/", "") };
    assert_eq!(
        problem(&with_issuer(without_audience.clone())),
        (
            "issuers.idp.audience".into(),
            "list the audiences this API accepts, set the API's `resource`, or set `audience = false`".into()
        )
    );
    let config = Config { resource: Some("https://api.example.com/v1".into()), ..with_issuer(without_audience) };
    let settings = config.validate().unwrap();
    assert_eq!(settings[0].audience, Audience::OneOf(vec!["https://api.example.com/v1".into()]));

    let explicit = Config {
        resource: Some("https://api.example.com/v1".into()),
        ..with_issuer(IssuerConfig::new("https://idp.test/", "legacy"))
    };
    assert_eq!(explicit.validate().unwrap()[0].audience, Audience::from("legacy"), "a configured audience stays");
}

#[test]
fn templates_and_introspection_name_what_is_missing() {
    let template = IssuerConfig::new("https://login.example.com/{tenant}/v2.0", "api");
    assert_eq!(
        problem(&with_issuer(template.clone())),
        (
            "issuers.idp.tenants".into(),
            "an issuer with `{tenant}` is a template: list its `tenants`, or say \"any\"".into()
        )
    );
    let settings = with_issuer(template.tenants(crate::config::Tenants::Any)).validate().unwrap();
    assert!(settings[0].tenants.is_some());
    let not_a_template = IssuerConfig::new("https://idp.test/", "api").tenants(crate::config::Tenants::Any);
    assert_eq!(problem(&with_issuer(not_a_template)).0, "issuers.idp.issuer");

    let mut half = IssuerConfig::new("https://idp.test/", "api");
    half.client_id = Some("rs".into());
    assert_eq!(
        problem(&with_issuer(half)),
        (
            "issuers.idp.client_secret".into(),
            "give `client_secret` or `client_key_file` (one, not both, and not empty)".into()
        )
    );
    let mut both = IssuerConfig::new("https://idp.test/", "api").introspection("rs", "secret");
    both.client_key_file = Some("rs.pem".into());
    assert_eq!(problem(&with_issuer(both)).0, "issuers.idp.client_secret");
    let mut secret_only = IssuerConfig::new("https://idp.test/", "api");
    secret_only.client_secret = Some("secret".into());
    assert_eq!(
        problem(&with_issuer(secret_only)),
        ("issuers.idp.client_id".into(), "the API's client credentials need the `client_id` they belong to".into())
    );
    let mut kid_only = IssuerConfig::new("https://idp.test/", "api").introspection("rs", "secret");
    kid_only.client_key_id = Some("rs-key".into());
    assert_eq!(
        problem(&with_issuer(kid_only)),
        ("issuers.idp.client_key_id".into(), "goes with `client_key_file`".into())
    );
    let mut audience_only = IssuerConfig::new("https://idp.test/", "api").introspection("rs", "secret");
    audience_only.client_assertion_audience = Some("https://idp.test/introspect".into());
    assert_eq!(problem(&with_issuer(audience_only)).0, "issuers.idp.client_assertion_audience");
    let mut hmac = IssuerConfig::new("https://idp.test/", "api").introspection_with_key("rs", "rs.pem");
    hmac.client_key_algorithm = Some("HS256".into());
    assert_eq!(
        problem(&with_issuer(hmac)),
        (
            "issuers.idp.client_key_algorithm".into(),
            "`HS256` needs a shared secret, but `private_key_jwt` signs with a private key".into()
        )
    );
    let missing = IssuerConfig::new("https://idp.test/", "api").introspection_with_key("rs", "/nonexistent/rs.pem");
    let (key, text) = problem(&with_issuer(missing));
    assert_eq!(key, "issuers.idp.client_key_file");
    assert!(text.starts_with("cannot read /nonexistent/rs.pem: "), "{text}");
    let mut endpoint_only = IssuerConfig::new("https://idp.test/", "api");
    endpoint_only.introspection_endpoint = Some("https://idp.test/introspect".into());
    assert_eq!(problem(&with_issuer(endpoint_only)).0, "issuers.idp.introspection_endpoint");
    let introspecting = IssuerConfig::new("https://idp.test/", "api").introspection("rs", "secret");
    let settings = with_issuer(introspecting).validate().unwrap();
    let introspection = settings[0].introspection.as_ref().unwrap();
    assert_eq!(introspection.endpoint, None, "found by discovery");
    assert_eq!(introspection.discovery.as_str(), "https://idp.test/.well-known/openid-configuration");
}

#[test]
fn roles_claim_places_are_names_or_json_pointers() {
    let place = |text: &str| claim_place(text);
    assert_eq!(place("roles"), Some(vec!["roles".to_owned()]));
    assert_eq!(place("https://x.test/roles"), Some(vec!["https://x.test/roles".to_owned()]), "a name with slashes");
    assert_eq!(place("/realm_access/roles"), Some(vec!["realm_access".to_owned(), "roles".to_owned()]));
    assert_eq!(place("/a~1b/~0k"), Some(vec!["a/b".to_owned(), "~k".to_owned()]));
    for bad in ["", "/a~2b", "/a~"] {
        assert_eq!(place(bad), None, "{bad:?}");
    }
    let mut bad = IssuerConfig::new("https://idp.test/", "api");
    bad.roles_claim = ["/realm_access/~roles"].into();
    assert_eq!(problem(&with_issuer(bad)).0, "issuers.idp.roles_claim");
}

#[test]
fn no_secret_of_a_configuration_is_printed_by_debug() {
    let secrets =
        ["local-hmac-secret-of-at-least-32-bytes", "introspection-client-secret", "nonce-secret-of-32-bytes-or-more!!"];
    let config: Config = serde_json::from_value(serde_json::json!({
        "local": { "algorithm": "HS256", "secret": secrets[0] },
        "dpop": { "nonce": true, "nonce_secret": secrets[2] },
        "issuers": { "idp": {
            "issuer": "https://idp.example.com", "jwks_uri": "https://idp.example.com/jwks",
            "audience": "api", "client_id": "api", "client_secret": secrets[1],
        } },
    }))
    .expect("the configuration reads");
    let printed = [
        format!("{config:?}"),
        format!("{:?}", config.issuers["idp"]),
        format!("{:?}", config.local),
        format!("{:?}", config.dpop),
        format!("{:?}", config.settings(Defaults::STANDALONE).expect("the configuration is good")),
    ];
    for text in &printed {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` printed in {text}");
        }
    }
    assert!(printed[0].contains(r#"secret: Some(Secret("***"))"#), "{}", printed[0]);
    let nonce_bytes = format!("{:?}", secrets[2].as_bytes());
    assert!(!printed[4].contains(&nonce_bytes[1..nonce_bytes.len() - 1]), "the nonce key's bytes in {}", printed[4]);
    assert_eq!(config.issuers["idp"].client_secret.as_ref().map(Secret::expose), Some(secrets[1]));
}

#[test]
fn each_opaque_token_is_claimed_by_one_issuer_at_most() {
    let introspecting = |issuer: &str, prefix: Option<&str>| {
        let mut config = IssuerConfig::new(issuer, "api").introspection("api", "secret");
        config.opaque_token_prefix = prefix.map(str::to_owned);
        config
    };
    let config = |a: Option<&str>, b: Option<&str>| {
        let mut config = Config::default();
        config.issuers.insert("a".into(), introspecting("https://a.example.com", a));
        config.issuers.insert("b".into(), introspecting("https://b.example.com", b));
        config
    };
    assert!(config(Some("a_"), Some("b_")).validate().is_ok());
    let (key, text) = problem(&config(Some("a_"), None));
    assert_eq!(key, "issuers.b.opaque_token_prefix");
    assert!(text.starts_with("several issuers introspect: each needs the prefix"), "{text}");
    let (key, text) = problem(&config(Some("ory_"), Some("ory_at_")));
    assert_eq!(
        (key.as_str(), text.as_str()),
        (
            "issuers.a.opaque_token_prefix",
            "`ory_` also starts the opaque tokens of `b`: a token would be claimed twice"
        )
    );
    let (key, _) = problem(&config(Some(""), Some("b_")));
    assert_eq!(key, "issuers.a.opaque_token_prefix", "an empty prefix");
    let mut alone = Config::default();
    alone.issuers.insert("a".into(), introspecting("https://a.example.com", None));
    assert!(alone.validate().is_ok(), "an only issuer that introspects claims every opaque token");
}
