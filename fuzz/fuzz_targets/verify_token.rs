//! Any input, verified as a bearer token against an issuer with an
//! Ed25519 and an RSA key: it must be refused or accepted, never panic.

#![no_main]

use std::sync::OnceLock;

use jwt_guard::{verify::{Algorithm, Verifier}, config::{Config, IssuerConfig}, issuer::SigningKey};
use libfuzzer_sys::fuzz_target;

fn verifier() -> &'static (Verifier, tokio::runtime::Runtime) {
    static VERIFIER: OnceLock<(Verifier, tokio::runtime::Runtime)> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let keys = [
            SigningKey::from_pem(Algorithm::EdDSA, include_bytes!("../../tests/support/keys/ed-a.pem")),
            SigningKey::from_pem(Algorithm::RS256, include_bytes!("../../tests/support/keys/rsa-a.pem")),
        ];
        let jwks: Vec<_> = keys.iter().map(|key| key.as_ref().expect("fixture keys load").public_jwk()).collect();
        let mut config = Config::default();
        config.issuers.insert(
            "fuzz".into(),
            IssuerConfig::new("https://issuer.fuzz/", "https://api.fuzz")
                .inline_jwks(serde_json::json!({ "keys": jwks })),
        );
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        (Verifier::new(&config).expect("the configuration is valid"), runtime)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let (verifier, runtime) = verifier();
    let _ = runtime.block_on(verifier.verify(token));
});
