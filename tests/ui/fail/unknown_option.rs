use jwt_guard::protected;
use rocket::get;

#[protected(scop = "read")]
#[get("/a")]
fn misspelt() {}

#[protected(permission = "admin")]
#[get("/b")]
fn unknown() {}

fn main() {}
