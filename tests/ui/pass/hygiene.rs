//! Names of the user's that match the expansion's locals and the paths it
//! names: the expansion neither sees them nor clashes with them.

use jwt_guard::{Claims, policy, protected};
use rocket::{get, routes};
use serde::Deserialize;

#[allow(dead_code)]
struct Result;

#[allow(dead_code)]
struct Token;

#[allow(dead_code)]
enum Denial {}

#[derive(Deserialize)]
struct AppClaims {
    role: String,
}

fn token(_: &jwt_guard::Token) -> bool {
    true
}

fn first(_: &jwt_guard::Token) -> bool {
    true
}

async fn denial(_: &jwt_guard::Token) -> bool {
    true
}

fn outcome(_: &jwt_guard::Token) -> bool {
    true
}

#[protected(any(check = token, all(check = first)), all(check = denial), check = outcome, claim(role = ["a", "b"]))]
#[get("/a")]
fn a(claims: Claims<AppClaims>) -> String {
    claims.role.clone()
}

#[protected(scope = "read", any(scope = "a", check = first, all(check = token, issuer = "auth0")))]
#[get("/b")]
fn b(token: jwt_guard::Token) -> String {
    token.subject().unwrap_or_default().into()
}

fn main() {
    let claims = 1;
    let _ = routes![a, b];
    let _ = policy!(any(check = denial, all(check = first)), claim(role = "x"));
    assert_eq!(claims, 1);
}
