use jwt_guard::protected;
use rocket::get;

fn takes_a_string(_: &str) -> bool {
    true
}

#[protected(check = takes_a_string)]
#[get("/a")]
fn wrong_argument() {}

#[protected(check = does_not_exist)]
#[get("/b")]
fn missing_function() {}

fn main() {}
