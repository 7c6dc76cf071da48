//! The cost of a DPoP request against the floor: the access token is in
//! the cache of verified tokens, so the proof's signature is the only one
//! to verify, and the baseline is a bare `jsonwebtoken` ES256 decode of
//! the proof with the key from its header, in the same run. Also the cost
//! of refusing proofs that fail a cheap check, which must verify no
//! signature, and of the check that a proof is used once, in each store
//! that keeps it on this machine.
//!
//! `cargo bench -p jwt-guard --bench dpop --features testing`; see
//! BENCHMARKS.md.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_main};
use futures_util::FutureExt as _;
use jsonwebtoken::{DecodingKey, Validation};
use jwt_guard::testing::DpopKey;
use jwt_guard::{
    AuthError, JwtGuard, Token,
    binding::RequestCredentials,
    config::{Config, IssuerConfig},
    issuer::SigningKey,
    verify::Algorithm,
};
use serde_json::{Map, Value, json};

const ISSUER: &str = "https://issuer.bench/";
const AUDIENCE: &str = "https://api.bench";
/// The URL the proofs are for: the standalone guard's origin and a path.
const URL: &str = "http://127.0.0.1:8000/reports";

/// A guard that trusts an issuer, and a token of it bound to `key`.
fn setup(key: &DpopKey) -> (JwtGuard, String) {
    let signing = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let mut config = Config::default();
    let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [signing.public_jwk()] }));
    config.issuers.insert("bench".into(), issuer);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "client-1", "iat": now, "exp": now + 3600,
        "scope": "read", "cnf": { "jkt": key.thumbprint() },
    });
    let token = signing.sign("at+jwt", claims.as_object().unwrap()).unwrap();
    (JwtGuard::from_config(config).unwrap(), token)
}

/// `guard`'s verdict on a `GET /reports` with `token` and `proof`.
fn authenticate(guard: &JwtGuard, token: &str, proof: &str) -> Result<Token, AuthError> {
    let authorization = format!("DPoP {token}");
    let request = RequestCredentials {
        authorization: &[&authorization],
        dpop: &[proof],
        method: "GET",
        path: "/reports",
        ..RequestCredentials::default()
    };
    guard.authenticate_request(&request).now_or_never().expect("fixed keys and memory never wait")
}

/// A bare `jsonwebtoken` decode of a proof: its header's key, ES256.
fn bare_decode(proof: &str, validation: &Validation) -> Map<String, Value> {
    let header = jsonwebtoken::decode_header(proof).unwrap();
    let key = DecodingKey::from_jwk(header.jwk.as_ref().unwrap()).unwrap();
    jsonwebtoken::decode::<Map<String, Value>>(proof, &key, validation).unwrap().claims
}

fn dpop_requests(c: &mut Criterion) {
    let key = DpopKey::new();
    let (guard, token) = setup(&key);
    let fresh_proof = || key.proof("GET", URL).access_token(&token).sign();
    authenticate(&guard, &token, &fresh_proof()).expect("a valid DPoP request; the token is now cached");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;

    let mut group = c.benchmark_group("dpop/ES256 proof, cached token");
    group.bench_function("jsonwebtoken::decode of the proof", |b| {
        b.iter_batched(fresh_proof, |proof| bare_decode(black_box(&proof), &validation), BatchSize::SmallInput)
    });
    group.bench_function("jwt-guard request", |b| {
        b.iter_batched(
            fresh_proof,
            |proof| authenticate(&guard, &token, black_box(&proof)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    let mut group = c.benchmark_group("dpop/refusing a proof");
    let wrong_url = key.proof("GET", "http://127.0.0.1:8000/elsewhere").access_token(&token).sign();
    assert!(authenticate(&guard, &token, &wrong_url).is_err());
    group.bench_function("well formed, for another URL", |b| {
        b.iter(|| authenticate(&guard, &token, black_box(&wrong_url)).unwrap_err())
    });
    let garbage = "eyJ0eXAiOiJkcG9wK2p3dCJ9.garbage.garbage";
    group.bench_function("garbage", |b| b.iter(|| authenticate(&guard, &token, black_box(garbage)).unwrap_err()));
    group.finish();
}

/// The check that a proof's `jti` is used once, in the memory store and
/// in an SQLite file: each check is of a new `jti`, so each writes.
fn replay_checks(c: &mut Criterion) {
    use jwt_guard::store::{MemoryStore, SqliteStore, TokenStore};

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let path = std::env::temp_dir().join(format!("jwt-guard-bench-{}.db", std::process::id()));
    let sqlite = SqliteStore::open(&path).unwrap();
    let memory = MemoryStore::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut proofs = 0u64;
    let mut check = |store: &dyn TokenStore| {
        proofs += 1;
        let first_use = runtime.block_on(store.use_once(&format!("proof-{proofs}"), now, now + 60));
        assert!(first_use.unwrap(), "a new `jti` is used once");
    };
    let mut group = c.benchmark_group("dpop/replay check of a new jti");
    group.bench_function("memory store", |b| b.iter(|| check(&memory)));
    group.bench_function("SQLite store", |b| b.iter(|| check(&sqlite)));
    group.finish();
    drop(sqlite);
    for suffix in ["", "-wal", "-shm"] {
        let _absent_already = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The groups that `criterion_main!` runs.
#[allow(missing_docs)]
mod groups {
    criterion::criterion_group!(benches, super::dpop_requests, super::replay_checks);
}

criterion_main!(groups::benches);
