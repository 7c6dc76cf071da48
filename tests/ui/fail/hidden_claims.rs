use jwt_guard::{Claims, Claims as Renamed, protected};
use rocket::get;
use serde::Deserialize;

#[derive(Deserialize)]
struct AppClaims {
    role: String,
}

/// An alias: `#[protected]` cannot see that it is `Claims<AppClaims>`.
type User = Claims<AppClaims>;

#[protected(claim(role = "admin"))]
#[get("/alias")]
fn alias(user: User) -> String {
    user.role.clone()
}

#[protected(any(scope = "read", claim(role = "admin")))]
#[get("/renamed")]
fn renamed(user: Option<Renamed<AppClaims>>) -> Option<String> {
    user.map(|user| user.role.clone())
}

#[protected(claim(role = "admin"))]
#[get("/outcome")]
async fn outcome(_user: Result<Renamed<AppClaims>, jwt_guard::AuthError>, _again: rocket::request::Outcome<User, jwt_guard::AuthError>) {}

fn main() {}
