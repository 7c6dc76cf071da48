use jwt_guard::{Scopes, policy, protected};
use rocket::get;

#[derive(Scopes)]
enum TwoBadVariants {
    #[scope("read reports")]
    Read,
    Write,
}

#[protected(scop = "read", scope = "read  write")]
#[get("/a")]
fn two_mistakes() {}

#[protected(issuer = auth0, any_scope("a", 3, "b c"), claim(role = [1.5, "x"]), check)]
#[get("/b")]
fn a_mistake_in_every_option() {}

fn main() {
    let _ = policy!(scope = 3, claims(AppClaims));
}
