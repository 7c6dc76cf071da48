use jwt_guard::protected;
use rocket::get;

#[protected(max_age = 0)]
#[get("/never-fresh")]
fn never_fresh() {}

#[protected(issuer = "staff", all(issuer = "partners", scope = "read"))]
#[get("/two-issuers")]
fn two_issuers() {}

#[protected(issuer = "staff", any(issuer = "partners", issuer = "contractors"))]
#[get("/no-shared-issuer")]
fn no_shared_issuer() {}

#[protected(
    any(scope = "a", scope = "b"),
    any(scope = "c", scope = "d"),
    any(scope = "e", scope = "f"),
    any(scope = "g", scope = "h"),
    any(scope = "i", scope = "j"),
    any(scope = "k", scope = "l"),
    any(scope = "m", scope = "n"),
    any(scope = "o", scope = "p"),
    any(scope = "q", scope = "r")
)]
#[get("/too-many-ways")]
fn too_many_ways() {}

#[protected(scopes("read", "write", "read"))]
#[get("/scope-twice")]
fn scope_twice() {}

#[protected(scope = "read write read")]
#[get("/scope-twice-in-a-string")]
fn scope_twice_in_a_string() {}

#[protected(any_role("admin", "admin"))]
#[get("/role-twice")]
fn role_twice() {}

#[protected(acr("urn:example:mfa", "urn:example:mfa"))]
#[get("/acr-twice")]
fn acr_twice() {}

#[protected(acr = "urn:example:élevé")]
#[get("/acr-not-ascii")]
fn acr_not_ascii() {}

fn main() {}
