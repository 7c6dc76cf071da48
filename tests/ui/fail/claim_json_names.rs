use jwt_guard::{ClaimNames, protected};
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize, ClaimNames)]
struct Derived {
    #[serde(rename = "https://example.com/roles")]
    roles: Vec<String>,
    #[serde(rename = "https://example.com/verified")]
    verified: bool,
    #[serde(rename(deserialize = "https://example.com/groups"))]
    groups: Vec<String>,
    #[serde(skip)]
    cached: bool,
}

#[protected(claims = Derived, claim("groups" = "staff"))]
#[get("/c")]
fn read_by_another_name() {}

#[protected(claims = Derived, claim("cached" = true))]
#[get("/d")]
fn not_read_from_a_claim() {}

#[protected(claims = Derived, claim("https://example.com/role" = "admin"))]
#[get("/a")]
fn misspelt_json_name() {}

#[protected(claims = Derived, claim("https://example.com/verified" = "yes"))]
#[get("/b")]
fn wrong_literal_through_json_name() {}

#[derive(Deserialize, ClaimNames)]
#[serde(rename_all = "camelCase")]
struct RenamedAll {
    email_verified: bool,
}

fn main() {
    let _ = RenamedAll { email_verified: true }.email_verified;
}
