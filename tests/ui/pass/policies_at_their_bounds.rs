use jwt_guard::protected;
use rocket::get;

// Eight `any` of two: 256 ways, the most a policy may have.
#[protected(
    any(scope = "a", scope = "b"),
    any(scope = "c", scope = "d"),
    any(scope = "e", scope = "f"),
    any(scope = "g", scope = "h"),
    any(scope = "i", scope = "j"),
    any(scope = "k", scope = "l"),
    any(scope = "m", scope = "n"),
    any(scope = "o", scope = "p")
)]
#[get("/many-ways")]
fn many_ways() {}

// One issuer in every way that is left: met by the staff's tokens.
#[protected(issuer = "staff", any(issuer = "staff", issuer = "partners"))]
#[get("/one-issuer-left")]
fn one_issuer_left() {}

#[protected(max_age = 1)]
#[get("/a-second")]
fn a_second() {}

// An integer type is no unit.
#[protected(max_age = 300i64)]
#[get("/typed-seconds")]
fn typed_seconds() {}

fn main() {}
