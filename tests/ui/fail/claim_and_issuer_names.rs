use jwt_guard::protected;
use rocket::get;

#[protected(claim("" = "x"))]
#[get("/a")]
fn empty_claim_name() {}

#[protected(claim("has space" = "x"))]
#[get("/b")]
fn spaced_claim_name() {}

#[protected(issuer = "not a name")]
#[get("/c")]
fn bad_issuer_name() {}

#[protected(any(claims = String, scope = "read"))]
#[get("/d")]
fn nested_claims_type() {}

fn main() {}
