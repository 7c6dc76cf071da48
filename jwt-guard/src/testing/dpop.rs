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
    ///
    /// ```
    /// use jwt_guard::testing::DpopKey;
    ///
    /// let jwk = DpopKey::new().public_jwk();
    /// assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("EC"), Some("P-256")));
    /// ```
    pub fn new() -> Self {
        Self::with_algorithm(Algorithm::ES256)
    }

    /// A new key for `alg`, an asymmetric algorithm: to test an API's
    /// `[jwt_guard.dpop] algorithms`, say.
    ///
    /// ```
    /// use jwt_guard::{AuthError, JwtGuard, error::ProofProblem, testing::{DpopKey, TestIssuer}, verify::Algorithm};
    /// # use jwt_guard::binding::RequestCredentials;
    ///
    /// // An API that accepts ES256 proofs only.
    /// let issuer = TestIssuer::new();
    /// let guard = JwtGuard::builder()
    ///     .issuer(issuer.name(), issuer.issuer_config())
    ///     .configure(|config| config.dpop.algorithms = Some(vec!["ES256".into()]))
    ///     .build()?;
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// let key = DpopKey::with_algorithm(Algorithm::EdDSA);
    /// let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// let refused = get_reports(&token, &proof).unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidProof(ProofProblem::AlgorithmNotAllowed));
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
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
    ///
    /// ```
    /// use jwt_guard::{binding::Binding, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// let key = DpopKey::new();
    /// let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// let verified = get_reports(&token, &proof).unwrap();
    /// assert_eq!(verified.binding(), Binding::Dpop { thumbprint: key.thumbprint() });
    /// ```
    pub fn thumbprint(&self) -> &str {
        self.key.kid()
    }

    /// Its public key as a JWK: what a proof's header carries.
    ///
    /// ```
    /// use jwt_guard::testing::DpopKey;
    ///
    /// let jwk = DpopKey::new().public_jwk();
    /// assert_eq!(jwk["kty"], "EC");
    /// assert!(jwk.get("d").is_none(), "no private part");
    /// assert!(jwk.get("kid").is_none(), "the key's own members only");
    /// ```
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.key.public_jwk().unwrap_or_default();
        if let Value::Object(members) = &mut jwk {
            members.retain(|name, _| !matches!(name.as_str(), "kid" | "use" | "alg"));
        }
        jwk
    }

    /// A proof of this key for a request with `method` to `url`, issued
    /// now, with a fresh `jti`.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::ProofProblem, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// let key = DpopKey::new();
    /// let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert!(get_reports(&token, &proof).is_ok());
    ///
    /// let for_post = key.proof("POST", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert_eq!(get_reports(&token, &for_post).unwrap_err(), AuthError::InvalidProof(ProofProblem::WrongMethod));
    /// ```
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
///
/// Outside Rocket, a request with a proof goes through
/// [`JwtGuard::authenticate_request`](crate::JwtGuard::authenticate_request).
/// The examples of its methods, and of [`DpopKey`]'s, send a `GET /reports`
/// as here (through `get_reports(&token, &proof)`, with `key` and a
/// `token` bound to it, set up out of sight):
///
/// ```
/// use jwt_guard::testing::{DpopKey, TestIssuer};
/// use jwt_guard::{AuthError, JwtGuard, binding::RequestCredentials, error::ProofProblem};
///
/// # futures_util::FutureExt::now_or_never(async {
/// let issuer = TestIssuer::new();
/// let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
/// let key = DpopKey::new();
/// let token = issuer.token().bound_to(&key).sign();
/// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
/// let authorization = format!("DPoP {token}");
/// let request = RequestCredentials {
///     authorization: &[&authorization], dpop: &[&proof], method: "GET", path: "/reports",
///     ..RequestCredentials::default()
/// };
/// assert!(guard.authenticate_request(&request).await.is_ok());
/// let replayed = guard.authenticate_request(&request).await.unwrap_err();
/// assert_eq!(replayed, AuthError::InvalidProof(ProofProblem::Replayed));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[must_use = "a proof builder does nothing until `.sign()`"]
pub struct ProofBuilder<'k> {
    key: &'k DpopKey,
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl ProofBuilder<'_> {
    /// Sets `ath`, the hash of the access token that the proof comes with.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::ProofProblem, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// # let key = DpopKey::new();
    /// # let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert!(get_reports(&token, &proof).is_ok());
    ///
    /// let other = issuer.token().bound_to(&key).scope("admin").sign();
    /// let for_other = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&other).sign();
    /// assert_eq!(get_reports(&token, &for_other).unwrap_err(), AuthError::InvalidProof(ProofProblem::WrongTokenHash));
    /// ```
    pub fn access_token(self, token: &str) -> Self {
        self.claim("ath", sha256_base64url(token.as_bytes()))
    }

    /// Sets `nonce`, one that the server gave out in `DPoP-Nonce`.
    ///
    /// ```
    /// use jwt_guard::{AuthError, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config())
    /// #     .configure(|config| config.dpop.nonce = true).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// # let key = DpopKey::new();
    /// # let token = issuer.token().bound_to(&key).sign();
    /// // The API demands nonces: `[jwt_guard.dpop] nonce = true`.
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert_eq!(get_reports(&token, &proof).unwrap_err(), AuthError::UseDpopNonce);
    ///
    /// let nonce = guard.dpop_nonce().unwrap(); // as sent in `DPoP-Nonce`
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).nonce(&nonce).sign();
    /// assert!(get_reports(&token, &proof).is_ok());
    /// ```
    pub fn nonce(self, nonce: &str) -> Self {
        self.claim("nonce", nonce)
    }

    /// Sets any claim (`iat`, `jti`, ...); `Value::Null` removes it.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::ProofProblem, testing::{DpopKey, TestIssuer}};
    /// use serde_json::Value;
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// # let key = DpopKey::new();
    /// # let token = issuer.token().bound_to(&key).sign();
    /// let proof = || key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token);
    /// let of_2023 = proof().claim("iat", 1_700_000_000).sign();
    /// assert_eq!(get_reports(&token, &of_2023).unwrap_err(), AuthError::InvalidProof(ProofProblem::Stale));
    /// let no_jti = proof().claim("jti", Value::Null).sign();
    /// let refused = get_reports(&token, &no_jti).unwrap_err();
    /// assert_eq!(refused, AuthError::InvalidProof(ProofProblem::MissingClaim("jti")));
    /// ```
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        match value.into() {
            Value::Null => self.claims.remove(name),
            value => self.claims.insert(name.into(), value),
        };
        self
    }

    /// Sets any header member (`typ`, `alg`, `jwk`, ...); `Value::Null`
    /// removes it.
    ///
    /// ```
    /// use jwt_guard::{AuthError, error::ProofProblem, testing::{DpopKey, TestIssuer}};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// # let key = DpopKey::new();
    /// # let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token);
    /// let untyped = proof.header("typ", "JWT").sign();
    /// assert_eq!(get_reports(&token, &untyped).unwrap_err(), AuthError::InvalidProof(ProofProblem::WrongType));
    /// ```
    pub fn header(mut self, name: &str, value: impl Into<Value>) -> Self {
        match value.into() {
            Value::Null => self.header.remove(name),
            value => self.header.insert(name.into(), value),
        };
        self
    }

    /// The signed proof.
    ///
    /// ```
    /// use jwt_guard::testing::{DpopKey, TestIssuer};
    ///
    /// # use jwt_guard::{JwtGuard, binding::RequestCredentials};
    /// let issuer = TestIssuer::new();
    /// # let guard = JwtGuard::builder().issuer(issuer.name(), issuer.issuer_config()).build().unwrap();
    /// # let get_reports = |token: &str, proof: &str| {
    /// #     let authorization = format!("DPoP {token}");
    /// #     let request = RequestCredentials {
    /// #         authorization: &[&authorization], dpop: &[proof], method: "GET", path: "/reports",
    /// #         ..RequestCredentials::default()
    /// #     };
    /// #     futures_util::FutureExt::now_or_never(guard.authenticate_request(&request)).unwrap()
    /// # };
    /// # let key = DpopKey::new();
    /// # let token = issuer.token().bound_to(&key).sign();
    /// let proof = key.proof("GET", "http://127.0.0.1:8000/reports").access_token(&token).sign();
    /// assert_eq!(proof.split('.').count(), 3, "a compact JWS");
    /// assert!(get_reports(&token, &proof).is_ok());
    /// ```
    pub fn sign(self) -> String {
        let (header, claims) = (Value::Object(self.header), Value::Object(self.claims));
        self.key.key.sign_with_header(&header, &claims).unwrap_or_else(|error| panic!("jwt-guard testing: {error}"))
    }
}
