use jwt_guard::{Scopes, protected};
use rocket::get;

#[derive(Scopes)]
enum Scope {
    #[scope("read:reports")]
    ReadReports,
    #[scope("write:reports")]
    WriteReports,
}

#[protected(scope = Scope::ReadReports, any_scope("write:report", "admin"))]
#[get("/a")]
fn misspelt_beside_a_declared_scope() {}

#[protected(vocabulary = Scope, scope = "read:reports reed:reports")]
#[get("/b")]
fn misspelt_in_a_list() {}

#[protected(scope = Scope::ReadReport)]
#[get("/c")]
fn misspelt_variant() {}

#[protected(any(vocabulary = Scope))]
#[get("/d")]
fn nested_vocabulary() {}

fn main() {
    let _ = Scope::WriteReports;
}
