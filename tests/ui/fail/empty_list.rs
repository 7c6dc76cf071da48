use jwt_guard::protected;
use rocket::get;

#[protected(any())]
#[get("/a")]
fn empty_any() {}

#[protected(all(), scopes(), claim(role = []))]
#[get("/b")]
fn empty_all() {}

#[protected(acr(), any_role())]
#[get("/c")]
fn empty_acr_and_roles() {}

fn main() {}
