//! Allocations on the paths that every request of a protected route takes
//! once its token is cached (its first request builds the token, and its
//! map of claims if a policy reads claims by name), counted by dhat's heap
//! profiler in testing mode; and whole requests through Rocket, where the
//! `metrics` feature's count allocates nothing, whatever routes a request
//! can be forwarded to. dhat is this binary's global allocator and counts
//! the whole process, so the checks run in their own test binary,
//! as one test.

use jwt_guard::{
    Policy, Token,
    config::{Config, IssuerConfig},
    issuer::SigningKey,
    policy::RoutePolicy,
    verify::{Algorithm, Verifier},
};
use rocket::futures::FutureExt as _;
use serde_json::{Map, Value, json};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const ISSUER: &str = "https://issuer.test/";
const AUDIENCE: &str = "https://api.test";

/// What `work` returns, and how many heap blocks it allocated.
fn blocks_allocated_by<T>(work: impl FnOnce() -> T) -> (T, u64) {
    let before = dhat::HeapStats::get().total_blocks;
    let output = work();
    (output, dhat::HeapStats::get().total_blocks - before)
}

fn passes<P: RoutePolicy>(_: &Policy<P>, token: &Token) -> bool {
    P::evaluate(token).now_or_never().expect("no check of this policy waits").is_ok()
}

fn verify(verifier: &Verifier, token: &str) -> Token {
    verifier.verify(token).now_or_never().expect("fixed keys never wait").expect("the token is valid")
}

/// A typical access token's claims: ten of them.
fn claims() -> Map<String, Value> {
    let claims = json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "user-1234567890", "iat": jwt_guard_tests::now(),
        "nbf": jwt_guard_tests::now(), "exp": jwt_guard_tests::now() + 3600, "jti": "Yk5d2Lq7tAe9",
        "scope": "read write admin", "role": "admin", "tenant": "acme",
    });
    claims.as_object().cloned().expect("an object")
}

#[test]
fn a_passing_policy_and_a_cached_token_allocate_nothing() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let key = SigningKey::generate(Algorithm::EdDSA).expect("a key");
    let mut config = Config::default();
    let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] }));
    config.issuers.insert("test".into(), issuer);
    let verifier = Verifier::new(&config).expect("a verifier");
    let token = key.sign("at+jwt", &claims()).expect("a token");
    let policy = jwt_guard::policy!(scopes("read", "write", "admin"), claim(role = "admin", tenant = "acme"));
    let request = || {
        let verified = verify(&verifier, &token);
        passes(&policy, &verified)
    };
    let (passed, first) = blocks_allocated_by(request);
    assert!(passed);
    assert!(first > 0, "a first request builds the token, its cache entry and its map of claims");

    let (passed, cached) = blocks_allocated_by(request);
    assert!(passed);
    assert_eq!(cached, 0, "a cached token is verified, and a policy that passes evaluated, without allocating");

    let scopes_only = jwt_guard::policy!(scopes("read", "write", "admin"));
    let fresh = verify(&Verifier::new(&config).expect("a verifier"), &token);
    let (passed, evaluated) = blocks_allocated_by(|| passes(&scopes_only, &fresh));
    assert!(passed);
    assert_eq!(evaluated, 0, "scopes are compared where the token has them, even on its first request");

    let implied = jwt_guard::policy!(scope = Scope::Read, claim(role = "admin"));
    let verified = verify(&verifier, &token);
    let (passed, evaluated) = blocks_allocated_by(|| passes(&implied, &verified));
    assert!(passed, "`admin` implies `reports:read`");
    assert_eq!(evaluated, 0, "a scope met through an implication allocates nothing");

    counting_a_request_allocates_nothing_on_any_route(&key, &token);
}

#[jwt_guard::protected(scope = "read")]
#[rocket::get("/reports")]
fn reports() -> &'static str {
    "your reports"
}

/// A year's archive. A request for a name passes the policy, then is
/// forwarded by the year's parameter to [`archive_by_name`].
#[jwt_guard::protected(scope = "read")]
#[rocket::get("/archive/<year>")]
fn archive(year: u16) -> &'static str {
    if year < 2000 { "the old archive" } else { "the archive" }
}

#[rocket::get("/archive/<name>", rank = 2)]
fn archive_by_name(name: &str) -> &'static str {
    if name.is_empty() { "no archive" } else { "an archive" }
}

/// A file by number. A request for one by name passes the policy, then
/// is forwarded to [`file_by_name`], whose policy verifies again.
#[jwt_guard::protected(scope = "read")]
#[rocket::get("/files/<number>")]
fn file(number: u16) -> &'static str {
    if number < 100 { "an old file" } else { "a file" }
}

#[jwt_guard::protected(scope = "read")]
#[rocket::get("/files/<name>", rank = 2)]
fn file_by_name(name: &str) -> &'static str {
    if name.is_empty() { "no file" } else { "a named file" }
}

/// A report of the group that a policy protects around its routes.
#[rocket::get("/summary")]
fn summary() -> &'static str {
    "the summary"
}

/// Whole requests through Rocket, with the `metrics` feature, which
/// counts each request once, however many guards and routes it passed:
/// a route whose policy's guard verifies first (`#[protected]`, or a
/// group's) counts its requests without noting anything, if it can
/// forward a request only to such routes; where it can forward one to a
/// route without a guard, its guard notes the request in a table of the
/// app's, not in the request (whose local cache would allocate a map).
fn counting_a_request_allocates_nothing_on_any_route(key: &SigningKey, token: &str) {
    use rocket::http::{Header, Status};
    use rocket::local::blocking::Client;

    let issuer = IssuerConfig::new(ISSUER, AUDIENCE).inline_jwks(json!({ "keys": [key.public_jwk()] }));
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let rocket = rocket::custom(figment)
        .attach(jwt_guard::JwtGuard::builder().issuer("test", issuer))
        .register("/", jwt_guard::catchers())
        .mount("/", rocket::routes![reports, archive, archive_by_name, file, file_by_name])
        .mount("/group", jwt_guard::protect(jwt_guard::policy!(scope = "read"), rocket::routes![summary]));
    let client = Client::untracked(rocket).expect("the app launches");
    let get = |path: &'static str| {
        let response = client.get(path).header(Header::new("Authorization", format!("Bearer {token}"))).dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
    };
    // The first verifies the token, and warms what Rocket keeps.
    get("/reports");
    get("/archive/2024");
    get("/files/2024");
    let ((), alone) = blocks_allocated_by(|| get("/reports"));
    let ((), forwarding) = blocks_allocated_by(|| get("/archive/2024"));
    assert_eq!(forwarding, alone, "no marker in the request to the route that can forward it");
    let ((), forwarding_to_policies) = blocks_allocated_by(|| get("/files/2024"));
    assert_eq!(forwarding_to_policies, alone, "no marker where every route it can be forwarded to has a policy");
    get("/group/summary");
    let ((), grouped) = blocks_allocated_by(|| get("/group/summary"));
    assert_eq!(grouped, alone, "no marker on a route that a group's policy protects");
}

/// A vocabulary in which `admin` implies every other scope.
#[derive(jwt_guard::Scopes)]
#[allow(dead_code, reason = "the test's policy names one scope; `admin` implies it")]
enum Scope {
    #[scope("reports:read")]
    Read,
    #[scope("admin", implies = "*")]
    Admin,
}
