//! A verified token: what a handler may rely on once every check passed.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::config::DpopMode;
use crate::error::TokenProblem;
use crate::registered::Registered;

mod fit;
pub(crate) mod payload;

pub(crate) use payload::{KeptRegistered, KeptScopes, Payload};

/// The `typ` of access tokens (RFC 9068).
pub(crate) const ACCESS_TYPE: &str = "at+jwt";

/// A bearer token whose signature, issuer, audience and validity window
/// were verified.
///
/// `Token` is also a Rocket request guard, which never forwards: a request
/// without a token, or with one that is not acceptable, is refused with
/// 401; a malformed `Authorization` header with 400; and while the
/// issuer's keys cannot be fetched (or its introspection asked), with 503
/// and `Retry-After`. A handler
/// that takes `Result<Token, AuthError>` handles the refusals itself (its
/// `FromRequest` implementation below has the details). Cloning is cheap.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::Token;
///
/// #[get("/profile")]
/// fn profile(token: Token) -> String {
///     let who = token.subject().unwrap_or("nobody");
///     let email = token.claim("email").and_then(|email| email.as_str()).unwrap_or("no email");
///     if token.has_role("admin") {
///         format!("{who} <{email}>, an administrator, from `{}`", token.issuer())
///     } else {
///         format!("{who} <{email}>, with the scopes {:?}", token.scopes())
///     }
/// }
///
/// /// The same token, passed on to the API this one calls for the user.
/// fn authorization_for_downstream(token: &Token) -> String {
///     format!("Bearer {}", token.as_str())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Token {
    inner: Arc<TokenParts>,
}

#[derive(Debug)]
struct TokenParts {
    source: TokenSource,
    /// `None` for an opaque token, which its issuer vouched for. Shared
    /// with the tokens that carry the same header text.
    header: Option<Arc<TokenHeader>>,
    claims: Payload,
    grants: Grants,
    expires_at: f64,
}

/// What a token grants, read from its claims as its issuer places them.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    /// From the issuer's `scope_claim`, kept beside the claims' text:
    /// policies compare them there, and no string is copied.
    pub(crate) scopes: KeptScopes,
    /// The scopes as strings, made on the first call of
    /// [`Token::scopes`].
    pub(crate) scope_list: OnceLock<Vec<String>>,
    /// From the issuer's `roles_claim`.
    pub(crate) roles: Vec<String>,
}

/// Who vouches for a token: its issuer, as configured.
#[derive(Debug, Clone)]
pub(crate) struct TokenSource {
    /// The configured name of the issuer (or of its template).
    pub(crate) issuer: Arc<str>,
    /// The tenant, for an issuer resolved per request.
    pub(crate) tenant: Option<Arc<str>>,
    /// Whether its issuer's tokens may, or must, be DPoP-bound.
    pub(crate) dpop: DpopMode,
    /// The verifier's leeway, in seconds: how far another clock may be
    /// ahead of this one's.
    pub(crate) leeway: f64,
}

/// How a token is bound to its sender (its `cnf` claim): what a thief
/// would need besides the token. [`Token::binding`] tells it.
///
/// ```
/// use jwt_guard::{Token, binding::Binding};
///
/// /// What the caller holds besides its token, for the audit log.
/// fn held(token: &Token) -> String {
///     match token.binding() {
///         Binding::Dpop { thumbprint } => format!("the DPoP key {thumbprint}"),
///         Binding::Certificate { thumbprint } => format!("the certificate {thumbprint}"),
///         Binding::Bearer => "nothing".into(),
///         _ => "a binding of a later version".into(),
///     }
/// }
/// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::Grant};
/// # let guard = JwtGuard::builder().configure(|config| config.local = Some(LocalIssuerConfig::default())).build()?;
/// # let token = guard.local_issuer().unwrap().issue(&Grant::new("ada"))?.access_token;
/// let token = rocket::execute(guard.verifier().verify(&token))?; // a plain bearer token
/// assert_eq!(held(&token), "nothing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Binding<'t> {
    /// Not bound: whoever holds the token may use it.
    Bearer,
    /// Bound to a DPoP key (`cnf.jkt`, RFC 9449): it came with a proof
    /// signed by that key.
    Dpop {
        /// The RFC 7638 thumbprint of the key.
        thumbprint: &'t str,
    },
    /// Bound to a client certificate (`cnf["x5t#S256"]`, RFC 8705): it
    /// came over a connection that presented that certificate.
    Certificate {
        /// The SHA-256 thumbprint of the certificate, base64url.
        thumbprint: &'t str,
    },
}

/// The JOSE header fields of a verified token: [`Token::header`].
///
/// ```
/// use jwt_guard::Token;
///
/// /// Which key signed a token, to follow an issuer's key rotation in the logs.
/// fn signed_by(token: &Token) -> String {
///     match token.header() {
///         Some(header) => format!("{} key {}", header.alg, header.kid.as_deref().unwrap_or("(no kid)")),
///         None => "none: an opaque token, introspected".into(),
///     }
/// }
/// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::Grant};
/// # let guard = JwtGuard::builder().configure(|config| config.local = Some(LocalIssuerConfig::default())).build()?;
/// # let token = guard.local_issuer().unwrap().issue(&Grant::new("ada"))?.access_token;
/// let token = rocket::execute(guard.verifier().verify(&token))?;
/// assert!(signed_by(&token).starts_with("EdDSA key "));
/// assert_eq!(token.header().unwrap().typ.as_deref(), Some("at+jwt"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenHeader {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key id, if the token named one.
    pub kid: Option<String>,
    /// The media type, if the token gave one.
    pub typ: Option<String>,
}

impl Token {
    pub(crate) fn new(
        source: TokenSource,
        header: Option<Arc<TokenHeader>>,
        claims: Payload,
        grants: Grants,
        expires_at: f64,
    ) -> Self {
        let parts = TokenParts { source, header, claims, grants, expires_at };
        Self { inner: Arc::new(parts) }
    }

    /// How the token is bound to its sender. A bound token is accepted only
    /// with its proof of possession, so a handler that sees `Dpop` or
    /// `Certificate` knows the caller holds the key.
    ///
    /// ```
    /// # use jwt_guard::{Token, binding::Binding};
    /// fn sender_constrained(token: &Token) -> bool {
    ///     !matches!(token.binding(), Binding::Bearer)
    /// }
    /// ```
    pub fn binding(&self) -> Binding<'_> {
        if let Some(thumbprint) = self.dpop_thumbprint() {
            return Binding::Dpop { thumbprint };
        }
        match self.certificate_thumbprint() {
            Some(thumbprint) => Binding::Certificate { thumbprint },
            None => Binding::Bearer,
        }
    }

    /// `cnf.jkt`: the thumbprint of the DPoP key the token is bound to.
    pub(crate) fn dpop_thumbprint(&self) -> Option<&str> {
        self.inner.claims.dpop_thumbprint()
    }

    /// `cnf["x5t#S256"]`: the thumbprint of the certificate the token is
    /// bound to.
    pub(crate) fn certificate_thumbprint(&self) -> Option<&str> {
        self.inner.claims.certificate_thumbprint()
    }

    /// Checks that the token may be used as a bare bearer token, with no
    /// proof of its holder: bound to neither a DPoP key nor a certificate,
    /// and of an issuer that does not require DPoP.
    pub(crate) fn check_bearer_use(&self) -> Result<(), TokenProblem> {
        self.check_bearer_dpop()?;
        let (_, bound_to_certificate) = self.inner.claims.confirmation_methods();
        if bound_to_certificate { Err(TokenProblem::CertificateMismatch) } else { Ok(()) }
    }

    /// Checks the token's DPoP binding, and its issuer's `dpop` mode, for
    /// a token presented with the bearer scheme. On every verification:
    /// the flags of what binds it, not the thumbprints read back.
    pub(crate) fn check_bearer_dpop(&self) -> Result<(), TokenProblem> {
        let (bound_to_dpop_key, _) = self.inner.claims.confirmation_methods();
        if bound_to_dpop_key {
            Err(TokenProblem::ProofRequired)
        } else if self.dpop_mode() == DpopMode::Required {
            Err(TokenProblem::DpopRequired)
        } else {
            Ok(())
        }
    }

    /// The registered claims that revocations and bindings read.
    pub(crate) fn registered(&self) -> Registered<'_> {
        self.inner.claims.registered()
    }

    /// Whether its issuer's tokens may, or must, be DPoP-bound.
    pub(crate) fn dpop_mode(&self) -> DpopMode {
        self.inner.source.dpop
    }

    /// The leeway it was verified with, in seconds.
    pub(crate) fn leeway(&self) -> f64 {
        self.inner.source.leeway
    }

    /// The tenant, for a token of an issuer resolved per request (an
    /// issuer template, or an app's resolver): the `{tenant}` part of its
    /// `iss`. [`Token::issuer`] names the template.
    pub fn tenant(&self) -> Option<&str> {
        self.inner.source.tenant.as_deref()
    }

    /// Whether the token is opaque (not a JWT), so that its issuer vouched
    /// for it by introspection (RFC 7662): it then has no
    /// [`header`](Self::header).
    pub fn is_opaque(&self) -> bool {
        self.inner.header.is_none()
    }

    /// The configured name of the issuer that signed the token, such as
    /// `auth0` for `[jwt_guard.issuers.auth0]`: the name that a policy's
    /// `issuer = "auth0"` names. Its `iss` URL is the claim
    /// [`claim("iss")`](Self::claim).
    pub fn issuer(&self) -> &str {
        &self.inner.source.issuer
    }

    /// The JOSE header; `None` for an opaque token.
    pub fn header(&self) -> Option<&TokenHeader> {
        self.inner.header.as_deref()
    }

    /// The `sub` claim.
    pub fn subject(&self) -> Option<&str> {
        self.inner.claims.subject()
    }

    /// The `exp` claim, as a point in time. For an introspected token
    /// whose issuer's answer has no `exp`: when that answer stops being
    /// trusted (`introspection_cache_ttl` after it was given). An `exp`
    /// past the year 9999, which not every clock can hold, is the last
    /// second of 9999.
    pub fn expires_at(&self) -> SystemTime {
        /// 9999-12-31T23:59:59Z, in seconds since the Unix epoch.
        const LAST_SECOND_OF_9999: f64 = 253_402_300_799.0;
        let seconds = self.inner.expires_at.min(LAST_SECOND_OF_9999);
        SystemTime::UNIX_EPOCH + Duration::try_from_secs_f64(seconds).unwrap_or_default()
    }

    /// `exp` in seconds since the Unix epoch, as the token gave it.
    pub(crate) fn expires_at_seconds(&self) -> f64 {
        self.inner.expires_at
    }

    /// The scopes, read from the issuer's `scope_claim`, in token order.
    pub fn scopes(&self) -> &[String] {
        let grants = &self.inner.grants;
        grants.scope_list.get_or_init(|| grants.scopes.iter(self.inner.claims.json()).map(str::to_owned).collect())
    }

    /// Whether the token grants `scope`, compared exactly (RFC 6749).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.grants.scopes.iter(self.inner.claims.json()).any(|granted| granted == scope)
    }

    /// The roles the token grants, wherever its issuer keeps them (its
    /// `roles_claim`: Keycloak's `realm_access.roles`, Entra ID's
    /// `roles`, Okta's `groups`, a namespaced claim of Auth0).
    pub fn roles(&self) -> &[String] {
        &self.inner.grants.roles
    }

    /// Whether the token grants `role`, compared exactly.
    pub fn has_role(&self, role: &str) -> bool {
        self.inner.grants.roles.iter().any(|granted| granted == role)
    }

    /// Every claim of the token. The map is built on the first call: a
    /// route that reads only the scopes, roles and registered claims never
    /// builds it.
    pub fn claims(&self) -> &Map<String, Value> {
        self.inner.claims.map()
    }

    /// One claim, by its JSON name.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims().get(name)
    }

    /// The token as the client sent it, to pass on to a downstream API.
    pub fn as_str(&self) -> &str {
        self.inner.claims.token()
    }

    /// The claims as the caller's own type.
    ///
    /// The error names the claim that does not fit by the name `T`
    /// declares for it, never by its value or any other text of the token.
    ///
    /// ```
    /// # use jwt_guard::{verify::{Algorithm, Verifier}, config::{Config, IssuerConfig}, issuer::SigningKey};
    /// use jwt_guard::error::{ClaimsMismatch, TokenProblem};
    /// use serde::Deserialize;
    ///
    /// #[derive(Deserialize)]
    /// struct AppClaims {
    ///     tenant: String,
    /// }
    ///
    /// # let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    /// # let mut config = Config::default();
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// # config.issuers.insert("app".into(), IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks));
    /// # let claims = serde_json::json!({ "iss": "https://id.test/", "aud": "api", "exp": 4e9, "tenant": 7 });
    /// # let signed = key.sign("at+jwt", claims.as_object().unwrap()).unwrap();
    /// # rocket::async_test(async {
    /// let token = Verifier::new(&config).unwrap().verify(&signed).await.unwrap();
    /// // The token's `tenant` is a number.
    /// assert_eq!(
    ///     token.deserialize_claims::<AppClaims>().err(),
    ///     Some(TokenProblem::ClaimsMismatch(ClaimsMismatch::Mistyped("tenant"))),
    /// );
    /// # });
    /// ```
    pub fn deserialize_claims<T: DeserializeOwned>(&self) -> Result<T, TokenProblem> {
        fit::deserialize(self.claims()).map_err(TokenProblem::ClaimsMismatch)
    }
}
