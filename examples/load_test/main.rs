//! The load-test app of BENCHMARKS.md: a public route and a
//! `#[protected(scope = "read")]` route, trusting two issuers (RS256 and
//! ES256) whose keys it generates at launch. It writes tokens for the load
//! generator to `$LOAD_TEST_DIR` before it listens.
//!
//! ```sh
//! LOAD_TEST_DIR=/tmp/load-test cargo run --release --example load_test
//! ```
//!
//! `LOAD_TEST_CACHE=0` turns the verified-token cache off.

use std::path::PathBuf;

use rocket::{get, launch, routes};
use serde_json::{Map, Value, json};

use jwt_guard::{Algorithm, IssuerConfig, JwtGuard, SigningKey, protected};

const AUDIENCE: &str = "https://api.load.test";

/// Open to everyone: the baseline.
#[get("/public")]
fn public() -> &'static str {
    "ok"
}

/// Any valid token with the `read` scope.
#[protected(scope = "read")]
#[get("/read")]
fn read() -> &'static str {
    "ok"
}

/// An issuer named after `alg`, with a fresh key.
fn issuer(alg: Algorithm) -> (String, SigningKey) {
    (format!("https://{}.load.test/", alg.name().to_lowercase()), SigningKey::generate(alg).expect("a key"))
}

/// A token of `key` from `issuer`, unique by `jti`.
fn token(issuer: &str, key: &SigningKey, jti: usize) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let claims = json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "load-tester", "iat": now, "exp": now + 3600,
        "jti": format!("token-{jti}"), "scope": "read write", "role": "tester", "tenant": "acme", "nbf": now,
    });
    let claims: Map<String, Value> = claims.as_object().cloned().expect("an object");
    key.sign("at+jwt", &claims).expect("signing works")
}

/// Writes one RS256 token, one ES256 token and 10,000 distinct RS256
/// tokens, one per line.
fn write_tokens(directory: &PathBuf, rs: &(String, SigningKey), es: &(String, SigningKey)) {
    std::fs::create_dir_all(directory).expect("the token directory");
    std::fs::write(directory.join("rs256.txt"), token(&rs.0, &rs.1, 0)).expect("rs256.txt");
    std::fs::write(directory.join("es256.txt"), token(&es.0, &es.1, 0)).expect("es256.txt");
    let distinct: Vec<String> = (1..=10_000).map(|n| token(&rs.0, &rs.1, n)).collect();
    std::fs::write(directory.join("distinct.txt"), distinct.join("\n")).expect("distinct.txt");
}

#[launch]
fn rocket() -> _ {
    let (rs, es) = (issuer(Algorithm::RS256), issuer(Algorithm::ES256));
    let directory = PathBuf::from(std::env::var("LOAD_TEST_DIR").unwrap_or_else(|_| "load-test".into()));
    write_tokens(&directory, &rs, &es);
    let cache_size = std::env::var("LOAD_TEST_CACHE").ok().and_then(|size| size.parse().ok()).unwrap_or(4096);
    let mut builder = JwtGuard::builder().token_cache_size(cache_size);
    for (name, (iss, key)) in [("rs256", &rs), ("es256", &es)] {
        let keys = json!({ "keys": [key.public_jwk()] });
        builder = builder.issuer(name, IssuerConfig::new(iss.as_str(), AUDIENCE).inline_jwks(keys));
    }
    rocket::build().attach(builder.fairing()).mount("/", routes![public, read])
}
