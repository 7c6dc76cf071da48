use jwt_guard::protected;
use rocket::get;

enum Plain {
    Read,
}

#[protected(vocabulary = Plain, scope = "read")]
#[get("/a")]
fn plain_enum() {}

fn main() {}
