use jwt_guard::{Scopes, policy, protected};
use rocket::{get, routes};

#[derive(Scopes)]
pub enum Scope {
    #[scope("read:reports")]
    ReadReports,
    #[scope("write:reports")]
    WriteReports,
}

#[protected(scope = Scope::ReadReports, any_scope(Scope::WriteReports, "read:reports"))]
#[get("/a")]
fn a() {}

#[protected(vocabulary = Scope, scopes("read:reports", "write:reports"))]
#[get("/b")]
fn b() {}

fn main() {
    let _ = routes![a, b];
    let _ = policy!(vocabulary = Scope, scope = "read:reports write:reports");
    assert_eq!(Scope::ALL.iter().map(Scope::as_str).collect::<Vec<_>>(), ["read:reports", "write:reports"]);
    assert_eq!(Scope::ReadReports.to_string(), "read:reports");
}
