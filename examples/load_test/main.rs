//! The load-test app of BENCHMARKS.md: a public route, a route whose guard
//! only reads the `Authorization` header (the floor for any guard that
//! reads a token) and a `#[protected(scope = "read")]` route, trusting two
//! issuers (RS256 and ES256) whose keys it generates at launch. It writes
//! tokens for the load generator to `$LOAD_TEST_DIR` before it listens.
//!
//! ```sh
//! LOAD_TEST_DIR=/tmp/load-test cargo run --release --example load_test
//! ```
//!
//! `paired_runs.sh`, beside this file, loads it with `wrk` in alternating
//! runs and prints each route's throughput as a ratio to the public route.
//!
//! `LOAD_TEST_CACHE=0` turns the verified-token cache off;
//! `LOAD_TEST_DISTINCT=1` writes one distinct token instead of 10,000, for
//! a quick start under valgrind.

use std::path::PathBuf;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, launch, routes};
use serde_json::{Map, Value, json};

use jwt_guard::{JwtGuard, config::IssuerConfig, issuer::SigningKey, protected, verify::Algorithm};

const AUDIENCE: &str = "https://api.load.test";

/// Open to everyone: the baseline.
#[get("/public")]
fn public() -> &'static str {
    "ok"
}

/// A request with an `Authorization` header, unverified: what any guard
/// that reads a bearer token costs before it does anything with it.
struct HasAuthorization;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HasAuthorization {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        match request.headers().get_one("Authorization") {
            Some(_) => Outcome::Success(HasAuthorization),
            None => Outcome::Error((Status::Unauthorized, ())),
        }
    }
}

/// Any `Authorization` header: the baseline for the guard's own cost.
#[get("/header")]
fn header(_authorization: HasAuthorization) -> &'static str {
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

/// Writes one RS256 token, one ES256 token and `distinct` distinct RS256
/// tokens, one per line.
fn write_tokens(directory: &PathBuf, rs: &(String, SigningKey), es: &(String, SigningKey), distinct: usize) {
    std::fs::create_dir_all(directory).expect("the token directory");
    std::fs::write(directory.join("rs256.txt"), token(&rs.0, &rs.1, 0)).expect("rs256.txt");
    std::fs::write(directory.join("es256.txt"), token(&es.0, &es.1, 0)).expect("es256.txt");
    let distinct: Vec<String> = (1..=distinct).map(|n| token(&rs.0, &rs.1, n)).collect();
    std::fs::write(directory.join("distinct.txt"), distinct.join("\n")).expect("distinct.txt");
}

/// The environment variable `name`, or `default` when unset or invalid.
fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

#[launch]
fn rocket() -> _ {
    let (rs, es) = (issuer(Algorithm::RS256), issuer(Algorithm::ES256));
    let directory = PathBuf::from(std::env::var("LOAD_TEST_DIR").unwrap_or_else(|_| "load-test".into()));
    write_tokens(&directory, &rs, &es, setting("LOAD_TEST_DISTINCT", 10_000));
    let cache_size = setting("LOAD_TEST_CACHE", 4096);
    let mut builder = JwtGuard::builder().configure(move |config| config.token_cache_size = cache_size);
    for (name, (iss, key)) in [("rs256", &rs), ("es256", &es)] {
        let keys = json!({ "keys": [key.public_jwk()] });
        builder = builder.issuer(name, IssuerConfig::new(iss.as_str(), AUDIENCE).inline_jwks(keys));
    }
    rocket::build().attach(builder).mount("/", routes![public, header, read])
}
