use jwt_guard::protected;
use rocket::get;

#[protected(bound = "dpopp")]
#[get("/misspelt")]
fn misspelt_kind() {}

#[protected(bound = dpop)]
#[get("/unquoted")]
fn unquoted_kind() {}

#[protected(any(bound, scope = "read"))]
#[get("/nested")]
fn nested() {}

#[protected(bound, bound = "mtls")]
#[get("/twice")]
fn twice() {}

fn main() {}
