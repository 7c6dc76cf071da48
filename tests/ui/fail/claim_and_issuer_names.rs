use jwt_guard::protected;
use rocket::get;

#[protected(claim("" = "x"))]
#[get("/a")]
fn empty_claim_name() {}

#[protected(claim("has space" = "x"))]
#[get("/b")]
fn spaced_claim_name() {}

#[protected(claim("https://example.com/\"role\"" = "x", r"back\slash" = "y"))]
#[get("/quoted")]
fn quoted_claim_names() {}

#[protected(issuer = "not a name")]
#[get("/c")]
fn bad_issuer_name() {}

#[protected(any(claims = String, scope = "read"))]
#[get("/d")]
fn nested_claims_type() {}

fn main() {}
