//! A resource server for an external identity provider, configured only
//! in `resource_server/Rocket.toml` (or `ROCKET_JWT_GUARD`).
//!
//! The provider, as that file names it: a Keycloak in development mode on
//! `localhost:8080`, say
//! `docker run -p 8080:8080 -e KC_BOOTSTRAP_ADMIN_USERNAME=admin -e KC_BOOTSTRAP_ADMIN_PASSWORD=admin quay.io/keycloak/keycloak start-dev`.
//! In its admin console (`http://localhost:8080`, `admin`/`admin`):
//!
//! 1. create the realm `demo`;
//! 2. in it, create the client `reports-cli`, with client authentication
//!    and service accounts on, and copy its secret (tab "Credentials");
//! 3. in the client's dedicated scope (tab "Client scopes",
//!    `reports-cli-dedicated`), add a mapper "By configuration",
//!    "Audience", with "Included Custom Audience" `reports-api`: without
//!    it, the token is addressed to `account` and refused;
//! 4. for `/admin`, create the realm role `admin` and give it to the
//!    client's service account (tab "Service accounts roles").
//!
//! Then get a token and call the API:
//!
//! ```sh
//! cargo run --example resource_server
//! SECRET=...   # the client secret of step 2 (tab "Credentials")
//! TOKEN=$(curl -s -d grant_type=client_credentials -d client_id=reports-cli -d client_secret=$SECRET \
//!     http://localhost:8080/realms/demo/protocol/openid-connect/token \
//!     | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/me
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/admin
//! ```

use rocket::figment::Figment;
use rocket::figment::providers::{Env, Format, Toml};
use rocket::serde::json::Json;
use rocket::{get, launch, routes};
use serde::{Deserialize, Serialize};

use jwt_guard::{Claims, JwtGuard, Token, protected};

/// The claims this API reads from its tokens.
#[derive(Debug, Deserialize, Serialize)]
struct AppClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
}

/// Open to everyone.
#[get("/public")]
fn public() -> &'static str {
    "no token needed here"
}

/// The caller, from their token's claims.
#[get("/me")]
fn me(claims: Claims<AppClaims>) -> Json<AppClaims> {
    Json(claims.into_inner())
}

/// Only for holders of the realm role `admin`: `roles_claim` in
/// Rocket.toml says where Keycloak keeps roles.
#[protected(role = "admin")]
#[get("/admin")]
fn admin(token: Token) -> String {
    format!("{} is an admin", token.subject().unwrap_or("?"))
}

/// The scopes the caller's token grants, and who granted them.
#[get("/scopes")]
fn scopes(token: Token) -> String {
    format!("issuer `{}` granted: {}", token.issuer(), token.scopes().join(" "))
}

/// Rocket's usual configuration, with this example's Rocket.toml in place
/// of the working directory's.
fn figment() -> Figment {
    Figment::from(rocket::Config::default())
        .merge(Toml::file(concat!(env!("CARGO_MANIFEST_DIR"), "/resource_server/Rocket.toml")).nested())
        .merge(Env::prefixed("ROCKET_").ignore(&["PROFILE"]).global())
}

#[launch]
fn rocket() -> _ {
    rocket::custom(figment())
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![public, me, admin, scopes])
}
