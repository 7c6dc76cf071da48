//! An API documented with utoipa, whose OpenAPI security jwt-guard writes
//! from the compiled policies: each issuer a security scheme, each
//! protected operation the scopes its policy needs.
//!
//! ```sh
//! cargo run --example openapi
//! curl http://127.0.0.1:8000/openapi.json
//! ```
//!
//! It trusts the built-in issuer: log in with `POST /auth` as in the
//! quickstart, as the user `auditor` (password `abcxyz`). Issuers in
//! Rocket.toml or `ROCKET_JWT_GUARD` appear in
//! the document as schemes of their own. Point Swagger UI or any OpenAPI
//! tool at `/openapi.json`.

mod api;

use jwt_guard::{
    JwtGuard,
    issuer::{Grant, StaticUsers},
};
use rocket::launch;

#[launch]
fn rocket() -> _ {
    let users = StaticUsers::new().user("auditor", "abcxyz", Grant::new("auditor").scopes(["reports:read", "audit"]));
    rocket::build()
        .attach(JwtGuard::fairing().login(users))
        .register("/", jwt_guard::catchers())
        .mount("/", api::routes())
}
