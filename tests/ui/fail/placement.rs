use jwt_guard::protected;
use rocket::get;

#[get("/below")]
#[protected(scope = "read")]
fn below_the_route_attribute() {}

#[protected(scope = "read")]
fn without_a_route() {}

#[protected(scope = "read")]
struct NotAFunction;

fn main() {}
