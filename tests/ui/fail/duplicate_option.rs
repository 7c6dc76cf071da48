use jwt_guard::protected;
use rocket::get;

#[protected(scope = "read", scope = "write")]
#[get("/a")]
fn twice() {}

#[protected(claim(role = "admin"), all(issuer = "a", issuer = "b"), claim(tenant = "acme"))]
#[get("/b")]
fn nested_twice() {}

#[protected(claim(role = "admin", role = "owner"))]
#[get("/c")]
fn same_claim() {}

fn allowed(_: &jwt_guard::Token) -> bool {
    true
}

#[protected(check = allowed, check = allowed, max_age = 60, max_age = 30, acr = "urn:a", acr = "urn:b")]
#[get("/d")]
fn both_checks() {}

fn main() {}
