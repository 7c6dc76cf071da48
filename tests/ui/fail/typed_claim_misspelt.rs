use jwt_guard::{Claims, protected};
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    role: String,
    #[serde(rename = "https://example.com/roles")]
    roles: Vec<String>,
}

#[protected(claims = AppClaims, claim(rol = "admin"))]
#[get("/a")]
fn declared() {}

#[protected(claim(rolez = "admin"))]
#[get("/b")]
fn from_parameter(claims: Claims<AppClaims>) -> String {
    claims.role.clone()
}

#[protected(claims = AppClaims, claim("https://example.com/roles" = "admin"))]
#[get("/c")]
fn json_name_with_typed_claims() {}

fn main() {}
