//! An app with the built-in issuer and its sessions in an SQLite file, run
//! as a process of its own so that a test can `kill -9` it mid-burst and
//! start it again on the same file.
//!
//! Environment: `PORT` (127.0.0.1 only), `STORE_PATH` (the SQLite file),
//! `KEY_FILE` (the issuer's PKCS#8 key). Users `user0` to `user9`, each
//! with the password `secret`.

use jwt_guard::{
    JwtGuard,
    issuer::{Grant, StaticUsers},
};
use serde_json::json;

fn variable(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name}"))
}

#[rocket::launch]
fn rocket() -> _ {
    let users = (0..10).fold(StaticUsers::new(), |users, n| {
        let name = format!("user{n}");
        users.user(&name, "secret", Grant::new(name.as_str()))
    });
    let config = json!({
        "local": { "issuer": "https://api.crash.test", "key_file": variable("KEY_FILE"), "refresh_expires_in": 3600 },
        "store": { "path": variable("STORE_PATH") },
    });
    let figment = rocket::Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", variable("PORT").parse::<u16>().expect("a port")))
        .merge(("log_level", "off"))
        .merge(("jwt_guard", config));
    rocket::custom(figment).attach(JwtGuard::fairing().login(users))
}
