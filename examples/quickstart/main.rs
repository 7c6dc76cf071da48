//! The quickstart: an API protected by jwt-guard, with its own login and
//! sessions, no setup and no configuration file.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! It prints the commands that log in, call a protected route, refresh and
//! log out. The built-in issuer signs with a key generated at launch and
//! keeps its sessions in memory; issuers, keys and a store in Rocket.toml
//! or `ROCKET_JWT_GUARD` are used too, so the same app can be pointed at a
//! real identity provider, or run as a fleet on Redis
//! (`cargo run --example quickstart --features redis`), without code
//! changes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::serde::json::Json;
use rocket::{Build, Rocket, get, launch, routes};
use serde_json::{Value, json};

use jwt_guard::{
    JwtGuard, Token,
    issuer::{Grant, StaticUsers},
    protected,
};

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

/// Tokens with the `admin` scope and a `role` claim of `admin` (a claim
/// the login writes; `role = "admin"` would ask for a role, read from
/// where the issuer keeps roles: see the policies' guide).
#[protected(scope = "admin", claim(role = "admin"))]
#[get("/admin")]
fn admin(token: Token) -> Json<Value> {
    Json(json!({ "message": format!("welcome, administrator {}", token.subject().unwrap_or_default()) }))
}

/// Prints how to log in, call the API, refresh and log out, once it
/// listens.
fn print_curl_commands() -> AdHoc {
    AdHoc::on_liftoff("quickstart instructions", |rocket| {
        Box::pin(async move {
            let base = format!("http://{}:{}", rocket.config().address, rocket.config().port);
            let member = |name: &str| format!("sed 's/.*\"{name}\":\"\\([^\"]*\\)\".*/\\1/'");
            println!("\nLog in, then call a protected route:\n");
            println!(
                "  TOKENS=$(curl -s -X POST {base}/auth -H 'Content-Type: application/json' \\\n    \
                 -d '{{\"username\": \"user2\", \"password\": \"abcxyz\"}}')"
            );
            println!(
                "  TOKEN=$(echo \"$TOKENS\" | {}); REFRESH=$(echo \"$TOKENS\" | {})",
                member("access_token"),
                member("refresh_token")
            );
            println!("  curl -H \"Authorization: Bearer $TOKEN\" {base}/protected\n");
            println!("Refresh (a refresh token works once: keep the new one), then log out:\n");
            println!("  TOKENS=$(curl -s -X POST {base}/auth/refresh -d \"refresh_token=$REFRESH\")");
            println!("  REFRESH=$(echo \"$TOKENS\" | {})", member("refresh_token"));
            println!("  curl -s -X POST {base}/auth/revoke -d \"token=$REFRESH\"\n");
            if let Some(metadata) = rocket.state::<JwtGuard>().and_then(JwtGuard::resource_metadata_url) {
                println!("What clients learn of the API (RFC 9728 protected-resource metadata):\n");
                println!("  curl {metadata}\n");
            }
        })
    })
}

/// The URL the app listens at, which identifies it as a protected
/// resource: its tokens are issued for it, and its metadata names it.
/// Listening on every address (`ROCKET_ADDRESS=0.0.0.0`, in a container),
/// it is this machine's loopback address.
fn own_url(figment: &Figment) -> String {
    let address = match figment.extract_inner::<IpAddr>("address") {
        Ok(address) if !address.is_unspecified() => address,
        Ok(IpAddr::V6(_)) => Ipv6Addr::LOCALHOST.into(),
        _ => Ipv4Addr::LOCALHOST.into(),
    };
    let port = figment.extract_inner::<u16>("port").unwrap_or(8000);
    format!("http://{}", SocketAddr::new(address, port))
}

/// The app, configured by Rocket.toml and `ROCKET_*` variables.
pub(crate) fn app() -> Rocket<Build> {
    app_from(rocket::Config::figment())
}

/// The app of `figment`; tests build it too. Sessions last a day, and the
/// app is the resource at its own URL, unless the configuration says
/// otherwise.
pub(crate) fn app_from(figment: Figment) -> Rocket<Build> {
    let resource = own_url(&figment);
    let figment = figment.join(("jwt_guard.local.refresh_expires_in", 86_400)).join(("jwt_guard.resource", resource));
    rocket::custom(figment)
        .attach(JwtGuard::fairing().login(demo_users()))
        .attach(print_curl_commands())
        .register("/", jwt_guard::catchers())
        .mount("/", routes![public, protected_route, read, admin])
}

#[launch]
fn rocket() -> _ {
    app()
}
