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

mod bare {
    use super::Scope::*;
    use jwt_guard::protected;
    use rocket::get;

    #[protected(scope = ReadReports)]
    #[get("/e")]
    fn variant_without_its_enum() {}

    #[protected(vocabulary = super::Scope, scope = ReadReports)]
    #[get("/f")]
    fn variant_with_a_vocabulary() {}
}

fn main() {
    let _ = Scope::WriteReports;
}
