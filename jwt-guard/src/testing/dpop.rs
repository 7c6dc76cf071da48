//! [`DpopKey`]: a client's DPoP key for tests, which makes proofs (good
//! ones, and any bad one a test needs) and binds test tokens to itself.

use serde_json::{Map, Value, json};

use crate::algorithm::Algorithm;
use crate::clock;
use crate::digest::sha256_base64url;
use crate::keys::signing::SigningKey;

/// A DPoP key pair of a client, generated for a test.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::testing::{DpopKey, TestIssuer};
/// use jwt_guard::{JwtGuard, protected};
/// use rocket::http::{Header, Status};
/// use rocket::local::asynchronous::Client;
///
/// #[protected(bound = "dpop")]
/// #[get("/reports")]
/// fn reports() -> &'static str { "reports" }
///
/// # rocket::async_test(async {
/// let issuer = TestIssuer::new();
/// let app = rocket::build().attach(JwtGuard::fairing()).mount("/", routes![reports]);
/// let client = Client::tracked(issuer.attach_to(app)).await.unwrap();
///
/// let key = DpopKey::new();
/// let token = issuer.token().bound_to(&key).sign();
/// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
/// let request = client
///     .get("/reports")
///     .header(Header::new("Authorization", format!("DPoP {token}")))
///     .header(Header::new("DPoP", proof));
/// assert_eq!(request.dispatch().await.status(), Status::Ok);
///
/// let as_bearer = client.get("/reports").header(Header::new("Authorization", format!("Bearer {token}")));
/// assert_eq!(as_bearer.dispatch().await.status(), Status::Unauthorized);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct DpopKey {
    key: SigningKey,
}

impl Default for DpopKey {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopKey {
    /// A new ES256 key.
    pub fn new() -> Self {
        Self::with_algorithm(Algorithm::ES256)
    }

    /// A new key for `alg`, an asymmetric algorithm.
    ///
    /// # Panics
    ///
    /// If `alg` is symmetric, or no key could be generated.
    pub fn with_algorithm(alg: Algorithm) -> Self {
        let key = SigningKey::generate(alg).unwrap_or_else(|error| panic!("jwt-guard testing: {error}"));
        assert!(key.public_jwk().is_some(), "jwt-guard testing: a DPoP key needs an asymmetric algorithm");
        Self { key }
    }

    /// The RFC 7638 thumbprint of its public key: the `cnf.jkt` of the
    /// tokens bound to it.
    pub fn thumbprint(&self) -> &str {
        self.key.kid()
    }

    /// Its public key as a JWK: what a proof's header carries.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.key.public_jwk().unwrap_or_default();
        if let Value::Object(members) = &mut jwk {
            members.retain(|name, _| !matches!(name.as_str(), "kid" | "use" | "alg"));
        }
        jwk
    }

    /// A proof of this key for a request with `method` to `url`, issued
    /// now, with a fresh `jti`.
    pub fn proof(&self, method: &str, url: &str) -> ProofBuilder<'_> {
        let header = json!({ "typ": "dpop+jwt", "alg": self.key.algorithm().name(), "jwk": self.public_jwk() });
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).unwrap_or_else(|_| panic!("jwt-guard testing: no random bits"));
        let claims = json!({
            "htm": method,
            "htu": url,
            "iat": clock::unix_now_secs(),
            "jti": sha256_base64url(&jti),
        });
        ProofBuilder { key: self, header: as_map(header), claims: as_map(claims) }
    }
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(members) => members,
        _ => Map::new(),
    }
}

/// Builds a DPoP proof of a [`DpopKey`]; every member can be changed, to
/// test a bad proof.
#[derive(Debug, Clone)]
#[must_use = "a proof builder does nothing until `.sign()`"]
pub struct ProofBuilder<'k> {
    key: &'k DpopKey,
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl ProofBuilder<'_> {
    /// Sets `ath`, the hash of the access token that the proof comes with.
    pub fn access_token(self, token: &str) -> Self {
        self.claim("ath", sha256_base64url(token.as_bytes()))
    }

    /// Sets `nonce`, one that the server gave out in `DPoP-Nonce`.
    pub fn nonce(self, nonce: &str) -> Self {
        self.claim("nonce", nonce)
    }

    /// Sets any claim (`iat`, `jti`, ...); `Value::Null` removes it.
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        match value.into() {
            Value::Null => self.claims.remove(name),
            value => self.claims.insert(name.into(), value),
        };
        self
    }

    /// Sets any header member (`typ`, `alg`, `jwk`, ...); `Value::Null`
    /// removes it.
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        match value.into() {
            Value::Null => self.header.remove(name),
            value => self.header.insert(name.into(), value),
        };
        self
    }

    /// The signed proof.
    pub fn sign(self) -> String {
        let (header, claims) = (Value::Object(self.header), Value::Object(self.claims));
        self.key.key.sign_with_header(&header, &claims).unwrap_or_else(|error| panic!("jwt-guard testing: {error}"))
    }
}
