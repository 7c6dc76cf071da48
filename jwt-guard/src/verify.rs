//! Verifying tokens yourself: [`Verifier`], and what an app plugs into
//! verification: its own [`RevocationList`] and an [`IssuerResolver`] of
//! tenants. A token is routed to its issuer by `iss`, its key found, its
//! signature and claims checked (RFC 7519, RFC 8725); an opaque token is
//! asked of its issuer (RFC 7662). Below: opaque tokens and introspection,
//! issuers per tenant, and use outside Rocket.
//!
#![doc = include_str!("../docs/introspection.md")]
#![doc = include_str!("../docs/tenants.md")]
#![doc = include_str!("../docs/outside-rocket.md")]

mod cache;
mod claim_set;
mod claims;
pub(crate) mod compact;
mod headers;
mod introspected;
mod issuers;
pub(crate) mod revocation;
mod tenants;

pub use crate::algorithm::{Algorithm, UnknownAlgorithm};
pub use crate::token::TokenHeader;
pub use revocation::RevocationList;
pub(crate) use tenants::ResolverStalled;
pub use tenants::{IssuerResolver, ResolvedIssuer};

use crate::observe::metrics;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::clock;
use crate::config::{Config, Defaults, VerifierSettings};
use crate::config::{IntrospectMode, REFRESH_TOKEN_PREFIX};
use crate::error::{AuthError, ConfigError, TokenProblem};
use crate::introspection::IntrospectionCache;
use crate::keys::{Fetcher, KeyLookupError, VerifyingKey};
use crate::registered::Registered;
use crate::store::revocations::Revocations;
use crate::token::{KeptRegistered, Payload, Token};
use cache::TokenCache;
use claim_set::ClaimSet;
use headers::HeaderCache;
use issuers::{Issuer, IssuerKeys, IssuerLimits, IssuerRef};
use tenants::TenantIssuers;

/// Where the `iss` of Entra ID's v1 tokens begins, a Microsoft Graph
/// token's among them.
const ENTRA_V1_ISSUER: &str = "https://sts.windows.net/";

/// Verifies tokens against the configured issuers.
///
/// [`JwtGuard`](crate::JwtGuard) builds one at ignite and its request
/// guards use it; it also works on its own, outside Rocket. Run
/// [`keep_keys_fresh`](Self::keep_keys_fresh) beside it then, as the
/// Rocket fairing does: without it, the keys are fetched only when a
/// token names a `kid` not held, and a key that the issuer withdraws (a
/// leaked one, say) is trusted for as long as the process runs.
///
/// ```no_run
/// use std::sync::Arc;
/// use jwt_guard::{config::{Config, IssuerConfig}, verify::Verifier};
///
/// # async fn run(token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let mut config = Config::default();
/// config.issuers.insert(
///     "auth0".into(),
///     IssuerConfig::new("https://tenant.example.com/", "https://api.example.com"),
/// );
/// let verifier = Arc::new(Verifier::new(&config)?);
/// let refresher = Arc::clone(&verifier);
/// tokio::spawn(async move { refresher.keep_keys_fresh().await });
/// let token = verifier.verify(token).await?;
/// println!("hello, {:?}", token.subject());
/// # Ok(()) }
/// ```
pub struct Verifier {
    leeway: f64,
    max_token_bytes: usize,
    issuers: Vec<Issuer>,
    /// Indices into `issuers` by exact `iss`. foldhash, not SipHash: the
    /// keys are configured, so a token's `iss` cannot flood the table, and
    /// every verification hashes one.
    issuer_index: HashMap<String, usize, foldhash::fast::RandomState>,
    /// The revocations held by this process, checked on every token.
    revoked: Arc<Revocations>,
    /// An app's own revocation list, asked about every token's `jti`.
    list: Option<Arc<dyn RevocationList>>,
    cache: Option<TokenCache>,
    /// The headers of verified tokens.
    headers: HeaderCache,
    /// The issuers resolved per request.
    tenants: TenantIssuers,
    /// The answers of introspection.
    introspected: IntrospectionCache,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuers", &self.issuers)
            .field("revoked", &self.revoked)
            .field("list", &self.list.is_some())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// A configured issuer that sends logout tokens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogoutIssuer<'a> {
    /// Its exact `iss`.
    pub(crate) iss: &'a str,
    /// The client id its logout tokens are addressed to.
    pub(crate) client_id: &'a str,
    /// The longest lifetime of its access tokens, in seconds, if bounded.
    pub(crate) max_lifetime: Option<f64>,
}

/// An identity provider, configured or a tenant, as the revocations of
/// its tokens by session or subject name it.
#[derive(Debug, Clone)]
pub(crate) struct RevocableIssuer<'a> {
    /// Every `iss` its tokens may carry: its own, then its aliases. A
    /// revocation matches one exactly.
    pub(crate) names: Vec<&'a str>,
    /// The longest lifetime of its access tokens, in seconds, if bounded.
    pub(crate) max_lifetime: Option<f64>,
}

/// A token that verified, with what verified it.
struct Verified {
    token: Token,
    /// Its issuer.
    issuer: IssuerRef,
    /// The key its signature verified with.
    key: Arc<VerifyingKey>,
}

impl Verifier {
    /// A verifier for `config`, whose remote keys are not fetched yet: the
    /// first token of an issuer fetches them, as does
    /// [`Verifier::keep_keys_fresh`]. A built-in issuer without an `issuer`
    /// setting is `http://127.0.0.1:8000`.
    ///
    /// # Errors
    ///
    /// The first bad value of `config`, by its key.
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        Self::from_settings(config.settings(Defaults::STANDALONE)?.verifier, Arc::default())
    }

    /// A verifier for checked settings that checks every token against
    /// `revoked`; it fetches nothing yet.
    pub(crate) fn from_settings(settings: VerifierSettings, revoked: Arc<Revocations>) -> Result<Self, ConfigError> {
        let fetcher =
            Fetcher::new(settings.fetch).map_err(|problem| ConfigError { key: "fetch_timeout".into(), problem })?;
        let limits = IssuerLimits {
            refetch_cooldown: settings.refetch_cooldown,
            introspection_rate: settings.introspection_rate,
        };
        let (templates, configured): (Vec<_>, Vec<_>) =
            settings.issuers.into_iter().partition(|issuer| issuer.tenants.is_some());
        // Each `iss` of an issuer, its own and its aliases, finds it.
        let issuer_index = configured
            .iter()
            .enumerate()
            .flat_map(|(index, issuer)| {
                std::iter::once(&issuer.issuer).chain(&issuer.aliases).map(move |iss| (iss.clone(), index))
            })
            .collect();
        let issuers = configured
            .into_iter()
            .map(|issuer| Issuer::new(issuer, &fetcher, limits, None))
            .collect::<Result<Vec<_>, _>>()?;
        let leeway = settings.leeway.as_secs_f64();
        let tenants =
            TenantIssuers::new(templates, settings.tenant_cache_size, settings.tenant_discoveries, fetcher, limits);
        let ttl = settings.introspection_cache_ttl.as_secs_f64();
        Ok(Self {
            tenants,
            introspected: IntrospectionCache::new(settings.introspection_cache_size, ttl),
            leeway,
            max_token_bytes: settings.max_token_bytes,
            issuers,
            issuer_index,
            revoked,
            list: None,
            cache: (settings.token_cache_size > 0).then(|| TokenCache::new(settings.token_cache_size, leeway)),
            headers: HeaderCache::new(),
        })
    }

    /// Consults `list` for the `jti` of every verified token, beside the
    /// revocations of the token store.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use jwt_guard::{AuthError, error::TokenProblem, verify::{RevocationList, Verifier}};
    ///
    /// struct Revoked(HashSet<&'static str>);
    ///
    /// #[jwt_guard::async_trait]
    /// impl RevocationList for Revoked {
    ///     async fn is_revoked(&self, jti: &str) -> bool { self.0.contains(jti) }
    /// }
    /// # use jwt_guard::{verify::Algorithm, config::{Config, IssuerConfig}, issuer::SigningKey};
    /// # let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// # let mut config = Config::default();
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// # config.issuers.insert("app".into(), IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks));
    /// # let claims = serde_json::json!({ "iss": "https://id.test/", "aud": "api", "exp": 4e9, "jti": "a2f9c1" });
    /// # let token = key.sign("at+jwt", claims.as_object().unwrap())?;
    ///
    /// let verifier = Verifier::new(&config)?.with_revocations(Revoked(HashSet::from(["a2f9c1"])));
    /// let refused = rocket::execute(verifier.verify(&token)).unwrap_err(); // its `jti` is "a2f9c1"
    /// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::Revoked));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_revocations(self, list: impl RevocationList) -> Self {
        self.with_shared_revocations(Arc::new(list))
    }

    /// [`Verifier::with_revocations`] for a list already shared, which is
    /// then consulted without a second indirection on every request.
    pub(crate) fn with_shared_revocations(mut self, list: Arc<dyn RevocationList>) -> Self {
        self.list = Some(list);
        self
    }

    /// Asks `resolver` for the issuers of tokens whose `iss` no configured
    /// issuer or template names.
    ///
    /// ```
    /// use jwt_guard::config::{Config, IssuerConfig};
    /// use jwt_guard::verify::Verifier;
    /// # use jwt_guard::verify::{Algorithm, IssuerResolver, ResolvedIssuer};
    /// # #[derive(Clone)]
    /// # struct Customers(serde_json::Value);
    /// # #[jwt_guard::async_trait]
    /// # impl IssuerResolver for Customers {
    /// #     fn issuer_names(&self) -> &'static [&'static str] { &["customers"] }
    /// #     async fn resolve(&self, iss: &str) -> Option<ResolvedIssuer> {
    /// #         let tenant = iss.strip_prefix("https://auth.example.com/")?;
    /// #         let config = IssuerConfig::new(iss, "https://api.example.com").inline_jwks(self.0.clone());
    /// #         Some(ResolvedIssuer::new("customers", tenant, config))
    /// #     }
    /// # }
    /// # let key = jwt_guard::issuer::SigningKey::generate(Algorithm::EdDSA)?;
    /// # let customers = Customers(serde_json::json!({ "keys": [key.public_jwk()] }));
    /// # let iss = "https://auth.example.com/acme";
    /// # let claims = serde_json::json!({ "iss": iss, "aud": "https://api.example.com", "exp": 4e9 });
    /// # let acme_token = key.sign("at+jwt", claims.as_object().unwrap())?;
    /// # let mut config = Config::default();
    /// # let partner = IssuerConfig::new("https://id.partner.example/", "https://api.example.com");
    /// # config.issuers.insert("partner".into(), partner);
    ///
    /// // `customers` finds tenants in the app's database, as the `IssuerResolver` example does.
    /// let verifier = Verifier::new(&config)?.with_resolver(customers.clone())?;
    /// let token = rocket::execute(verifier.verify(&acme_token))?;
    /// assert_eq!((token.issuer(), token.tenant()), ("customers", Some("acme")));
    ///
    /// // Its names may not be a configured issuer's: a resolved issuer would pass for it.
    /// config.issuers.insert("customers".into(), IssuerConfig::new("https://sso.example.com/", "api"));
    /// assert_eq!(Verifier::new(&config)?.with_resolver(customers).unwrap_err().key, "issuer_resolver");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] when a name that the resolver gives its issuers
    /// is not an issuer name, or is a configured issuer's.
    pub fn with_resolver(self, resolver: impl IssuerResolver) -> Result<Self, ConfigError> {
        self.with_shared_resolver(Arc::new(resolver))
    }

    /// [`Verifier::with_resolver`] for a resolver already shared.
    pub(crate) fn with_shared_resolver(mut self, resolver: Arc<dyn IssuerResolver>) -> Result<Self, ConfigError> {
        let configured: Vec<&str> = self.issuer_names().collect();
        tenants::check_resolver_names(&*resolver, &configured)?;
        self.tenants = self.tenants.with_resolver(resolver);
        Ok(self)
    }

    /// The names of the issuers that policies may pin: the configured
    /// ones, templates included, and those an [`IssuerResolver`] gives.
    ///
    /// ```
    /// use jwt_guard::config::{Config, IssuerConfig, Tenants};
    /// use jwt_guard::verify::Verifier;
    ///
    /// let mut config = Config::default();
    /// const CLIENT_ID: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3"; // a v2.0 token's `aud`
    /// let auth0 = IssuerConfig::new("https://acme.eu.auth0.com/", "https://api.example.com");
    /// let entra = IssuerConfig::new("https://login.microsoftonline.com/{tenant}/v2.0", CLIENT_ID);
    /// config.issuers.insert("auth0".into(), auth0);
    /// config.issuers.insert("entra".into(), entra.tenants(Tenants::Any));
    /// let verifier = Verifier::new(&config)?;
    /// // What `#[protected(issuer = "...")]` may name:
    /// assert_eq!(verifier.issuer_names().collect::<Vec<_>>(), ["auth0", "entra"]);
    /// # Ok::<(), jwt_guard::error::ConfigError>(())
    /// ```
    pub fn issuer_names(&self) -> impl Iterator<Item = &str> {
        self.issuers.iter().map(|issuer| &*issuer.name).chain(self.tenants.issuer_names())
    }

    /// Fetches every remote issuer's keys now, then again whenever they are
    /// due, for as long as the future runs; the keys of issuers resolved
    /// per request too, once they were fetched, and asks the
    /// [`IssuerResolver`] again about the issuers it found. The Rocket
    /// fairing spawns it at liftoff and stops it at shutdown.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use jwt_guard::{config::Config, error::ConfigError, verify::Verifier};
    /// # async fn serve(_: &Verifier) {}
    ///
    /// async fn run(config: Config) -> Result<(), ConfigError> {
    ///     let verifier = Arc::new(Verifier::new(&config)?);
    ///     // Keys fetched at once, then whenever due, while the app serves:
    ///     let shared = Arc::clone(&verifier);
    ///     let refresher = tokio::spawn(async move { shared.keep_keys_fresh().await });
    ///     serve(&verifier).await;
    ///     refresher.abort();
    ///     Ok(())
    /// }
    /// # let mut config = Config::default();
    /// # let key = jwt_guard::issuer::SigningKey::generate(jwt_guard::verify::Algorithm::EdDSA).unwrap();
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// # let app = jwt_guard::config::IssuerConfig::new("https://id.test/", "api").inline_jwks(jwks);
    /// # config.issuers.insert("app".into(), app);
    /// # rocket::execute(run(config))?;
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub async fn keep_keys_fresh(&self) {
        let loops = self.issuers.iter().filter_map(|issuer| match &issuer.keys {
            IssuerKeys::Remote(keys) => Some(keys.keep_fresh()),
            IssuerKeys::Fixed(_) => None,
        });
        futures_util::future::join(futures_util::future::join_all(loops), self.tenants.keep_keys_fresh()).await;
    }

    /// Forgets `iss`, an issuer resolved per request (a template's tenant,
    /// or one that the [`IssuerResolver`] found): its tokens, cached ones
    /// too, are refused until a token names it again, when it is resolved
    /// afresh (the resolver asked, its discovery and keys fetched). For an
    /// app that removes or changes a tenant, on each instance: instances
    /// share no tenants. Answers whether it was kept.
    ///
    /// ```
    /// # use jwt_guard::verify::Verifier;
    /// fn tenant_removed(verifier: &Verifier, iss: &str) {
    ///     verifier.forget_issuer(iss);
    /// }
    /// ```
    pub fn forget_issuer(&self, iss: &str) -> bool {
        self.tenants.forget(iss)
    }

    /// Verifies `token`, the bare token without its `Bearer ` scheme, as a
    /// bearer token: one bound to a DPoP key or a client certificate is
    /// refused, as is any token of an issuer whose `dpop` is `required`,
    /// for it needs its proof. [`JwtGuard::authenticate_request`] checks
    /// those against what a request presents.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidToken`] with the reason when the token is not
    /// acceptable, [`AuthError::KeysUnavailable`] when its issuer's keys
    /// cannot be fetched, [`AuthError::IntrospectionUnavailable`] when an
    /// opaque token's introspection cannot be had or believed, and
    /// [`AuthError::StoreUnavailable`] while the token store's revocations
    /// are not loaded yet where tokens are refused until they are
    /// (`refuse_until_loaded`).
    ///
    /// ```
    /// use jwt_guard::config::{Config, IssuerConfig};
    /// use jwt_guard::{AuthError, error::TokenProblem, verify::Verifier};
    /// # use jwt_guard::{issuer::SigningKey, verify::Algorithm};
    /// # let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
    /// # let sign = |aud: &str| {
    /// #     let claims = serde_json::json!({ "iss": "https://id.example.com/", "aud": aud, "exp": 4e9, "sub": "ada" });
    /// #     key.sign("at+jwt", claims.as_object().unwrap()).unwrap()
    /// # };
    ///
    /// let mut config = Config::default();
    /// let issuer = IssuerConfig::new("https://id.example.com/", "https://api.example.com");
    /// config.issuers.insert("id".into(), issuer.inline_jwks(jwks));
    /// let verifier = Verifier::new(&config)?;
    /// let verified = rocket::execute(verifier.verify(&sign("https://api.example.com")))?;
    /// assert_eq!((verified.issuer(), verified.subject()), ("id", Some("ada")));
    /// let for_another_api = rocket::execute(verifier.verify(&sign("https://billing.example.com")));
    /// assert_eq!(for_another_api.unwrap_err(), AuthError::InvalidToken(TokenProblem::WrongAudience));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`JwtGuard::authenticate_request`]: crate::JwtGuard::authenticate_request
    pub async fn verify(&self, token: &str) -> Result<Token, AuthError> {
        let verified = self.verify_whatever_bound(token).await?;
        verified.check_bearer_use()?;
        Ok(verified)
    }

    /// Verifies `token` as [`Verifier::verify`] does, whatever it is bound
    /// to: for what needs no proof of its holder (revoking it, RFC 7009).
    pub(crate) async fn verify_whatever_bound(&self, token: &str) -> Result<Token, AuthError> {
        match self.cached(token).await {
            Some(verified) => Ok(verified),
            None => self.verify_fresh(token).await,
        }
    }

    /// The verified token for `token` from the cache of verified tokens,
    /// if it is there, unexpired, its key still held and it is not revoked.
    ///
    /// Only tokens that verified are cached, so a hit is in compact JWS
    /// form: base64url and dots, a subset of the `b64token` syntax.
    pub(crate) async fn cached(&self, token: &str) -> Option<Token> {
        let hit = self.cached_with_key_held(token)?;
        if self.is_listed(&hit.registered()).await {
            self.cache.as_ref()?.remove(token);
            return None;
        }
        Some(hit)
    }

    /// As [`Verifier::cached`], when the cache can answer alone: always
    /// `None` when an app's revocation list must be consulted.
    #[cfg(feature = "rocket")]
    pub(crate) fn cached_unless_revocable(&self, token: &str) -> Option<Token> {
        if self.consults_revocations() {
            return None;
        }
        self.cached_with_key_held(token)
    }

    /// Whether cache hits must consult an app's revocation list.
    #[cfg(feature = "rocket")]
    pub(crate) fn consults_revocations(&self) -> bool {
        self.list.is_some()
    }

    /// The cached verification of `token`, if unexpired, the key that
    /// verified it is still its issuer's key for its `kid` and `alg`, and
    /// the revocations held do not revoke it; an app's revocation list is
    /// not asked yet.
    fn cached_with_key_held(&self, token: &str) -> Option<Token> {
        let cache = self.cache.as_ref().filter(|_| token.len() <= self.max_token_bytes)?;
        let hit = cache.get(token, clock::unix_now())?;
        let header = hit.token.header()?;
        let kept = match &hit.issuer {
            IssuerRef::Configured(_) => true,
            IssuerRef::Resolved(issuer) => self.tenants.still_kept(issuer),
        };
        if kept
            && hit.issuer.get(&self.issuers).keys.still_uses(header.kid.as_deref(), header.alg, hit.key)
            && self.revoked.trusted()
            && !self.revoked.revokes(&hit.token.registered())
        {
            metrics::token_cache(true);
            return Some(hit.token);
        }
        cache.remove(token);
        None
    }

    /// Verifies `token` as [`Verifier::verify`] does, without looking in
    /// the cache of verified tokens first, and caches it.
    ///
    /// The future, which can fetch keys, is boxed: it is many times the
    /// size of a cache hit's, and the future of every caller, hits
    /// included, would otherwise be that large and moved as it is polled.
    /// An opaque token's, larger still, is boxed apart.
    pub(crate) fn verify_fresh<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Token, AuthError>> {
        if self.cache.is_some() {
            metrics::token_cache(false);
        }
        if token.starts_with(REFRESH_TOKEN_PREFIX) {
            return Box::pin(std::future::ready(Err(TokenProblem::NotAnAccessToken.into())));
        }
        if self.introspects_opaque_tokens() && !compact::is_jws(token) {
            return Box::pin(self.verify_opaque(token));
        }
        Box::pin(self.verify_jws(token))
    }

    /// Verifies a JWS, and caches it.
    async fn verify_jws(&self, token: &str) -> Result<Token, AuthError> {
        let verified = self.verify_as(token).await?;
        let issuer = verified.issuer.get(&self.issuers);
        if let Some(introspector) = issuer.introspector.as_ref().filter(|it| it.mode() == IntrospectMode::Always) {
            // Asked on every request (through the cache of answers):
            // such tokens skip the cache of verified tokens. Boxed, as
            // an opaque token's verification is.
            Box::pin(self.check_still_active(issuer, introspector, &verified.token)).await?;
            return Ok(verified.token);
        }
        if let Some(cache) = &self.cache {
            cache.insert(&verified.token, verified.issuer, verified.key.serial(), clock::unix_now());
        }
        Ok(verified.token)
    }

    /// Refuses a token that the revocations held, or an app's revocation
    /// list, revoke; and every token while the revocations are not to be
    /// trusted yet (`refuse_until_loaded`, before they are loaded).
    async fn check_not_revoked(&self, claims: &Registered<'_>) -> Result<(), AuthError> {
        if !self.revoked.trusted() {
            return Err(AuthError::StoreUnavailable);
        }
        if self.revoked.revokes(claims) || self.is_listed(claims).await {
            return Err(TokenProblem::Revoked.into());
        }
        Ok(())
    }

    /// Whether an app's revocation list revokes the token's `jti`.
    async fn is_listed(&self, claims: &Registered<'_>) -> bool {
        let Some(list) = &self.list else { return false };
        match claims.jti {
            Some(jti) => list.is_revoked(jti).await,
            None => false,
        }
    }

    /// Verifies `token`.
    async fn verify_as(&self, token: &str) -> Result<Verified, AuthError> {
        if token.len() > self.max_token_bytes {
            return Err(TokenProblem::TooLarge.into());
        }
        let parts = compact::split(token)?;
        let (header, header_known) = match self.headers.get(parts.header) {
            Some(header) => (header, true),
            None => (Arc::new(compact::decode_header(parts.header)?), false),
        };
        let text = compact::decode_text_after(token, parts.payload)?;
        let json = text.get(token.len()..).unwrap_or_default();
        let claims = ClaimSet::parse(json, compact::NOT_CLAIMS)?;
        let registered = claims::registered(&claims)?;
        let issuer_ref = match self.issuer_of(&registered).await {
            // A Graph token, to an app that trusts Entra ID's v2 issuer
            // only: its `iss` is the v1 issuer's.
            Err(AuthError::InvalidToken(TokenProblem::UntrustedIssuer))
                if registered.iss.is_some_and(|iss| iss.starts_with(ENTRA_V1_ISSUER))
                    && compact::has_nonce(parts.header) =>
            {
                return Err(TokenProblem::SignedForGraph.into());
            }
            found => found?,
        };
        let issuer = issuer_ref.get(&self.issuers);
        if !issuer.algorithms.contains(header.alg) {
            return Err(TokenProblem::AlgorithmNotAllowed.into());
        }
        if !compact::declares(&header, issuer.token_type) {
            return Err(TokenProblem::WrongType.into());
        }
        let key = Self::signing_key(issuer, &parts, &header).await?;
        let expires_at = claims::check_times(&claims, clock::unix_now(), self.leeway)?;
        if let Some(max_lifetime) = issuer.max_lifetime {
            claims::check_lifetime(&claims, expires_at, max_lifetime)?;
        }
        claims::check_audience(&claims, &issuer.audience)?;
        claims::check_required(&claims, &issuer.required_claims)?;
        self.check_not_revoked(&registered).await?;
        let grants = issuer.grants(&claims)?;
        let registered = KeptRegistered::of(json, &registered);
        drop(claims);
        let payload = Payload::new(text, token.len(), registered);
        if !header_known {
            self.headers.insert(parts.header, &header);
        }
        let token = Token::new(issuer.source(self.leeway), Some(header), payload, grants, expires_at);
        Ok(Verified { token, issuer: issuer_ref, key })
    }

    /// The key of `issuer` that `parts` are signed with, by the `kid` and
    /// `alg` of `header`: the held key, or a replacement fetched when a
    /// remote issuer's key under that `kid` fails.
    async fn signing_key(
        issuer: &Issuer,
        parts: &compact::CompactParts<'_>,
        header: &crate::token::TokenHeader,
    ) -> Result<Arc<VerifyingKey>, AuthError> {
        let kid = header.kid.as_deref();
        let key = issuer.keys.key_for(kid, header.alg).await.map_err(|error| match error {
            KeyLookupError::WrongAlgorithm => AuthError::from(TokenProblem::AlgorithmNotAllowed),
            KeyLookupError::Unknown => TokenProblem::UnknownKey.into(),
            // A tenant whose keys were never had is as good as made up.
            KeyLookupError::Unavailable(_) if issuer.tenant.is_some() && !issuer.keys.hold_any() => {
                TokenProblem::UntrustedIssuer.into()
            }
            KeyLookupError::Unavailable(retry_after) => AuthError::KeysUnavailable { retry_after },
        })?;
        if parts.signed_by(&key, header.alg) {
            return Ok(key);
        }
        let replacement = issuer.keys.replacement_for(kid, header.alg, &key).await;
        replacement.filter(|replacement| parts.signed_by(replacement, header.alg)).ok_or_else(|| {
            // Microsoft Graph's tokens are signed over their nonce's hash,
            // not the nonce they carry: they verify at Graph alone.
            match compact::has_nonce(parts.header) {
                true => TokenProblem::SignedForGraph.into(),
                false => TokenProblem::BadSignature.into(),
            }
        })
    }

    /// The issuer whose tokens say `iss = iss`, as its tokens' revocations
    /// name it: a configured one (by its own `iss` or an alias), or a
    /// tenant that a template admits or the resolver names; `None` when
    /// none's do, `Err` when the resolver did not answer in time.
    pub(crate) async fn revocable_issuer<'a>(
        &'a self,
        iss: &'a str,
    ) -> Result<Option<RevocableIssuer<'a>>, ResolverStalled> {
        let Some(&index) = self.issuer_index.get(iss) else {
            return match self.tenants.any() {
                true => self.tenants.revocable(iss).await,
                false => Ok(None),
            };
        };
        let issuer = &self.issuers[index];
        let aliases = self.issuer_index.iter().filter(|&(name, &of)| of == index && *name != issuer.iss);
        let names = std::iter::once(issuer.iss.as_str()).chain(aliases.map(|(name, _)| name.as_str()));
        Ok(Some(RevocableIssuer { names: names.collect(), max_lifetime: issuer.max_lifetime }))
    }

    /// The configured issuer whose tokens say `iss = iss`, if it sends
    /// logout tokens: what the logout receiver holds them to.
    pub(crate) fn logout_issuer(&self, iss: &str) -> Option<LogoutIssuer<'_>> {
        let issuer = &self.issuers[*self.issuer_index.get(iss)?];
        let client_id = issuer.logout_client_id.as_deref()?;
        Some(LogoutIssuer { iss: &issuer.iss, client_id, max_lifetime: issuer.max_lifetime })
    }

    /// Checks that `parts`, with this `header`, are signed by the
    /// configured issuer `iss` with an algorithm it allows: its keys, found
    /// as an access token's are (a `kid` not held refetches them).
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidToken`] when the issuer is not configured, the
    /// algorithm not allowed or the signature bad;
    /// [`AuthError::KeysUnavailable`] when the keys cannot be fetched.
    pub(crate) async fn check_issuer_signature(
        &self,
        iss: &str,
        parts: &compact::CompactParts<'_>,
        header: &crate::token::TokenHeader,
    ) -> Result<(), AuthError> {
        let index = self.issuer_index.get(iss).ok_or(TokenProblem::UntrustedIssuer)?;
        let issuer = &self.issuers[*index];
        if !issuer.algorithms.contains(header.alg) {
            return Err(TokenProblem::AlgorithmNotAllowed.into());
        }
        Self::signing_key(issuer, parts, header).await.map(drop)
    }

    /// Clock skew allowed, in seconds.
    pub(crate) fn leeway(&self) -> f64 {
        self.leeway
    }

    /// The longest token accepted, in bytes.
    pub(crate) fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// The issuer that `iss` names: a configured one, or one resolved for
    /// it.
    async fn issuer_of(&self, claims: &Registered<'_>) -> Result<IssuerRef, AuthError> {
        let iss = claims.iss.ok_or(TokenProblem::MissingClaim("iss"))?;
        if let Some(index) = self.issuer_index.get(iss) {
            return Ok(IssuerRef::Configured(*index));
        }
        let resolved = match self.tenants.any() {
            // Boxed: a resolution is rare beside a configured issuer, and
            // its future large.
            true => Box::pin(self.tenants.resolve(iss))
                .await
                .map_err(|ResolverStalled| AuthError::KeysUnavailable { retry_after: Duration::from_secs(1) })?,
            false => None,
        };
        if resolved.is_none() && log::log_enabled!(log::Level::Debug) {
            let configured: Vec<&str> = self.issuers.iter().map(|issuer| issuer.iss.as_str()).collect();
            log::debug!(
                "jwt-guard: the token's `iss` {:?} is none of the configured issuers {configured:?}, nor a tenant",
                claims::for_log(iss)
            );
        }
        resolved.map(IssuerRef::Resolved).ok_or_else(|| TokenProblem::UntrustedIssuer.into())
    }
}

/// Reads a claims object as [`Verifier::verify`] does, for the
/// benchmarks.
#[cfg(feature = "__bench")]
pub(crate) fn read_claims(json: &str) -> bool {
    ClaimSet::parse(json, compact::NOT_CLAIMS).is_ok_and(|claims| claims::registered(&claims).is_ok())
}

#[cfg(test)]
mod tests;
