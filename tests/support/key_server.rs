//! A real JWKS and OpenID discovery server on 127.0.0.1, built with Rocket.
//! It counts the requests it serves and can be told to misbehave.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::response::Responder;
use rocket::{Request, Response, State};
use serde_json::{Value, json};

use crate::keys::TestKey;
use crate::serve::{RunningApp, free_port};

/// How the server answers key requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Serve the key set.
    Serve,
    /// Answer with this status and no keys.
    Status(u16),
    /// Answer 200 with an HTML page.
    Html,
    /// Wait this long before answering.
    Hang(Duration),
    /// Answer with a streamed body of this many bytes.
    Huge(usize),
    /// Redirect to this location.
    Redirect(String),
}

#[derive(Debug)]
struct ServerState {
    keys: Mutex<Vec<Value>>,
    behaviour: Mutex<Behaviour>,
    cache_control: Mutex<Option<String>>,
    /// The `issuer` the discovery document names; `None` names the server.
    discovery_issuer: Mutex<Option<String>>,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
    base: String,
}

/// A running key server.
#[derive(Debug)]
pub struct KeyServer {
    state: Arc<ServerState>,
    app: RunningApp,
}

impl KeyServer {
    /// Starts a server on an ephemeral port that serves these keys.
    pub async fn start(keys: &[TestKey]) -> Self {
        Self::start_on(free_port(), keys).await
    }

    /// Starts a server on `port`.
    pub async fn start_on(port: u16, keys: &[TestKey]) -> Self {
        let state = Arc::new(ServerState {
            keys: Mutex::new(keys.iter().map(|key| key.jwk()).collect()),
            behaviour: Mutex::new(Behaviour::Serve),
            cache_control: Mutex::new(None),
            discovery_issuer: Mutex::new(None),
            jwks_hits: AtomicUsize::new(0),
            discovery_hits: AtomicUsize::new(0),
            base: format!("http://127.0.0.1:{port}"),
        });
        let rocket = rocket::custom(Figment::from(rocket::Config::debug_default()))
            .manage(Arc::clone(&state))
            .mount("/", rocket::routes![jwks, discovery]);
        Self { state, app: RunningApp::launch(rocket, port).await }
    }

    /// Stops the server; its port refuses connections afterwards.
    pub async fn stop(self) {
        self.app.stop().await;
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.app.port()
    }

    /// `http://127.0.0.1:{port}`, the issuer URL that discovery accepts.
    pub fn base(&self) -> &str {
        &self.state.base
    }

    /// The JWKS URL.
    pub fn jwks_uri(&self) -> String {
        format!("{}/jwks.json", self.state.base)
    }

    /// How many JWKS requests it received.
    pub fn jwks_hits(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }

    /// How many discovery requests it received.
    pub fn discovery_hits(&self) -> usize {
        self.state.discovery_hits.load(Ordering::SeqCst)
    }

    /// Replaces the served keys.
    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.state.keys.lock().expect("lock") = keys;
    }

    /// Changes how it answers key requests.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *self.state.behaviour.lock().expect("lock") = behaviour;
    }

    /// Sends this `Cache-Control` with the JWKS.
    pub fn set_cache_control(&self, value: &str) {
        *self.state.cache_control.lock().expect("lock") = Some(value.to_owned());
    }

    /// Makes the discovery document name another issuer.
    pub fn set_discovery_issuer(&self, issuer: &str) {
        *self.state.discovery_issuer.lock().expect("lock") = Some(issuer.to_owned());
    }
}

/// The answer to a key request.
struct KeyAnswer {
    behaviour: Behaviour,
    body: String,
    cache_control: Option<String>,
}

impl<'r> Responder<'r, 'static> for KeyAnswer {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut response = Response::build();
        match self.behaviour {
            Behaviour::Serve | Behaviour::Hang(_) => {
                response.header(ContentType::JSON).sized_body(self.body.len(), std::io::Cursor::new(self.body));
            }
            Behaviour::Status(code) => {
                response.status(Status::new(code)).header(ContentType::JSON).sized_body(2, std::io::Cursor::new("{}"));
            }
            Behaviour::Html => {
                let page = "<html><body>maintenance</body></html>";
                response.header(ContentType::HTML).sized_body(page.len(), std::io::Cursor::new(page));
            }
            Behaviour::Huge(bytes) => {
                // Streamed without a Content-Length, so that only the
                // client's running count can stop it.
                let body = rocket::tokio::io::AsyncReadExt::take(rocket::tokio::io::repeat(b' '), bytes as u64);
                response.header(ContentType::JSON).streamed_body(body);
            }
            Behaviour::Redirect(location) => {
                response.status(Status::Found).header(Header::new("Location", location));
            }
        }
        if let Some(cache_control) = self.cache_control {
            response.header(Header::new("Cache-Control", cache_control));
        }
        Ok(response.finalize())
    }
}

async fn answer(state: &ServerState, body: Value) -> KeyAnswer {
    let behaviour = state.behaviour.lock().expect("lock").clone();
    if let Behaviour::Hang(delay) = behaviour {
        rocket::tokio::time::sleep(delay).await;
    }
    let cache_control = state.cache_control.lock().expect("lock").clone();
    KeyAnswer { behaviour, body: body.to_string(), cache_control }
}

#[rocket::get("/jwks.json")]
async fn jwks(state: &State<Arc<ServerState>>) -> KeyAnswer {
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let keys = state.keys.lock().expect("lock").clone();
    answer(state, json!({ "keys": keys })).await
}

#[rocket::get("/.well-known/openid-configuration")]
async fn discovery(state: &State<Arc<ServerState>>) -> KeyAnswer {
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let issuer = state.discovery_issuer.lock().expect("lock").clone().unwrap_or_else(|| state.base.clone());
    let document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{}/jwks.json", state.base),
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    });
    answer(state, document).await
}
