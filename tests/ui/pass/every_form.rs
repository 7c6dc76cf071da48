use jwt_guard::{Claims, Token, policy, protect, protected};
use rocket::{get, post, routes};
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    role: String,
}

#[derive(Deserialize)]
struct KeywordClaims {
    r#type: String,
}

fn tenant_matches(token: &Token) -> bool {
    token.claim("tenant").is_some()
}

async fn tenant_allowed(_: &Token) -> bool {
    true
}

#[protected]
#[get("/a")]
fn a() {}

#[protected(scope = "read", scopes("a", "b"), any_scope("c", "d"), claim(role = ["x", "y"], n = -1, ok = true))]
#[rocket::get("/b")]
async fn b(_token: Token) {}

#[protected(issuer = "auth0", check = tenant_matches, any(check = tenant_allowed, all(scope = "x")))]
#[post("/c", data = "<body>")]
fn c(body: String, claims: Claims<AppClaims>) -> String {
    format!("{body}{}", claims.role)
}

#[protected(claims = AppClaims, claim(role = "admin"))]
#[rocket::route(GET, uri = "/d")]
pub fn d() {}

#[protected(bound, scope = "read")]
#[get("/e")]
fn e() {}

#[protected(bound = "dpop")]
#[get("/f")]
fn f() {}

#[protected(bound = "mtls", claims = AppClaims)]
#[get("/g")]
fn g() {}

#[protected(role = "admin", any_role("a", "b"), claim(realm_access.roles = "x", resource_access."my-api".roles = "y"))]
#[get("/h")]
fn h() {}

#[protected(acr("urn:a", "urn:b"), max_age = 300, scope = "read")]
#[get("/i")]
fn i() {}

#[protected(acr = "urn:a", max_age = 300u64, claims = KeywordClaims, claim(r#type = "access"))]
#[get("/one-acr")]
fn one_acr() {}

// Options of one kind as alternatives, or all holding, and combinators
// several times.
#[protected(any(scope = "a", scope = "b"), any(issuer = "x", issuer = "y"), any(claim(a = 1), claim(b = 2)))]
#[get("/alternatives")]
fn alternatives() {}

#[protected(all(role = "a", role = "b", check = tenant_matches, check = tenant_matches), all(scope = "c"))]
#[get("/all-of-one-kind")]
fn all_of_one_kind() {}

// Claims read from the JSON, beside parameters of every kind: borrowed,
// with a lifetime of the handler's, of managed state, optional; in an
// async handler with a where clause.
#[protected(claim(role = "admin"))]
#[get("/json/<name>")]
fn json_claims<'r>(name: &'r str, _token: Token, _state: &rocket::State<u8>, _maybe: Option<Token>) -> &'r str {
    name
}

#[protected(claim(role = "admin"))]
#[get("/json-async/<name>")]
async fn json_claims_async<'r>(name: &'r str, _token: rocket::request::Outcome<Token, jwt_guard::AuthError>) -> String
where
    'r: 'r,
{
    name.to_owned()
}

// Three different claims: a member named with a dot is not a path.
#[protected(claim(a."b.c" = "x", a.b.c = "y", "a.b" = "z"))]
#[get("/k")]
fn k() {}

#[derive(jwt_guard::Scopes)]
enum FileScope {
    #[scope("files:read")]
    Read,
    #[scope("files:write", implies = "files:read")]
    Write,
    #[scope("files:admin", implies("files:write", "files:read"))]
    Admin,
    #[scope("root", implies = "*")]
    Root,
}

#[protected(scope = FileScope::Read, any_scope(FileScope::Write, FileScope::Admin, FileScope::Root))]
#[get("/j")]
fn j() {}

fn main() {
    let _ = routes![a, b, c, d, e, f, g, h, i, one_acr, j, k];
    let _ = protect(policy!(bound = "dpop"), routes![a]);
    let _ = protect(policy!(scope = "read"), routes![a]);
    let _ = protect(policy!(claims = AppClaims, claim(role = "admin")), routes![a]);
}
