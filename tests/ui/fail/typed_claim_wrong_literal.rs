use jwt_guard::protected;
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    email_verified: bool,
    level: u8,
    roles: Vec<String>,
    tier: Option<u8>,
}

#[protected(claims = AppClaims, claim(email_verified = "yes"))]
#[get("/a")]
fn string_for_bool() {}

#[protected(claims = AppClaims, claim(level = true))]
#[get("/b")]
fn bool_for_integer() {}

#[protected(claims = AppClaims, claim(roles = 5))]
#[get("/c")]
fn integer_for_strings() {}

#[protected(claims = AppClaims, claim(tier = "gold"))]
#[get("/d")]
fn string_for_optional_integer() {}

fn main() {}
