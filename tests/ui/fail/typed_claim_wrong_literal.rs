use jwt_guard::protected;
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    email_verified: bool,
    level: u8,
}

#[protected(claims = AppClaims, claim(email_verified = "yes"))]
#[get("/a")]
fn string_for_bool() {}

#[protected(claims = AppClaims, claim(level = true))]
#[get("/b")]
fn bool_for_integer() {}

fn main() {}
