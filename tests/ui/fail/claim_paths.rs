use jwt_guard::protected;
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    realm_access: RealmAccess,
}

#[derive(Deserialize)]
struct RealmAccess {
    roles: Vec<String>,
    level: u8,
}

#[protected(claims = AppClaims, claim(realm_access.rols = "admin"))]
#[get("/misspelt")]
fn misspelt_segment() {}

#[protected(claims = AppClaims, claim(realm_access.level = "high"))]
#[get("/wrong-literal")]
fn wrong_literal() {}

#[protected(claims = AppClaims, claim(realm_access."roles" = "admin"))]
#[get("/json-segment")]
fn json_segment_in_typed_path() {}

#[protected(claim(realm_access."a\"b".roles = "admin"))]
#[get("/quoted")]
fn quote_in_a_segment() {}

#[protected(claim(realm_access.1 = "admin"))]
#[get("/number")]
fn number_in_a_path() {}

fn main() {}
