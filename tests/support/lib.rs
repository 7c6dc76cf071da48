//! What the integration tests share: signing keys from fixture files,
//! really signed tokens, a JWKS server on 127.0.0.1 that counts its hits
//! and can misbehave, the app under test, and a relay whose connections
//! can go silent.

mod app;
mod key_server;
mod keys;
mod node;
mod oidc_provider;
mod poll;
mod process;
mod python;
mod redis_server;
mod resolver;
mod serve;
mod silent_relay;
mod store_file;
mod tls;

pub use app::{
    AUDIENCE, AppClaims, DPOP_CHALLENGE, ResponseParts, app, app_with_builder, app_with_config, call, claims_for,
    issuer_table, quiet_figment, remote_verifier, single_issuer,
};
pub use key_server::{Behaviour, INTROSPECTION_CLIENT, KeyServer};
pub use keys::{TestKey, mint, mint_with_header, now, weak_rsa_jwk};
pub use node::run_node_script;
pub use oidc_provider::{OIDC_AUDIENCE, OidcProvider, ProviderHits, UserLogin};
pub use poll::poll_until;
pub use process::ServerProcess;
pub use python::run_python_script;
pub use redis_server::RedisServer;
pub use resolver::OneIssuer;
pub use serve::{RunningApp, free_port, send_json};
pub use silent_relay::SilentRelay;
pub use store_file::StoreFile;
pub use tls::{ClientCertificate, TestPki};
