use jwt_guard::protected;
use rocket::get;

#[protected(scope = "")]
#[get("/a")]
fn empty() {}

#[protected(scope = "read  write")]
#[get("/b")]
fn double_space() {}

#[protected(scopes("read write"))]
#[get("/c")]
fn whitespace_in_item() {}

#[protected(any_scope("say\"hi", "back\\slash", "café"))]
#[get("/d")]
fn forbidden_characters() {}

fn main() {}
