//! A real JWKS and OpenID discovery server on 127.0.0.1, built with Rocket,
//! with an introspection endpoint (RFC 7662) that answers as told, and
//! tenants of its own under `/tenants/{tenant}`, each with its keys. It
//! counts the requests it serves and can be told to misbehave.

use std::collections::HashMap;
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
    /// The `jwks_uri` and `introspection_endpoint` the discovery
    /// document names; `None` names the server's own.
    discovered_jwks_uri: Mutex<Option<String>>,
    discovered_introspection_endpoint: Mutex<Option<String>>,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
    /// Requests for any other path.
    other_hits: AtomicUsize,
    introspection_hits: AtomicUsize,
    /// The introspection answers, by token; others are inactive.
    introspection: Mutex<HashMap<String, Value>>,
    /// The keys of each tenant served under `/tenants/{tenant}`.
    tenants: Mutex<HashMap<String, Vec<Value>>>,
    /// The discovery and JWKS requests for each tenant's path, known or not.
    tenant_hits: Mutex<HashMap<String, usize>>,
    base: String,
}

/// The credentials of the API's client at the key server, for
/// introspection.
pub const INTROSPECTION_CLIENT: (&str, &str) = ("rs-client", "rs-secret");

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
            discovered_jwks_uri: Mutex::new(None),
            discovered_introspection_endpoint: Mutex::new(None),
            jwks_hits: AtomicUsize::new(0),
            discovery_hits: AtomicUsize::new(0),
            other_hits: AtomicUsize::new(0),
            introspection_hits: AtomicUsize::new(0),
            introspection: Mutex::new(HashMap::new()),
            tenants: Mutex::new(HashMap::new()),
            tenant_hits: Mutex::new(HashMap::new()),
            base: format!("http://127.0.0.1:{port}"),
        });
        let rocket = rocket::custom(Figment::from(rocket::Config::debug_default()))
            .manage(Arc::clone(&state))
            .mount("/", rocket::routes![jwks, discovery, tenant_jwks, tenant_discovery, introspect, anything]);
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

    /// How many requests for other paths it received.
    pub fn other_hits(&self) -> usize {
        self.state.other_hits.load(Ordering::SeqCst)
    }

    /// Serves the tenant `tenant` with these keys, under
    /// [`tenant_issuer`](Self::tenant_issuer); replaces its keys if it is
    /// served already.
    pub fn set_tenant_keys(&self, tenant: &str, keys: &[TestKey]) {
        let keys = keys.iter().map(|key| key.jwk()).collect();
        self.state.tenants.lock().expect("lock").insert(tenant.to_owned(), keys);
    }

    /// `{base}/tenants/{tenant}`: the issuer of `tenant`, whether served
    /// or not.
    pub fn tenant_issuer(&self, tenant: &str) -> String {
        format!("{}/tenants/{tenant}", self.state.base)
    }

    /// The issuer template of its tenants: `{base}/tenants/{tenant}`.
    pub fn tenant_template(&self) -> String {
        self.tenant_issuer("{tenant}")
    }

    /// How many discovery and JWKS requests it received for `tenant`,
    /// served or not.
    pub fn tenant_hits(&self, tenant: &str) -> usize {
        self.state.tenant_hits.lock().expect("lock").get(tenant).copied().unwrap_or(0)
    }

    /// How many discovery and JWKS requests it received for all tenants,
    /// served or not.
    pub fn all_tenant_hits(&self) -> usize {
        self.state.tenant_hits.lock().expect("lock").values().sum()
    }

    /// How many introspection requests it received.
    pub fn introspection_hits(&self) -> usize {
        self.state.introspection_hits.load(Ordering::SeqCst)
    }

    /// Makes its introspection endpoint answer `answer` about `token`: a
    /// JSON object, a JSON string (sent as a signed answer), the number 429
    /// (`429 Too Many Requests` with `Retry-After: 30`), or `[status, code]`
    /// (that status, with `{"error": code}`).
    pub fn set_introspection(&self, token: &str, answer: Value) {
        self.state.introspection.lock().expect("lock").insert(token.to_owned(), answer);
    }

    /// Its introspection endpoint.
    pub fn introspection_endpoint(&self) -> String {
        format!("{}/introspect", self.state.base)
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

    /// Makes the discovery document name the key set at `jwks_uri`.
    pub fn set_discovered_jwks_uri(&self, jwks_uri: &str) {
        *self.state.discovered_jwks_uri.lock().expect("lock") = Some(jwks_uri.to_owned());
    }

    /// Makes the discovery document name the introspection `endpoint`.
    pub fn set_discovered_introspection_endpoint(&self, endpoint: &str) {
        *self.state.discovered_introspection_endpoint.lock().expect("lock") = Some(endpoint.to_owned());
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
    let named = |named: &Mutex<Option<String>>, own: &str| {
        named.lock().expect("lock").clone().unwrap_or_else(|| format!("{}/{own}", state.base))
    };
    let document = json!({
        "issuer": issuer,
        "jwks_uri": named(&state.discovered_jwks_uri, "jwks.json"),
        "introspection_endpoint": named(&state.discovered_introspection_endpoint, "introspect"),
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    });
    answer(state, document).await
}

/// Counts a request for `tenant`'s path, and answers with its keys, or
/// `None` (404) for a tenant that is not served.
fn tenant_keys(state: &ServerState, tenant: &str) -> Option<Vec<Value>> {
    *state.tenant_hits.lock().expect("lock").entry(tenant.to_owned()).or_default() += 1;
    state.tenants.lock().expect("lock").get(tenant).cloned()
}

#[rocket::get("/tenants/<tenant>/jwks.json")]
async fn tenant_jwks(tenant: &str, state: &State<Arc<ServerState>>) -> Option<KeyAnswer> {
    let keys = tenant_keys(state, tenant)?;
    Some(answer(state, json!({ "keys": keys })).await)
}

#[rocket::get("/tenants/<tenant>/.well-known/openid-configuration")]
async fn tenant_discovery(tenant: &str, state: &State<Arc<ServerState>>) -> Option<KeyAnswer> {
    tenant_keys(state, tenant)?;
    let issuer = format!("{}/tenants/{tenant}", state.base);
    let introspection_endpoint = state
        .discovered_introspection_endpoint
        .lock()
        .expect("lock")
        .clone()
        .unwrap_or(format!("{}/introspect", state.base));
    let document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks.json"),
        "introspection_endpoint": introspection_endpoint,
    });
    Some(answer(state, document).await)
}

/// The introspection endpoint: the answer set for the form's `token`, for
/// the client `rs-client` with its secret in HTTP Basic. An answer set as
/// a JSON string is sent as a signed answer (RFC 9701), as it is; one set
/// as the number 429 is a `429 Too Many Requests`, and one set as `[status,
/// code]` that status with the OAuth error `code`.
#[rocket::post("/introspect", data = "<form>")]
fn introspect(
    form: rocket::form::Form<std::collections::HashMap<String, String>>,
    authorization: BasicCredentials,
    state: &State<Arc<ServerState>>,
) -> Introspected {
    state.introspection_hits.fetch_add(1, Ordering::SeqCst);
    let (client_id, secret) = &authorization.0;
    if (client_id.as_str(), secret.as_str()) != INTROSPECTION_CLIENT {
        return Introspected(
            Status::Unauthorized,
            None,
            ContentType::JSON,
            json!({ "error": "invalid_client" }).to_string(),
        );
    }
    let token = form.get("token").cloned().unwrap_or_default();
    let answer = state.introspection.lock().expect("lock").get(&token).cloned();
    match answer.unwrap_or_else(|| json!({ "active": false })) {
        Value::String(signed) => {
            Introspected(Status::Ok, None, ContentType::new("application", "token-introspection+jwt"), signed)
        }
        Value::Number(status) if status.as_u64() == Some(429) => {
            Introspected(Status::TooManyRequests, Some(30), ContentType::JSON, "{}".into())
        }
        Value::Array(refusal) => {
            let status = refusal.first().and_then(Value::as_u64).and_then(|code| u16::try_from(code).ok());
            let error = json!({ "error": refusal.get(1).cloned().unwrap_or(Value::Null) }).to_string();
            Introspected(Status::new(status.unwrap_or(400)), None, ContentType::JSON, error)
        }
        plain => Introspected(Status::Ok, None, ContentType::JSON, plain.to_string()),
    }
}

/// An answer of the introspection endpoint: its status, `Retry-After` in
/// seconds, media type and body.
struct Introspected(Status, Option<u64>, ContentType, String);

impl<'r> Responder<'r, 'static> for Introspected {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        let Self(status, retry_after, content_type, body) = self;
        let mut response = Response::build();
        response.status(status).header(content_type).sized_body(body.len(), std::io::Cursor::new(body));
        if let Some(seconds) = retry_after {
            response.header(Header::new("Retry-After", seconds.to_string()));
        }
        Ok(response.finalize())
    }
}

/// Any other path: counted, and not found.
#[rocket::get("/<_path..>", rank = 100)]
fn anything(
    _path: rocket::http::uri::Segments<'_, rocket::http::uri::fmt::Path>,
    state: &State<Arc<ServerState>>,
) -> Status {
    state.other_hits.fetch_add(1, Ordering::SeqCst);
    Status::NotFound
}

/// The client id and secret of an `Authorization: Basic` header, each
/// form-decoded (RFC 6749 section 2.3.1); empty when there is none.
struct BasicCredentials((String, String));

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for BasicCredentials {
    type Error = std::convert::Infallible;

    async fn from_request(request: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        use base64::Engine as _;
        let header = request.headers().get_one("Authorization").unwrap_or_default();
        let decoded = header
            .strip_prefix("Basic ")
            .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let (id, secret) = decoded.split_once(':').unwrap_or_default();
        let decode =
            |text: &str| form_urlencoded::parse(format!("x={text}").as_bytes()).next().map(|(_, v)| v.into_owned());
        let credentials = (decode(id).unwrap_or_default(), decode(secret).unwrap_or_default());
        rocket::outcome::Outcome::Success(Self(credentials))
    }
}
