use jwt_guard::protected;
use rocket::get;

#[protected(scope = 3)]
#[get("/a")]
fn number_scope() {}

#[protected(issuer = auth0)]
#[get("/b")]
fn bare_issuer() {}

#[protected(claim(level = 3.5))]
#[get("/c")]
fn float_claim() {}

#[protected(check)]
#[get("/d")]
fn no_value() {}

#[protected(scopes = "read")]
#[get("/e")]
fn scopes_needs_parentheses() {}

#[protected(claim(level = 3u8))]
#[get("/f")]
fn typed_literal_of_a_json_claim() {}

fn main() {}
