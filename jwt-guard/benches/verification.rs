//! The cost of jwt-guard's verification, against two floors measured in the
//! same run: a bare `jsonwebtoken::decode` with the same key, checks and
//! claims type, and the signature alone (aws-lc-rs with the key parsed
//! once, the signature decoded once), beside which the gap is also timed
//! in pairs. Also the cost of a policy, of parsing a JWKS, and of whole
//! requests; and, run with `--paired-against <other build> <path>`, whole
//! requests of two builds timed against each other (see [`paired`]).
//!
//! `cargo bench -p jwt-guard --bench verification`; see BENCHMARKS.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};
use futures_util::FutureExt as _;
use jsonwebtoken::{DecodingKey, Validation};
use jwt_guard::{
    Policy, Token,
    config::{Config, IssuerConfig, LocalIssuerConfig},
    issuer::SigningKey,
    policy::RoutePolicy,
    verify::{Algorithm, Verifier},
};
use serde_json::{Map, Value, json};

const ISSUER: &str = "https://issuer.bench/";
const AUDIENCE: &str = "https://api.bench";

/// A typical access token's claims: ten of them.
fn claims() -> Map<String, Value> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "user-1234567890", "iat": now, "nbf": now,
        "exp": now + 3600, "jti": "Yk5d2Lq7tAe9", "scope": "read write admin",
        "role": "admin", "tenant": "acme",
    });
    claims.as_object().cloned().unwrap()
}

/// A verifier that trusts `key` (fixed keys: nothing is fetched) and
/// caches `cache_size` tokens, and a token it signed.
fn setup(alg: Algorithm, cache_size: u64) -> (Verifier, String, DecodingKey) {
    let mut config = Config::default();
    config.token_cache_size = cache_size;
    let key = if alg == Algorithm::HS256 {
        let secret = "a shared secret of at least 32 bytes!";
        let mut local = LocalIssuerConfig::default();
        local.algorithm = "HS256".into();
        local.secret = Some(secret.into());
        local.issuer = Some(ISSUER.into());
        local.audience = Some(AUDIENCE.into());
        config.local = Some(local);
        SigningKey::from_secret(alg, secret.as_bytes()).unwrap()
    } else {
        let key = SigningKey::generate(alg).unwrap();
        PUBLIC_JWKS.with(|keys| keys.borrow_mut().push(key.public_jwk().unwrap()));
        let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] }));
        config.issuers.insert("bench".into(), issuer);
        key
    };
    let decoding = match key.public_jwk() {
        Some(jwk) => DecodingKey::from_jwk(&serde_json::from_value(jwk).unwrap()).unwrap(),
        None => DecodingKey::from_secret(b"a shared secret of at least 32 bytes!").expect("a secret"),
    };
    let token = key.sign("at+jwt", &claims()).unwrap();
    (Verifier::new(&config).unwrap(), token, decoding)
}

fn verify(verifier: &Verifier, token: &str) -> Token {
    verifier.verify(token).now_or_never().expect("fixed keys never wait").expect("the token is valid")
}

fn verification(c: &mut Criterion) {
    for alg in [Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let (verifier, token, decoding) = setup(alg, 0);
        let mut validation = Validation::new(alg_to_jwt(alg));
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 30;
        jsonwebtoken::decode::<Map<String, Value>>(&token, &decoding, &validation).expect("bare decode accepts it");
        let mut group = c.benchmark_group(format!("verify/{alg}"));
        group.bench_function("jsonwebtoken::decode", |b| {
            b.iter(|| jsonwebtoken::decode::<Map<String, Value>>(black_box(&token), &decoding, &validation).unwrap())
        });
        let signature = SignatureAlone::of(alg, &token);
        assert!(signature.verifies(), "the signature alone verifies");
        group.bench_function("signature alone", |b| b.iter(|| black_box(&signature).verifies()));
        group.bench_function("jwt-guard", |b| b.iter(|| verify(&verifier, black_box(&token))));
        let (cached, cached_token, _) = setup(alg, 4096);
        group.bench_function("jwt-guard, cached", |b| b.iter(|| verify(&cached, black_box(&cached_token))));
        group.finish();
        // Every sample the same length, and long: many blocks for its
        // median, where criterion's linear sampling starts at one
        // iteration.
        let mut gap = c.benchmark_group(format!("floor gap/{alg}"));
        gap.sampling_mode(SamplingMode::Flat);
        gap.bench_function("jwt-guard minus signature alone, paired", |b| {
            b.iter_custom(|iterations| paired_gap(iterations, &signature, || verify(&verifier, black_box(&token))))
        });
        gap.finish();
    }
}

/// How much longer `verification` takes than the signature alone, over
/// `iterations` of each, run in alternating blocks: the machine's drift,
/// which moves either row by more than the gap between them from one run
/// to the next, moves the two blocks of a pair alike and cancels in the
/// difference. Each block is long enough to run warm. The sample is the
/// median pair's difference, once per block: a preemption of the virtual
/// machine inside one block (a millisecond, a thousand times the gap)
/// would otherwise decide its whole sample, either way.
fn paired_gap(iterations: u64, signature: &SignatureAlone, mut verification: impl FnMut() -> Token) -> Duration {
    const BLOCK: u64 = 32;
    let blocks = iterations.div_ceil(BLOCK);
    let mut differences = Vec::with_capacity(usize::try_from(blocks).expect("a sample fits in memory"));
    for _ in 0..blocks {
        let start = Instant::now();
        for _ in 0..BLOCK {
            black_box(black_box(signature).verifies());
        }
        let between = Instant::now();
        for _ in 0..BLOCK {
            black_box(verification());
        }
        let end = Instant::now();
        differences.push((end - between).as_nanos() as i128 - (between - start).as_nanos() as i128);
    }
    differences.sort_unstable();
    let median = differences[differences.len() / 2];
    // Per iteration of the sample, as criterion divides by `iterations`.
    let per_iteration = median as f64 / BLOCK as f64;
    Duration::from_secs_f64((per_iteration * iterations as f64).max(1.0) / 1e9)
}

/// A token's signature over its signing input, with the key parsed
/// once: what no verification can go below.
struct SignatureAlone {
    message: Vec<u8>,
    signature: Vec<u8>,
    key: ParsedKey,
}

/// A verification key, parsed once.
enum ParsedKey {
    Hmac(Box<aws_lc_rs::hmac::Key>),
    Public(aws_lc_rs::signature::ParsedPublicKey),
}

impl SignatureAlone {
    /// The signature of `token`, signed with `alg` by the key [`setup`]
    /// made, whose public half its JWKS holds.
    fn of(alg: Algorithm, token: &str) -> Self {
        use base64::Engine as _;
        let decode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap();
        let (message, signature) = token.rsplit_once('.').unwrap();
        let key = if alg == Algorithm::HS256 {
            let secret = b"a shared secret of at least 32 bytes!";
            ParsedKey::Hmac(Box::new(aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret)))
        } else {
            let header: Value = serde_json::from_slice(&decode(token.split('.').next().unwrap())).unwrap();
            ParsedKey::Public(Self::public_key(alg, header["kid"].as_str().unwrap()))
        };
        Self { message: message.as_bytes().to_vec(), signature: decode(signature), key }
    }

    /// The parsed public key that [`setup`] published under `kid`.
    fn public_key(alg: Algorithm, kid: &str) -> aws_lc_rs::signature::ParsedPublicKey {
        use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
        use base64::Engine as _;
        let jwk = PUBLIC_JWKS.with(|keys| keys.borrow().iter().find(|jwk| jwk["kid"] == kid).cloned()).unwrap();
        let member =
            |name: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
        match alg {
            Algorithm::RS256 => RsaPublicKeyComponents { n: member("n"), e: member("e") }
                .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
                .unwrap(),
            Algorithm::ES256 => {
                let point = [&[4u8][..], &member("x"), &member("y")].concat();
                ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).unwrap()
            }
            Algorithm::EdDSA => ParsedPublicKey::new(&signature::ED25519, member("x")).unwrap(),
            other => unreachable!("{other} is not benchmarked"),
        }
    }

    fn verifies(&self) -> bool {
        match &self.key {
            ParsedKey::Hmac(key) => aws_lc_rs::hmac::verify(key, &self.message, &self.signature).is_ok(),
            ParsedKey::Public(key) => key.verify_sig(&self.message, &self.signature).is_ok(),
        }
    }
}

thread_local! {
    /// The public keys [`setup`] generated, as JWKs.
    static PUBLIC_JWKS: std::cell::RefCell<Vec<Value>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An oversized token is refused before any decoding: its cost beside a
/// normal-sized malformed token's.
fn oversized_tokens(c: &mut Criterion) {
    let (verifier, _, _) = setup(Algorithm::EdDSA, 0);
    let oversized = format!("{}.{}.{}", "e".repeat(40_000), "p".repeat(40_000), "s".repeat(20_000));
    let small_malformed = "eyJhbGciOiJub25lIn0.e30.";
    let refuse = |token: &str| verifier.verify(token).now_or_never().expect("no fetch").is_err();
    assert!(refuse(&oversized) && refuse(small_malformed));
    let mut group = c.benchmark_group("refuse");
    group.bench_function("100 KB oversized token", |b| b.iter(|| refuse(black_box(&oversized))));
    group.bench_function("small malformed token", |b| b.iter(|| refuse(black_box(small_malformed))));
    group.finish();
}

#[rocket::get("/public")]
fn public() -> &'static str {
    "ok"
}

#[jwt_guard::protected(scope = "read")]
#[rocket::get("/read")]
fn read() -> &'static str {
    "ok"
}

/// A route with no policy, only a guard: the request keeps the marker
/// that counts it (feature `metrics`).
#[rocket::get("/me")]
fn me(token: Token) -> &'static str {
    if token.subject().is_some() { "ok" } else { "anonymous" }
}

/// `me` under a `#[protected]` of no option: a valid token, and nothing
/// more.
#[jwt_guard::protected]
#[rocket::get("/me-protected")]
fn me_protected(token: Token) -> &'static str {
    me(token)
}

/// A whole request through Rocket's local client: the public route, the
/// same with the token's header, the protected route with the token
/// cached, without and with revocations held, and a route with a `Token`
/// guard and no policy, and the same under `#[protected]` of no option;
/// the differences are the cost
/// of the guard path, and of checking revocations on a cache hit.
///
/// Built with the `metrics` feature, everything is recorded into a
/// Prometheus recorder (see [`metrics_recorder`]).
fn whole_requests(c: &mut Criterion) {
    let apps = RequestApps::new();
    let (client, revoking) = (&apps.plain, &apps.revoking);
    assert_eq!(
        (apps.get(client, "/public", false), apps.get(client, "/read", true), apps.get(revoking, "/read", true)),
        (200, 200, 200)
    );
    assert_eq!((apps.get(client, "/me", true), apps.get(client, "/me-protected", true)), (200, 200));
    let mut group = c.benchmark_group("request");
    group.bench_function("public", |b| b.iter(|| apps.get(client, "/public", false)));
    group.bench_function("public, with the token's header", |b| b.iter(|| apps.get(client, "/public", true)));
    group.bench_function("protected, cached", |b| b.iter(|| apps.get(client, "/read", true)));
    group.bench_function("token guard alone, cached", |b| b.iter(|| apps.get(client, "/me", true)));
    group.bench_function("token guard under a bare #[protected], cached", |b| {
        b.iter(|| apps.get(client, "/me-protected", true));
    });
    group.bench_function("protected, cached, 2,000 revocations held", |b| b.iter(|| apps.get(revoking, "/read", true)));
    group.finish();
}

/// The apps that whole requests are timed on, through Rocket's local
/// client, and a token that both accept.
struct RequestApps {
    /// An app that trusts one issuer, with fixed keys.
    plain: rocket::local::blocking::Client,
    /// The same, issuing tokens too, with 2,000 revocations held.
    revoking: rocket::local::blocking::Client,
    /// `Bearer` and a token of the trusted issuer.
    authorization: String,
}

impl RequestApps {
    fn new() -> Self {
        use rocket::local::blocking::Client;
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let app = |fairing: jwt_guard::JwtGuardBuilder| {
            let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] }));
            let figment = rocket::Config::figment().merge(("log_level", "off"));
            let rocket = rocket::custom(figment)
                .attach(fairing.issuer("bench", issuer))
                .mount("/", rocket::routes![public, read, me, me_protected]);
            Client::untracked(rocket).unwrap()
        };
        // The app that holds revocations issues tokens too: sessions are
        // revoked where they are made. In memory, as in the app without.
        let issuing = jwt_guard::JwtGuard::builder()
            .configure(|config| {
                let local = config.local.get_or_insert_default();
                local.algorithm = "HS256".into();
                local.secret = Some("a shared secret of at least 32 bytes!".into());
            })
            .login(jwt_guard::issuer::StaticUsers::new())
            .store(jwt_guard::store::MemoryStore::new());
        let (plain, revoking) = (app(jwt_guard::JwtGuard::builder()), app(issuing));
        hold_revocations(&key, revoking.rocket().state::<jwt_guard::JwtGuard>().unwrap());
        let authorization = format!("Bearer {}", key.sign("at+jwt", &claims()).unwrap());
        Self { plain, revoking, authorization }
    }

    /// The status of a `GET` of `path` from `client`, with the token or
    /// without.
    fn get(&self, client: &rocket::local::blocking::Client, path: &str, with_token: bool) -> u16 {
        let mut request = client.get(path);
        if with_token {
            request.add_header(rocket::http::Header::new("Authorization", self.authorization.clone()));
        }
        request.dispatch().status().code
    }
}

/// Revokes 1,000 tokens of `key`'s issuer and 1,000 sessions in `guard`.
fn hold_revocations(key: &SigningKey, guard: &jwt_guard::JwtGuard) {
    for n in 0..1000 {
        let mut claims = claims();
        claims.insert("jti".into(), json!(format!("revoked-{n}")));
        let token = verify(guard.verifier(), &key.sign("at+jwt", &claims).unwrap());
        guard.revoke_token(&token).now_or_never().expect("the memory store answers at once").unwrap();
        guard.revoke_session(&format!("session-{n}")).now_or_never().expect("at once").unwrap();
    }
}

fn alg_to_jwt(alg: Algorithm) -> jsonwebtoken::Algorithm {
    alg.name().parse().unwrap()
}

fn evaluate<P: RoutePolicy>(_: &Policy<P>, token: &Token) -> bool {
    P::evaluate(token).now_or_never().expect("no check waits").is_ok()
}

fn policy_evaluation(c: &mut Criterion) {
    let (verifier, token, _) = setup(Algorithm::EdDSA, 0);
    let token = verify(&verifier, &token);
    let policy = jwt_guard::policy!(scopes("read", "write", "admin"), claim(role = "admin", tenant = "acme"));
    assert!(evaluate(&policy, &token));
    c.bench_function("policy/3 scopes and 2 claims", |b| b.iter(|| evaluate(&policy, black_box(&token))));
    let implied = jwt_guard::policy!(
        scopes(BenchScope::Read, BenchScope::Write, BenchScope::Export),
        claim(role = "admin", tenant = "acme")
    );
    assert!(evaluate(&implied, &token), "`admin` implies the three scopes");
    c.bench_function("policy/3 implied scopes and 2 claims", |b| b.iter(|| evaluate(&implied, black_box(&token))));
}

/// A vocabulary in which the token's `admin` implies the other scopes.
#[derive(jwt_guard::Scopes)]
enum BenchScope {
    #[scope("reports:read")]
    Read,
    #[scope("reports:write")]
    Write,
    #[scope("reports:export", implies = "reports:read")]
    Export,
    #[scope("admin", implies = "*")]
    #[allow(dead_code, reason = "the token grants it; no policy names it")]
    Admin,
}

/// A remembered introspection of an opaque token, with `--features
/// __bench`, which can prime the cache of answers; nothing without it.
fn introspection_hit(c: &mut Criterion) {
    #[cfg(feature = "__bench")]
    {
        let mut config = Config::default();
        let mut issuer = IssuerConfig::new(ISSUER, AUDIENCE)
            .introspection("rs-client", "rs-secret")
            .jwks_uri("http://127.0.0.1:9/jwks");
        issuer.introspection_endpoint = Some("http://127.0.0.1:9/introspect".into());
        config.issuers.insert("bench".into(), issuer);
        let opaque = "Qx4o4d7cVfGdSZr9pC0pX3lC1Y6pzB8a2n0W1dJm3kE";
        let answer = claims();
        let verifier = jwt_guard::__bench::verifier_with_introspected(&config, opaque, answer)
            .now_or_never()
            .expect("priming waits for nothing");
        verify(&verifier, opaque);
        c.bench_function("introspection/remembered answer, opaque token", |b| {
            b.iter(|| verify(&verifier, black_box(opaque)))
        });
    }
    #[cfg(not(feature = "__bench"))]
    let _ = c;
}

/// Reading a typical token's claims, with `--features __bench`, which
/// exposes the reader: beside serde_json's map of values (what
/// verification built before) and serde_json skipping every value (the
/// least any reading of the text costs).
fn claims_reading(c: &mut Criterion) {
    #[cfg(feature = "__bench")]
    {
        let json = Value::Object(claims()).to_string();
        assert!(jwt_guard::__bench::read_claims(&json));
        let mut group = c.benchmark_group("claims");
        group.bench_function("serde::de::IgnoredAny", |b| {
            b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&json)).unwrap())
        });
        group.bench_function("Map<String, Value>", |b| {
            b.iter(|| serde_json::from_str::<Map<String, Value>>(black_box(&json)).unwrap())
        });
        group.bench_function("jwt-guard", |b| b.iter(|| jwt_guard::__bench::read_claims(black_box(&json))));
        group.finish();
    }
    #[cfg(not(feature = "__bench"))]
    let _ = c;
}

/// Parsing a JWKS of 10 keys into ready keys, with `--features __bench`,
/// which exposes the parser; nothing without it.
fn jwks_parsing(c: &mut Criterion) {
    #[cfg(feature = "__bench")]
    {
        use jwt_guard::__bench::count_jwks_keys;
        let algs = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];
        let keys: Vec<Value> =
            (0..10).map(|n| SigningKey::generate(algs[n % 3]).unwrap().public_jwk().unwrap()).collect();
        let body = json!({ "keys": keys }).to_string();
        assert_eq!(count_jwks_keys(body.as_bytes()), Ok(10));
        c.bench_function("jwks/parse 10 keys", |b| b.iter(|| count_jwks_keys(black_box(body.as_bytes())).unwrap()));
    }
    #[cfg(not(feature = "__bench"))]
    let _ = c;
}

/// With the `metrics` feature, installs a Prometheus recorder before any
/// benchmark runs, as an app that exports the metrics would: the cost of
/// the metrics is the difference between the two builds' figures.
fn metrics_recorder(_: &mut Criterion) {
    install_metrics_recorder();
}

/// With the `metrics` feature, installs a Prometheus recorder; nothing
/// without it.
fn install_metrics_recorder() {
    #[cfg(feature = "metrics")]
    metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().expect("the only recorder");
}

/// The groups that criterion runs.
#[allow(missing_docs)]
mod groups {
    criterion::criterion_group!(
        benches,
        super::metrics_recorder,
        super::verification,
        super::policy_evaluation,
        super::jwks_parsing,
        super::claims_reading,
        super::introspection_hit,
        super::oversized_tokens,
        super::whole_requests
    );
}

#[path = "verification/paired.rs"]
mod paired;

/// Criterion's groups, or a paired run of two builds (see [`paired`]).
fn main() {
    if let Some(role) = paired::Role::from_args() {
        install_metrics_recorder();
        return role.run();
    }
    groups::benches();
    Criterion::default().configure_from_args().final_summary();
    // Run once under `cargo test`, as criterion runs each benchmark (and
    // not when a filter, `--list` or `--bench` is given).
    if std::env::args().len() == 1 {
        paired::Role::against_itself().run();
    }
}
