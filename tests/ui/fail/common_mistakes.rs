use jwt_guard::protected;
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    role: String,
}

#[protected(scope = read)]
#[get("/a")]
fn scope_without_quotes() {}

#[protected(scope = ["read", "write"])]
#[get("/b")]
fn scopes_as_a_list() {}

#[protected(role = admin)]
#[get("/c")]
fn role_without_quotes() {}

#[protected(role = ["admin", "owner"])]
#[get("/d")]
fn roles_as_a_list() {}

#[protected(roles("admin", "owner"))]
#[get("/e")]
fn roles_option() {}

#[protected(claims(role = "admin"))]
#[get("/f")]
fn claims_for_claim() {}

#[protected(claim = AppClaims)]
#[get("/g")]
fn claim_for_claims() {}

#[protected(max_age = 5m)]
#[get("/h")]
fn max_age_with_a_unit() {}

#[protected(claim(type = "access"))]
#[get("/i")]
fn keyword_claim() {}

#[protected(and(scope = "a", scope = "b"))]
#[get("/j")]
fn and_for_all() {}

#[protected(scope = "read")]
#[protected(scope = "write")]
#[get("/k")]
fn protected_twice() {}

#[protected(any_role(admin), acr = urn)]
#[get("/l")]
fn more_strings_without_quotes() {}

fn main() {}
