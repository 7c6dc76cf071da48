//! The quickstart: an API protected by jwt-guard, with its own login, no
//! setup and no configuration file.
//!
//! ```sh
//! cargo run --example quickstart
//! TOKEN=$(curl -s -X POST http://127.0.0.1:8000/auth -H 'Content-Type: application/json' \
//!     -d '{"username": "user2", "password": "abcxyz"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/protected
//! ```
//!
//! The built-in issuer signs with a key generated at launch. Issuers in
//! Rocket.toml or `ROCKET_JWT_GUARD` are trusted too, so the same app can
//! be pointed at a real identity provider without code changes.

use rocket::fairing::AdHoc;
use rocket::serde::json::Json;
use rocket::{Build, Rocket, get, launch, routes};
use serde_json::{Value, json};

use jwt_guard::{Grant, JwtGuard, StaticUsers, Token, protected};

/// The demo users of Flask-JWT's quickstart.
pub(crate) fn demo_users() -> StaticUsers {
    StaticUsers::new().user("user1", "abcxyz", Grant::new("user1").scopes(["read"])).user(
        "user2",
        "abcxyz",
        Grant::new("user2").scopes(["read", "admin"]).claim("role", "admin"),
    )
}

/// Open to everyone.
#[get("/public")]
fn public() -> Json<Value> {
    Json(json!({ "message": "no token needed here" }))
}

/// Any valid token.
#[protected]
#[get("/protected")]
fn protected_route(token: Token) -> Json<Value> {
    Json(json!({ "subject": token.subject(), "scopes": token.scopes() }))
}

/// Tokens with the `read` scope.
#[protected(scope = "read")]
#[get("/read")]
fn read(token: Token) -> Json<Value> {
    Json(json!({ "message": format!("{} may read", token.subject().unwrap_or_default()) }))
}

/// Tokens with the `admin` scope and the `admin` role.
#[protected(scope = "admin", claim(role = "admin"))]
#[get("/admin")]
fn admin(token: Token) -> Json<Value> {
    Json(json!({ "message": format!("welcome, administrator {}", token.subject().unwrap_or_default()) }))
}

/// Prints how to get a token and call the API once it listens.
fn print_curl_commands() -> AdHoc {
    AdHoc::on_liftoff("quickstart instructions", |rocket| {
        Box::pin(async move {
            let base = format!("http://{}:{}", rocket.config().address, rocket.config().port);
            println!("\nGet a token, then call a protected route:\n");
            println!(
                "  TOKEN=$(curl -s -X POST {base}/auth -H 'Content-Type: application/json' \\\n    \
                 -d '{{\"username\": \"user2\", \"password\": \"abcxyz\"}}' \\\n    \
                 | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')"
            );
            println!("  curl -H \"Authorization: Bearer $TOKEN\" {base}/protected\n");
        })
    })
}

/// The app; tests build it too.
pub(crate) fn app() -> Rocket<Build> {
    rocket::build()
        .attach(JwtGuard::fairing().login(demo_users()))
        .attach(print_curl_commands())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![public, protected_route, read, admin])
}

#[launch]
fn rocket() -> _ {
    app()
}
