//! The app under test: a few routes behind jwt-guard's guards, and a way
//! to call them and read the parts of the response that clients rely on.

use rocket::figment::Figment;
use rocket::local::asynchronous::Client;
use rocket::serde::json::Json;
use rocket::{Build, Rocket};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use std::time::Duration;

use jwt_guard::{
    Claims, JwtGuard, JwtGuardBuilder, Token,
    config::{Config, IssuerConfig},
    verify::Verifier,
};

/// The claims struct of the app.
#[derive(Debug, Deserialize, Serialize)]
pub struct AppClaims {
    /// The subject.
    pub sub: String,
    /// A custom claim that tokens must carry.
    pub tenant: String,
}

#[rocket::get("/token")]
fn token(token: Token) -> Json<Value> {
    Json(json!({
        "issuer": token.issuer(),
        "sub": token.subject(),
        "scopes": token.scopes(),
        "kid": token.header().and_then(|header| header.kid.clone()),
        "alg": token.header().map(|header| header.alg.name()),
        "expires_at": token.expires_at().duration_since(std::time::UNIX_EPOCH).map(|since| since.as_secs()).ok(),
    }))
}

#[rocket::get("/claims")]
fn claims(claims: Claims<AppClaims>) -> Json<AppClaims> {
    Json(claims.into_inner())
}

#[rocket::get("/optional")]
fn optional(token: Option<Token>, claims: Option<Claims<AppClaims>>) -> String {
    format!("token: {}, claims: {}", token.is_some(), claims.is_some())
}

/// The `DPoP` challenge that follows the `Bearer` one of the app under
/// test, whose issuers accept DPoP-bound tokens (the default).
pub const DPOP_CHALLENGE: &str = r#"DPoP realm="api", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA""#;

/// The audience of the app under test.
pub const AUDIENCE: &str = "https://api.test";

/// The claims of a valid token from `issuer`, with scopes `read write`.
pub fn claims_for(issuer: &str) -> Value {
    let now = crate::now();
    json!({
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "alice",
        "iat": now,
        "exp": now + 300,
        "scope": "read write",
        "tenant": "acme",
    })
}

/// The `jwt_guard` table of an app that trusts one issuer: the key server.
pub fn single_issuer(server: &crate::KeyServer) -> Value {
    json!({
        "refetch_cooldown": 0.3,
        "issuers": { "primary": issuer_table(server) },
    })
}

/// An issuer table for the key server, with its JWKS address given.
pub fn issuer_table(server: &crate::KeyServer) -> Value {
    json!({ "issuer": server.base(), "audience": AUDIENCE, "jwks_uri": server.jwks_uri() })
}

/// A verifier, outside Rocket, that trusts `server` as the issuer `name`
/// and fetches its keys at most once per `refetch_cooldown` for a token.
pub fn remote_verifier(server: &crate::KeyServer, name: &str, refetch_cooldown: Duration) -> Verifier {
    let mut config = Config::default();
    config.refetch_cooldown = refetch_cooldown;
    config.issuers.insert(name.into(), IssuerConfig::new(server.base(), AUDIENCE).jwks_uri(server.jwks_uri()));
    Verifier::new(&config).expect("a valid configuration")
}

/// A figment without Rocket.toml or the environment, and with logs off.
pub fn quiet_figment() -> Figment {
    Figment::from(rocket::Config::debug_default()).merge(("log_level", "off"))
}

/// The app, configured by this `jwt_guard` table.
pub fn app(jwt_guard: Value) -> Rocket<Build> {
    app_with_builder(jwt_guard, JwtGuard::fairing())
}

/// The app, with this `jwt_guard` table and the fairing `builder`.
pub fn app_with_builder(jwt_guard: Value, builder: JwtGuardBuilder) -> Rocket<Build> {
    rocket::custom(quiet_figment().merge(("jwt_guard", jwt_guard)))
        .attach(builder)
        .register("/", jwt_guard::catchers())
        .mount("/", rocket::routes![token, claims, optional])
}

/// The app, configured in code.
pub fn app_with_config(config: Config) -> Rocket<Build> {
    rocket::custom(quiet_figment())
        .attach(JwtGuard::builder().config(config))
        .register("/", jwt_guard::catchers())
        .mount("/", rocket::routes![token, claims, optional])
}

/// What a client sees of a response.
#[derive(Debug)]
pub struct ResponseParts {
    /// The status code.
    pub status: u16,
    /// The `WWW-Authenticate` header.
    pub challenge: Option<String>,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The body, as JSON (a JSON string when it is not JSON).
    pub body: Value,
}

/// GETs `path` with these `Authorization` header values.
pub async fn call(client: &Client, path: &str, authorization: &[&str]) -> ResponseParts {
    let mut request = client.get(path);
    for value in authorization {
        request.add_header(rocket::http::Header::new("Authorization", value.to_string()));
    }
    let response = request.dispatch().await;
    let header = |name: &str| response.headers().get_one(name).map(str::to_owned);
    let status = response.status().code;
    let challenge = header("WWW-Authenticate");
    let retry_after = header("Retry-After");
    let text = response.into_string().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    ResponseParts { status, challenge, retry_after, body }
}
