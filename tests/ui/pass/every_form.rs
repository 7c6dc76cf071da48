use jwt_guard::{Claims, Token, policy, protect, protected};
use rocket::{get, post, routes};
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    role: String,
}

fn tenant_matches(token: &Token) -> bool {
    token.claim("tenant").is_some()
}

async fn tenant_allowed(_: &Token) -> bool {
    true
}

#[protected]
#[get("/a")]
fn a() {}

#[protected(scope = "read", scopes("a", "b"), any_scope("c", "d"), claim(role = ["x", "y"], n = -1, ok = true))]
#[rocket::get("/b")]
async fn b(_token: Token) {}

#[protected(issuer = "auth0", check = tenant_matches, any(check = tenant_allowed, all(scope = "x")))]
#[post("/c", data = "<body>")]
fn c(body: String, claims: Claims<AppClaims>) -> String {
    format!("{body}{}", claims.role)
}

#[protected(claims = AppClaims, claim(role = "admin"))]
#[rocket::route(GET, uri = "/d")]
pub fn d() {}

#[protected(bound, scope = "read")]
#[get("/e")]
fn e() {}

#[protected(bound = "dpop")]
#[get("/f")]
fn f() {}

#[protected(bound = "mtls", claims = AppClaims)]
#[get("/g")]
fn g() {}

fn main() {
    let _ = routes![a, b, c, d, e, f, g];
    let _ = protect(policy!(bound = "dpop"), routes![a]);
    let _ = protect(policy!(scope = "read"), routes![a]);
    let _ = protect(policy!(claims = AppClaims, claim(role = "admin")), routes![a]);
}
