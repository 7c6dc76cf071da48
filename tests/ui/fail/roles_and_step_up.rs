use jwt_guard::protected;
use rocket::get;

#[protected(role = "")]
#[get("/empty-role")]
fn empty_role() {}

#[protected(any_role("admin", "a\"b"))]
#[get("/quote-in-role")]
fn quote_in_role() {}

#[protected(any(acr = "urn:example:mfa", scope = "read"))]
#[get("/nested-acr")]
fn nested_acr() {}

#[protected(max_age = "300")]
#[get("/quoted-max-age")]
fn quoted_max_age() {}

#[protected(max_age = -5)]
#[get("/negative-max-age")]
fn negative_max_age() {}

#[protected(acr("urn:example:mfa", "two words"))]
#[get("/spaced-acr")]
fn spaced_acr() {}

fn main() {}
