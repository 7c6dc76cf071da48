//! What can go wrong: a bad configuration ([`ConfigError`]), apart from
//! what a single request can get wrong ([`AuthError`] and its reasons).
//!
//! Every message is lowercase, names no internals and never holds a token
//! or any text taken from one.
//!
#![doc = include_str!("../docs/errors.md")]

use std::fmt;
use std::time::Duration;

/// A configuration value that cannot be used; ignite is aborted with it.
///
/// ```
/// use jwt_guard::{JwtGuard, config::Config};
///
/// let mut config = Config::default();
/// config.header_prefix = "Bearer token".into();
/// let error = JwtGuard::from_config(config).unwrap_err();
/// assert_eq!(error.key, "header_prefix");
/// assert!(error.to_string().starts_with("bad `jwt_guard.header_prefix`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad `jwt_guard.{key}`: {problem}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The key's path inside the `jwt_guard` table, such as
    /// `issuers.auth0.algorithms`.
    pub key: String,
    /// What is wrong with it, and how to fix it.
    pub problem: String,
}

/// Why a request was refused. The status and RFC 6750 error code follow
/// from the variant.
///
/// A failed guard stores its `AuthError` in the request, where a catcher
/// finds it with [`AuthError::of`]; [`Verifier::verify`](crate::verify::Verifier::verify)
/// answers one for a token checked outside a request guard:
///
/// ```
/// use jwt_guard::{AuthError, error::TokenProblem, verify::Verifier};
///
/// /// Checks the token that a WebSocket client sends in its first message.
/// async fn admit(verifier: &Verifier, token: &str) -> Result<String, String> {
///     match verifier.verify(token).await {
///         Ok(token) => Ok(token.subject().unwrap_or_default().to_owned()),
///         Err(AuthError::InvalidToken(TokenProblem::Expired)) => Err("refresh the token, then reconnect".into()),
///         Err(AuthError::KeysUnavailable { retry_after }) => Err(format!("reconnect in {} s", retry_after.as_secs())),
///         Err(other) => Err(format!("{} ({})", other.code(), other.reason())),
///     }
/// }
/// # use jwt_guard::{verify::Algorithm, config::{Config, IssuerConfig}, issuer::SigningKey};
/// # let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
/// # let mut config = Config::default();
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
/// # config.issuers.insert("app".into(), IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks));
/// # let claims = serde_json::json!({ "iss": "https://id.test/", "aud": "api", "exp": 4e9, "sub": "ada" });
/// # let signed = key.sign("at+jwt", claims.as_object().unwrap()).unwrap();
/// # let verifier = Verifier::new(&config).unwrap();
/// # rocket::async_test(async {
/// assert_eq!(admit(&verifier, &signed).await, Ok("ada".into()));
/// assert_eq!(admit(&verifier, "not-a-token").await, Err("invalid_token (malformed)".into()));
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no bearer token: 401, whose challenge has no
    /// `error` (RFC 6750 section 3.1); [`AuthError::code`] is
    /// `missing_token`, the body's `error`.
    #[error("the request has no bearer token")]
    MissingToken,
    /// The request is malformed: 400 `invalid_request`.
    #[error(transparent)]
    InvalidRequest(#[from] RequestProblem),
    /// The token is not acceptable: 401 `invalid_token`.
    #[error(transparent)]
    InvalidToken(#[from] TokenProblem),
    /// The DPoP proof is not acceptable: 401 `invalid_dpop_proof`
    /// (RFC 9449 section 7.1).
    #[error(transparent)]
    InvalidProof(#[from] ProofProblem),
    /// The DPoP proof lacks the nonce that the server gave out, or has an
    /// old one: 401 `use_dpop_nonce`, with a fresh one in `DPoP-Nonce`.
    #[error("the DPoP proof must carry the nonce of the `DPoP-Nonce` header")]
    UseDpopNonce,
    /// The token is valid, but the route needs a stronger or more recent
    /// authentication of the user (RFC 9470): 401
    /// `insufficient_user_authentication`, with `acr_values` and
    /// `max_age` in the challenge.
    #[error("the route needs a stronger or more recent authentication")]
    InsufficientAuthentication {
        /// The authentication context classes that would do (`acr`).
        acr_values: &'static [&'static str],
        /// The longest time since the user authenticated (`auth_time`),
        /// in seconds.
        max_age: Option<u64>,
    },
    /// The token is valid, but the route's policy denies it: 403
    /// `insufficient_scope`.
    #[error(transparent)]
    Forbidden(#[from] Denial),
    /// The keys of the token's issuer cannot be had right now: 503 with
    /// `Retry-After`.
    #[error("the token issuer's signing keys cannot be fetched right now; retry later")]
    KeysUnavailable {
        /// How long the client should wait before trying again.
        retry_after: Duration,
    },
    /// The token's issuer cannot be asked whether the token is active
    /// (introspection, RFC 7662), or its answer cannot be believed: 503
    /// with `Retry-After`.
    #[error("the token's issuer cannot be asked about the token right now; retry later")]
    IntrospectionUnavailable {
        /// How long the client should wait before trying again.
        retry_after: Duration,
    },
    /// The token store, which DPoP proofs are checked against for replays,
    /// cannot be reached, or its revocations are not loaded yet where
    /// `[jwt_guard.store] refuse_until_loaded` is set: 503 with
    /// `Retry-After`.
    #[error("the server cannot check the request right now; retry later")]
    StoreUnavailable,
    /// The app did not attach `JwtGuard::fairing()`: 500.
    #[error("authentication is not configured on this server")]
    NotConfigured,
}

impl AuthError {
    /// Every status code that [`AuthError::status_code`] gives.
    #[cfg(all(feature = "metrics", feature = "rocket"))]
    pub(crate) const STATUS_CODES: [u16; 5] = [400, 401, 403, 500, 503];

    /// The HTTP status code of the response.
    ///
    /// ```
    /// use jwt_guard::AuthError;
    /// use jwt_guard::error::TokenProblem;
    ///
    /// let expired = AuthError::InvalidToken(TokenProblem::Expired);
    /// assert_eq!((expired.status_code(), expired.code()), (401, "invalid_token"));
    /// assert_eq!(AuthError::MissingToken.status_code(), 401);
    /// ```
    pub fn status_code(&self) -> u16 {
        match self {
            Self::MissingToken
            | Self::InvalidToken(_)
            | Self::InvalidProof(_)
            | Self::UseDpopNonce
            | Self::InsufficientAuthentication { .. } => 401,
            Self::InvalidRequest(_) => 400,
            Self::Forbidden(_) => 403,
            Self::KeysUnavailable { .. } | Self::IntrospectionUnavailable { .. } | Self::StoreUnavailable => 503,
            Self::NotConfigured => 500,
        }
    }

    /// The `error` member of the JSON body: the RFC 6750 error code where
    /// there is one.
    ///
    /// ```
    /// use jwt_guard::AuthError;
    ///
    /// fn log_line(error: &AuthError) -> String {
    ///     match error.status_code() {
    ///         503 => format!("unavailable for now: {}", error.reason()),
    ///         status => format!("refused with {status} {}: {error}", error.code()),
    ///     }
    /// }
    /// assert_eq!(log_line(&AuthError::MissingToken), "refused with 401 missing_token: the request has no bearer token");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidToken(_) => "invalid_token",
            Self::InvalidProof(_) => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InsufficientAuthentication { .. } => "insufficient_user_authentication",
            Self::Forbidden(_) => "insufficient_scope",
            Self::KeysUnavailable { .. } | Self::IntrospectionUnavailable { .. } | Self::StoreUnavailable => {
                "temporarily_unavailable"
            }
            Self::NotConfigured => "server_error",
        }
    }

    /// Why, as a fixed label of a few words in `snake_case` (`expired`,
    /// `bad_signature`, `keys_unavailable`...): what metrics and audit logs
    /// group refusals by. It never holds anything of the request.
    ///
    /// ```
    /// use jwt_guard::AuthError;
    /// use jwt_guard::error::TokenProblem;
    ///
    /// assert_eq!(AuthError::InvalidToken(TokenProblem::Expired).reason(), "expired");
    /// assert_eq!(AuthError::MissingToken.reason(), "missing_token");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidToken(problem) => problem.reason(),
            Self::KeysUnavailable { .. } => "keys_unavailable",
            Self::IntrospectionUnavailable { .. } => "introspection_unavailable",
            Self::StoreUnavailable => "store_unavailable",
            Self::NotConfigured => "not_configured",
            other => other.code(),
        }
    }
}

/// Why a valid token may not use a resource (403 `insufficient_scope`).
///
/// ```
/// use jwt_guard::AuthError;
/// use jwt_guard::error::Denial;
///
/// /// The body of a 403: which scopes to ask the user for, where that is why.
/// fn forbidden_body(error: &AuthError) -> String {
///     match error {
///         AuthError::Forbidden(Denial::MissingScopes(scopes)) => format!("ask for: {}", scopes.join(" ")),
///         other => other.to_string(),
///     }
/// }
/// let denied = AuthError::Forbidden(Denial::MissingScopes(&["reports:read", "reports:write"]));
/// assert_eq!(forbidden_body(&denied), "ask for: reports:read reports:write");
/// let outside_hours = AuthError::from(Denial::Check("office_hours"));
/// assert_eq!(forbidden_body(&outside_hours), "the token does not pass the `office_hours` check");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The token lacks scopes the resource needs.
    #[error("the token lacks the scope this resource needs")]
    MissingScopes(&'static [&'static str]),
    /// The token lacks roles the resource needs.
    #[error("the token lacks a role this resource needs")]
    MissingRoles,
    /// A claim does not have a value the resource accepts.
    #[error("the token's `{0}` claim does not permit this")]
    Claim(&'static str),
    /// The token's issuer is not one the resource accepts.
    #[error("this resource does not accept tokens from the token's issuer")]
    Issuer,
    /// The app's own check refused the token.
    #[error("the token does not pass the `{0}` check")]
    Check(&'static str),
}

impl Denial {
    /// The scopes to name in the challenge's `scope` attribute.
    pub(crate) fn needed_scopes(&self) -> Option<ScopeList> {
        match self {
            Self::MissingScopes(scopes) => Some(ScopeList(scopes)),
            _ => None,
        }
    }
}

/// Scopes written space-delimited, as RFC 6749 section 3.3 does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeList(&'static [&'static str]);

impl fmt::Display for ScopeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

/// Text that can stand between the quotes of a `WWW-Authenticate`
/// parameter: only the characters RFC 6750 section 3 allows in
/// `error_description` and `scope` (`%x20-21 / %x23-5B / %x5D-7E`), so never
/// a quote, a backslash, a control character or a line break. Any other
/// character is replaced by `?` as the text is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuotedText(String);

impl QuotedText {
    /// `text`, with every character that RFC 6750 does not allow in a
    /// quoted parameter replaced by `?`.
    pub(crate) fn new(text: impl fmt::Display) -> Self {
        let text = text.to_string();
        if text.chars().all(Self::allows) {
            return Self(text);
        }
        Self(text.chars().map(|c| if Self::allows(c) { c } else { '?' }).collect())
    }

    /// Whether `c` may stand in a quoted parameter.
    pub(crate) fn allows(c: char) -> bool {
        matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')
    }
}

impl fmt::Display for QuotedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a request is malformed (400 `invalid_request`).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{AuthError, error::RequestProblem};
///
/// #[catch(400)]
/// fn bad_request(request: &rocket::Request<'_>) -> &'static str {
///     match AuthError::of(request) {
///         Some(AuthError::InvalidRequest(RequestProblem::TokenInUri)) => "send the token in a header",
///         Some(AuthError::InvalidRequest(_)) => "send `Authorization: Bearer <token>`, once",
///         _ => "bad request",
///     }
/// }
/// # use jwt_guard::{JwtGuard, Token, config::LocalIssuerConfig};
/// # #[get("/reports")]
/// # fn reports(_token: Token) -> &'static str { "reports" }
/// # let fairing = JwtGuard::fairing().configure(|config| config.local = Some(LocalIssuerConfig::default()));
/// # let rocket = rocket::build().attach(fairing).register("/", catchers![bad_request]).mount("/", routes![reports]);
/// # let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
/// let response = client.get("/reports?access_token=eyJhbGciOiJFZERTQSJ9.e30.c2ln").dispatch();
/// assert_eq!(response.status().code, 400);
/// assert_eq!(response.into_string().as_deref(), Some("send the token in a header"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestProblem {
    /// More than one `Authorization` header.
    #[error("the request has more than one `Authorization` header")]
    SeveralAuthorizationHeaders,
    /// The `Authorization` header is not `<scheme> <token>`.
    #[error("the `Authorization` header must be `Bearer <token>` with a single token")]
    MalformedAuthorization,
    /// A token in the query string, beside or instead of the header.
    #[error("send the token in the `Authorization` header only, not in the URI")]
    TokenInUri,
}

/// Why a token is refused (401 `invalid_token`).
///
/// ```
/// use jwt_guard::{AuthError, error::TokenProblem};
///
/// /// Whether a client should refresh its token and retry.
/// fn refreshable(error: &AuthError) -> bool {
///     matches!(error, AuthError::InvalidToken(TokenProblem::Expired))
/// }
/// # use jwt_guard::{verify::{Algorithm, Verifier}, config::{Config, IssuerConfig}, issuer::SigningKey};
/// # let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
/// # let mut config = Config::default();
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
/// # config.issuers.insert("app".into(), IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks));
/// # let sign = |claims: serde_json::Value| key.sign("at+jwt", claims.as_object().unwrap()).unwrap();
/// # let expired = sign(serde_json::json!({ "iss": "https://id.test/", "aud": "api", "exp": 1e9 }));
/// # let for_another_api = sign(serde_json::json!({ "iss": "https://id.test/", "aud": "billing", "exp": 4e9 }));
/// # let verifier = Verifier::new(&config).unwrap();
/// # rocket::async_test(async {
/// let error = verifier.verify(&expired).await.unwrap_err();
/// assert_eq!(error, AuthError::InvalidToken(TokenProblem::Expired));
/// assert!(refreshable(&error));
/// let error = verifier.verify(&for_another_api).await.unwrap_err();
/// assert_eq!(error, AuthError::InvalidToken(TokenProblem::WrongAudience));
/// assert!(!refreshable(&error), "no refresh makes it this API's");
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// The token is longer than `max_token_bytes`.
    #[error("the token is too large")]
    TooLarge,
    /// The token is not a compact JWS of three base64url parts holding
    /// JSON objects.
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    /// The token is encrypted (JWE).
    #[error("encrypted tokens (JWE) are not accepted")]
    Encrypted,
    /// The `alg` is unknown, `none`, or not allowed for the issuer or key.
    #[error("the token's signing algorithm is not accepted")]
    AlgorithmNotAllowed,
    /// A `crit` header names an extension that is not understood.
    #[error("the token has critical header parameters that are not supported")]
    UnsupportedCritical,
    /// The header's `typ` says this is not an access token, or does not
    /// say it is one where the issuer's `token_type` requires it.
    #[error("the token's `typ` is not an access token type")]
    WrongType,
    /// The `iss` is missing or not a configured issuer.
    #[error("the token's issuer is not trusted")]
    UntrustedIssuer,
    /// No key of the issuer matches the token's `kid`.
    #[error("the token's signing key is not known")]
    UnknownKey,
    /// The signature does not match.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// A token whose header has a `nonce`, as a Microsoft Graph access
    /// token's does, and whose signature does not match, or whose issuer
    /// is Entra ID's v1 issuer (`https://sts.windows.net/...`, a Graph
    /// token's), which the app does not trust: such a token is signed over
    /// its nonce's hash, and verifies at Graph alone. The client asked
    /// for a token for Graph, not for this API (in Entra ID, it must ask
    /// for the API's scope, `api://<client id>/.default` or one of its
    /// own).
    #[error(
        "the token is for Microsoft Graph (its header has a `nonce`, as Graph's tokens do), which alone can verify it: ask for a token for this API"
    )]
    SignedForGraph,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is still to come.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` lies in the future.
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `exp - iat` is longer than the issuer's `max_lifetime`.
    #[error("the token's lifetime is longer than this API accepts")]
    LifetimeTooLong,
    /// The `aud` holds none of the API's audiences.
    #[error("the token is not meant for this audience")]
    WrongAudience,
    /// A required claim is absent.
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(&'static str),
    /// A claim that its issuer's `required_claims` name is absent, or has
    /// none of the values they give.
    #[error("the token lacks a claim value that this API requires of its issuer's tokens")]
    UnmetRequiredClaim,
    /// A registered claim has the wrong JSON type.
    #[error("the token's `{0}` claim has the wrong type")]
    MistypedClaim(&'static str),
    /// The app no longer knows the token's subject.
    #[error("the token's subject no longer exists")]
    UnknownSubject,
    /// The token's `jti` has been revoked.
    #[error("the token has been revoked")]
    Revoked,
    /// Its issuer says the token is not active (introspection, RFC 7662):
    /// unknown, expired or revoked there.
    #[error("the token is not active")]
    Inactive,
    /// Its issuer says the token is active, but not an access token (a
    /// refresh or ID token, say), or the token is a Security Event Token
    /// (it has `events`: a logout token), or a refresh token of the
    /// built-in issuer (which starts with `jgrt_`).
    #[error("the token is not an access token")]
    NotAnAccessToken,
    /// The token is DPoP-bound (`cnf.jkt`), but came without the `DPoP`
    /// scheme and a proof.
    #[error("the token is DPoP-bound: send it with the `DPoP` scheme and a proof")]
    ProofRequired,
    /// The token came with the `DPoP` scheme but is not DPoP-bound.
    #[error("the token is not DPoP-bound: send it with the `Bearer` scheme")]
    NotDpopBound,
    /// The token's issuer accepts DPoP-bound tokens only.
    #[error("this issuer's tokens must be DPoP-bound")]
    DpopRequired,
    /// The token's issuer does not accept the `DPoP` scheme.
    #[error("this issuer's tokens are not accepted with DPoP")]
    DpopNotAccepted,
    /// The token is bound to a client certificate (`cnf["x5t#S256"]`) that
    /// the request did not present.
    #[error("the token is bound to a client certificate that this request did not present")]
    CertificateMismatch,
    /// The token has a `cnf` claim, but binds itself by none of the
    /// confirmation methods this API checks (`jkt`, RFC 9449, or
    /// `x5t#S256`, RFC 8705): it cannot be told to come from its holder.
    #[error("the token is bound by a confirmation method (`cnf`) that this API cannot check")]
    UnsupportedConfirmation,
    /// The request has more than one header of the client certificate
    /// that the configuration trusts (`mtls.certificate_header`): which
    /// one the proxy set cannot be told.
    #[error("the request has more than one client certificate header")]
    SeveralCertificates,
    /// The route's policy needs a sender-constrained token (DPoP or a
    /// client certificate), of the kind it names.
    #[error("this resource needs a sender-constrained token ({0})")]
    BindingRequired(&'static str),
    /// The claims do not fit the handler's claims type.
    #[error("the token's claims do not fit: {0}")]
    ClaimsMismatch(ClaimsMismatch),
}

impl TokenProblem {
    /// The label of [`AuthError::reason`].
    fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::Malformed(_) => "malformed",
            Self::Encrypted => "encrypted",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::UnsupportedCritical => "unsupported_critical",
            Self::WrongType => "wrong_type",
            Self::UntrustedIssuer => "untrusted_issuer",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::SignedForGraph => "signed_for_graph",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::LifetimeTooLong => "lifetime_too_long",
            Self::WrongAudience => "wrong_audience",
            Self::MissingClaim(_) => "missing_claim",
            Self::UnmetRequiredClaim => "unmet_required_claim",
            Self::MistypedClaim(_) => "mistyped_claim",
            Self::UnknownSubject => "unknown_subject",
            Self::Revoked => "revoked",
            Self::Inactive => "inactive",
            Self::NotAnAccessToken => "not_an_access_token",
            Self::ProofRequired => "proof_required",
            Self::NotDpopBound => "not_dpop_bound",
            Self::DpopRequired => "dpop_required",
            Self::DpopNotAccepted => "dpop_not_accepted",
            Self::CertificateMismatch => "certificate_mismatch",
            Self::UnsupportedConfirmation => "unsupported_confirmation",
            Self::SeveralCertificates => "several_certificates",
            Self::BindingRequired(_) => "binding_required",
            Self::ClaimsMismatch(_) => "claims_mismatch",
        }
    }
}

/// Why a DPoP proof is refused (401 `invalid_dpop_proof`, RFC 9449
/// section 4.3). Every check that costs no signature runs before the
/// signature is verified.
///
/// ```
/// use jwt_guard::AuthError;
/// use jwt_guard::error::ProofProblem;
///
/// /// A hint for the client's developers, logged beside the 401.
/// fn hint(error: &AuthError) -> Option<&'static str> {
///     match error {
///         AuthError::InvalidProof(ProofProblem::Stale) => Some("check the client's clock: `iat` is off"),
///         AuthError::InvalidProof(ProofProblem::WrongMethod | ProofProblem::WrongUrl) => Some("sign this request"),
///         AuthError::InvalidProof(ProofProblem::Replayed) => Some("make a fresh proof for every request"),
///         _ => None,
///     }
/// }
/// let replayed = AuthError::from(ProofProblem::Replayed);
/// assert_eq!((replayed.status_code(), replayed.code()), (401, "invalid_dpop_proof"));
/// assert_eq!(hint(&replayed), Some("make a fresh proof for every request"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofProblem {
    /// No `DPoP` header, or an empty one.
    #[error("the request has no DPoP proof")]
    Missing,
    /// More than one `DPoP` header.
    #[error("the request has more than one DPoP proof")]
    Several,
    /// The proof is longer than a proof can be.
    #[error("the DPoP proof is too large")]
    TooLarge,
    /// Not a compact JWS of JSON objects.
    #[error("the DPoP proof is malformed: {0}")]
    Malformed(&'static str),
    /// `typ` is not `dpop+jwt`.
    #[error("the DPoP proof's `typ` is not `dpop+jwt`")]
    WrongType,
    /// `alg` is not an allowed asymmetric algorithm.
    #[error("the DPoP proof's signing algorithm is not accepted")]
    AlgorithmNotAllowed,
    /// `jwk` is missing, private, or not a public key of `alg`'s type.
    #[error("the DPoP proof's `jwk` is not a public key of its algorithm: {0}")]
    BadKey(&'static str),
    /// A required claim is missing or mistyped.
    #[error("the DPoP proof lacks a valid `{0}` claim")]
    MissingClaim(&'static str),
    /// `htm` is not the request's method.
    #[error("the DPoP proof's `htm` is not this request's method")]
    WrongMethod,
    /// `htu` is not this request's URL.
    #[error("the DPoP proof's `htu` is not this request's URL")]
    WrongUrl,
    /// `iat` is too old, or in the future.
    #[error("the DPoP proof's `iat` is outside the accepted window")]
    Stale,
    /// `ath` is not the hash of the access token.
    #[error("the DPoP proof's `ath` is not the hash of the access token")]
    WrongTokenHash,
    /// The proof's key is not the one the token is bound to (`cnf.jkt`).
    #[error("the DPoP proof's key is not the one the token is bound to")]
    WrongKey,
    /// The signature does not match the proof's key.
    #[error("the DPoP proof's signature is invalid")]
    BadSignature,
    /// The proof was presented before.
    #[error("the DPoP proof was used before")]
    Replayed,
}

/// What [`TokenProblem::BindingRequired`] names for a route that needs a
/// certificate-bound token.
pub(crate) const CERTIFICATE_BINDING: &str = "a client certificate";

impl TokenProblem {
    /// Whether the client should send its token with DPoP instead: the
    /// problem goes into the `DPoP` challenge.
    pub(crate) fn asks_for_dpop(&self) -> bool {
        match self {
            Self::ProofRequired | Self::DpopRequired => true,
            Self::BindingRequired(kind) => *kind != CERTIFICATE_BINDING,
            _ => false,
        }
    }
}

/// How a token's claims fail to fit the app's claims type. A claim is named
/// only by a name that the type itself declares, never by text from the
/// token (whose member names its holder chooses).
///
/// ```
/// use jwt_guard::AuthError;
/// use jwt_guard::error::{ClaimsMismatch, TokenProblem};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct AppClaims {
///     tenant: String,
/// }
/// # use jwt_guard::{verify::{Algorithm, Verifier}, config::{Config, IssuerConfig}, issuer::SigningKey};
/// # let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
/// # let mut config = Config::default();
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
/// # config.issuers.insert("app".into(), IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks));
/// # let claims = serde_json::json!({ "iss": "https://id.test/", "aud": "api", "exp": 4e9 });
/// # let signed = key.sign("at+jwt", claims.as_object().unwrap()).unwrap();
/// # rocket::async_test(async {
/// let token = Verifier::new(&config).unwrap().verify(&signed).await.unwrap();
/// let Err(TokenProblem::ClaimsMismatch(mismatch)) = token.deserialize_claims::<AppClaims>() else { panic!() };
/// assert_eq!(mismatch, ClaimsMismatch::Missing("tenant"));
/// // What a `Claims<AppClaims>` guard answers in `error_description`:
/// let error = AuthError::from(TokenProblem::ClaimsMismatch(mismatch));
/// assert_eq!(error.to_string(), "the token's claims do not fit: the claim `tenant` is missing");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsMismatch {
    /// A claim that the type requires is absent.
    #[error("the claim `{0}` is missing")]
    Missing(&'static str),
    /// A claim, or a member inside it, has the wrong JSON type or value.
    #[error("the claim `{0}` has the wrong type or value")]
    Mistyped(&'static str),
    /// A claim that the type does not name (a member of a map, say) has
    /// the wrong type or value.
    #[error("a claim has the wrong type or value")]
    Unnamed,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status code of an error is in `STATUS_CODES`, which the
    /// count of requests trusts. One error of each variant: the match has
    /// no catch-all, so a new variant does not compile until it is listed.
    #[cfg(all(feature = "metrics", feature = "rocket"))]
    #[test]
    fn the_status_codes_are_every_status_an_error_answers_with() {
        let errors = [
            AuthError::MissingToken,
            AuthError::InvalidRequest(RequestProblem::MalformedAuthorization),
            AuthError::InvalidToken(TokenProblem::TooLarge),
            AuthError::InvalidProof(ProofProblem::Missing),
            AuthError::UseDpopNonce,
            AuthError::InsufficientAuthentication { acr_values: &[], max_age: None },
            AuthError::Forbidden(Denial::MissingRoles),
            AuthError::KeysUnavailable { retry_after: Duration::ZERO },
            AuthError::IntrospectionUnavailable { retry_after: Duration::ZERO },
            AuthError::StoreUnavailable,
            AuthError::NotConfigured,
        ];
        for error in &errors {
            match error {
                AuthError::MissingToken
                | AuthError::InvalidRequest(_)
                | AuthError::InvalidToken(_)
                | AuthError::InvalidProof(_)
                | AuthError::UseDpopNonce
                | AuthError::InsufficientAuthentication { .. }
                | AuthError::Forbidden(_)
                | AuthError::KeysUnavailable { .. }
                | AuthError::IntrospectionUnavailable { .. }
                | AuthError::StoreUnavailable
                | AuthError::NotConfigured => {}
            }
        }
        let mut answered: Vec<u16> = errors.iter().map(AuthError::status_code).collect();
        answered.sort_unstable();
        answered.dedup();
        assert_eq!(answered, AuthError::STATUS_CODES);
    }

    #[test]
    fn quoted_text_holds_only_what_rfc_6750_allows_between_quotes() {
        assert_eq!(QuotedText::new("the claim `x` is missing").to_string(), "the claim `x` is missing");
        assert_eq!(QuotedText::new(r#"a", error="injected"#).to_string(), "a?, error=?injected");
        assert_eq!(QuotedText::new("back\\slash, line\r\nbreak, ü").to_string(), "back?slash, line??break, ?");
        for c in '\0'..='\u{FF}' {
            let allowed = c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\');
            assert_eq!(QuotedText::allows(c), allowed, "{c:?}");
        }
    }
}
