//! Sender-constrained tokens: `[jwt_guard.dpop]` (RFC 9449), each
//! issuer's `dpop` mode, and `[jwt_guard.mtls]` (RFC 8705), with their
//! checks.

use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;
use serde::Deserialize;

use super::checks::{asymmetric_algorithms, check, networks};
use super::{Secret, seconds};
use crate::algorithm::AlgorithmSet;
use crate::error::ConfigError;

/// Whether an issuer's tokens may, or must, be DPoP-bound: its `dpop`.
///
/// Whatever the mode, a token bound by `cnf.jkt` is accepted only with the
/// `DPoP` scheme and a valid proof, and a token bound to a certificate
/// only over a connection that presents it.
///
/// ```
/// use jwt_guard::config::{Config, DpopMode, IssuerConfig};
/// use jwt_guard::{AuthError, JwtGuard, error::TokenProblem};
/// # use jwt_guard::{issuer::SigningKey, verify::Algorithm};
/// # let key = SigningKey::generate(Algorithm::EdDSA)?;
/// # let jwks = serde_json::json!({ "keys": [key.public_jwk()] });
/// # let claims = serde_json::json!({ "iss": "https://id.example.com/", "aud": "api", "exp": 4e9 });
/// # let token = key.sign("at+jwt", claims.as_object().unwrap())?;
///
/// // `dpop = "required"` in Rocket.toml:
/// let issuer = IssuerConfig::new("https://id.example.com/", "api").dpop(DpopMode::Required);
/// let mut config = Config::default();
/// config.issuers.insert("id".into(), issuer.inline_jwks(jwks));
/// let guard = JwtGuard::from_config(config)?;
/// // Its valid token, with no DPoP proof of its holder: refused.
/// let bearer = format!("Bearer {token}");
/// let refused = rocket::execute(guard.authenticate([bearer.as_str()].into_iter(), false)).unwrap_err();
/// assert_eq!(refused, AuthError::InvalidToken(TokenProblem::DpopRequired));
/// assert!(guard.challenge(&refused).unwrap().starts_with("DPoP "), "the only scheme asked for");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DpopMode {
    /// `"off"`: its tokens are refused with the `DPoP` scheme.
    Off,
    /// `"allowed"` (the default): bearer tokens, and DPoP-bound ones with
    /// their proofs.
    #[default]
    Allowed,
    /// `"required"`: DPoP-bound tokens only.
    Required,
}

/// DPoP proofs: `[jwt_guard.dpop]`.
///
/// ```toml
/// [default.jwt_guard.dpop]
/// origin = "https://api.example.com"   # what proofs' `htu` start with
/// max_age = 60                         # seconds a proof is good for
/// algorithms = ["ES256", "EdDSA"]      # optional allow-list
/// nonce = false                        # true: demand server nonces
/// # nonce_secret = "..."               # shared by a fleet, 32 bytes or more
/// ```
///
/// In code, as the other tables are:
///
/// ```
/// use jwt_guard::{JwtGuard, config::{Config, IssuerConfig}};
///
/// let mut config = Config::default();
/// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
/// // Behind a proxy, the URL clients see, which their proofs name.
/// config.dpop.origin = Some("https://api.example.com".into());
/// config.dpop.nonce = true;
/// let guard = JwtGuard::from_config(config.clone())?;
/// assert!(guard.dpop_nonce().is_some(), "a nonce to hand out with each answer");
/// // A fleet shares one secret, or each instance refuses the others' nonces.
/// config.dpop.nonce_secret = Some("too short".into());
/// assert_eq!(JwtGuard::from_config(config).unwrap_err().key, "dpop.nonce_secret");
/// # Ok::<(), jwt_guard::error::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct DpopConfig {
    /// The scheme and authority that clients see (`https://api.example.com`):
    /// a proof's `htu` must be it and the request's path. Rocket behind a
    /// proxy cannot know them. Default: the origin of `resource`, else the
    /// app's own address (`http://127.0.0.1:8000`, the loopback address
    /// where the app listens on every one, `0.0.0.0`: set it then, to the
    /// URL that clients reach).
    pub origin: Option<String>,
    /// How long after its `iat` a proof is accepted, and how long its `jti`
    /// is remembered against replays. Default: `60`; at most 300.
    #[serde(deserialize_with = "seconds")]
    pub max_age: Duration,
    /// The algorithms proofs may be signed with. Default: every asymmetric
    /// one.
    pub algorithms: Option<Vec<String>>,
    /// Whether proofs must carry a nonce that the server gave out
    /// (`DPoP-Nonce`, RFC 9449 section 9). Default: `false`.
    pub nonce: bool,
    /// The secret that nonces are derived from, at least 32 bytes; the
    /// instances of a fleet must share it. Default: random per process.
    pub nonce_secret: Option<Secret>,
}

impl Default for DpopConfig {
    fn default() -> Self {
        Self { origin: None, max_age: Duration::from_secs(60), algorithms: None, nonce: false, nonce_secret: None }
    }
}

/// Certificate-bound tokens: `[jwt_guard.mtls]`.
///
/// Rocket's TLS listener (feature `mtls`) gives the client certificate of
/// the connection. Behind a proxy that terminates TLS, it can come from a
/// request header instead, which the proxy must set from the connection
/// and strip from what clients send: otherwise any client could claim any
/// certificate (a certificate is no secret). The proxies must be listed in
/// `trusted_proxies`, and the header is believed from them only.
///
/// ```
/// use jwt_guard::{JwtGuard, config::{Config, IssuerConfig}};
///
/// let mut config = Config::default();
/// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
/// // Behind nginx, which sets `X-Client-Cert` from `$ssl_client_escaped_cert`:
/// config.mtls.certificate_header = Some("X-Client-Cert".into());
/// // Believed from the proxy only: without it, any client could claim any certificate.
/// assert_eq!(JwtGuard::from_config(config.clone()).unwrap_err().key, "mtls.trusted_proxies");
/// config.mtls.trusted_proxies = vec!["10.0.0.0/8".into()];
/// assert!(JwtGuard::from_config(config).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct MtlsConfig {
    /// The header that carries the client certificate, as a URL-encoded
    /// PEM (nginx's `$ssl_client_escaped_cert`, AWS ALB's
    /// `X-Amzn-Mtls-Clientcert`). Default: none, trust the connection only.
    pub certificate_header: Option<String>,
    /// The proxies (addresses or networks, `10.0.0.0/8`) whose
    /// `certificate_header` is believed; other peers' certificates come
    /// from their own connections. Required with a `certificate_header`:
    /// where no client can reach the app but through the proxy, and its
    /// address is not known, `["0.0.0.0/0", "::/0"]` says so.
    pub trusted_proxies: Vec<String>,
}

/// The request header that carries client certificates, after checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CertificateHeader {
    /// The header's name.
    pub(crate) name: String,
    /// The peers it is believed from: at least one network.
    pub(crate) from: Vec<IpNet>,
}

impl CertificateHeader {
    /// Whether the header is believed from `peer` (`None`: unknown).
    #[cfg(feature = "rocket")]
    pub(crate) fn believed_from(&self, peer: Option<std::net::IpAddr>) -> bool {
        peer.is_some_and(|peer| self.from.iter().any(|proxy| proxy.contains(&peer.to_canonical())))
    }
}

/// DPoP, after checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DpopSettings {
    /// `scheme://authority`, without a slash.
    pub(crate) origin: String,
    pub(crate) max_age: Duration,
    pub(crate) algorithms: AlgorithmSet,
    /// The key of server nonces, when they are demanded: the configured
    /// `nonce_secret`, or 32 random bytes in base64url.
    pub(crate) nonce_key: Option<Secret>,
}

/// The longest `max_age` of a proof.
const LONGEST_PROOF_AGE: Duration = Duration::from_secs(300);

/// The shortest nonce secret.
const NONCE_SECRET_BYTES: usize = 32;

impl DpopConfig {
    /// Checks every value; `default_origin` is the origin of `resource`,
    /// or the app's own address.
    pub(crate) fn settings(&self, default_origin: &str) -> Result<DpopSettings, ConfigError> {
        let origin = match &self.origin {
            Some(origin) => checked_origin(origin)?,
            None => default_origin.trim_end_matches('/').to_owned(),
        };
        check(
            !self.max_age.is_zero() && self.max_age <= LONGEST_PROOF_AGE,
            "dpop.max_age",
            "must be above 0 and at most 300 seconds: a proof is made for one request, when it is sent",
        )?;
        let algorithms = match &self.algorithms {
            Some(names) => asymmetric_algorithms(names, "DPoP proofs are signed with a client's private key")
                .map_err(|problem| ConfigError { key: "dpop.algorithms".into(), problem })?,
            None => AlgorithmSet::ASYMMETRIC,
        };
        let nonce_key = match (&self.nonce, &self.nonce_secret) {
            (false, Some(_)) => {
                let problem = "is the key of server nonces, which are off: set `nonce = true` too, or leave it out";
                return Err(ConfigError { key: "dpop.nonce_secret".into(), problem: problem.into() });
            }
            (false, None) => None,
            (true, Some(secret)) => {
                check(
                    secret.expose().len() >= NONCE_SECRET_BYTES,
                    "dpop.nonce_secret",
                    "needs at least 32 bytes; generate one with `openssl rand -base64 32`",
                )?;
                Some(secret.clone())
            }
            (true, None) => {
                use base64::Engine as _;
                let mut random = [0; NONCE_SECRET_BYTES];
                aws_lc_rs::rand::fill(&mut random).map_err(|_| ConfigError {
                    key: "dpop.nonce_secret".into(),
                    problem: "no random bits could be had to generate one; configure it".into(),
                })?;
                Some(Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)))
            }
        };
        Ok(DpopSettings { origin, max_age: self.max_age, algorithms, nonce_key })
    }
}

/// `origin` as `scheme://authority`: an `http` or `https` URL with nothing
/// after its authority.
fn checked_origin(origin: &str) -> Result<String, ConfigError> {
    let problem = |problem: &str| ConfigError { key: "dpop.origin".into(), problem: problem.into() };
    let url = Url::parse(origin).map_err(|_| problem("is not a URL"))?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none() && url.username().is_empty();
    if !matches!(url.scheme(), "https" | "http") || !bare || url.password().is_some() {
        return Err(problem("must be `https://host` or `https://host:port`, with nothing after it"));
    }
    Ok(url.origin().ascii_serialization())
}

impl MtlsConfig {
    /// Checks the header's name and the proxies.
    pub(crate) fn settings(&self) -> Result<Option<CertificateHeader>, ConfigError> {
        let from = networks(&self.trusted_proxies, "mtls.trusted_proxies")?;
        let Some(name) = &self.certificate_header else {
            check(from.is_empty(), "mtls.trusted_proxies", "lists the proxies of a `certificate_header`: name it")?;
            return Ok(None);
        };
        check(
            !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'),
            "mtls.certificate_header",
            "must be a header name: letters, digits and `-`",
        )?;
        check(
            !from.is_empty(),
            "mtls.trusted_proxies",
            "must list the proxies that set the `certificate_header`, or any client could claim any certificate \
             (where no client can reach this app but through the proxy: [\"0.0.0.0/0\", \"::/0\"])",
        )?;
        Ok(Some(CertificateHeader { name: name.clone(), from }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_defaults_and_must_be_bare() {
        let settings = DpopConfig::default().settings("http://127.0.0.1:8000").unwrap();
        assert_eq!(settings.origin, "http://127.0.0.1:8000");
        let configured = DpopConfig { origin: Some("https://API.example.com:443/".into()), ..DpopConfig::default() };
        assert_eq!(configured.settings("unused").unwrap().origin, "https://api.example.com");
        for bad in ["https://api.example.com/v1", "ftp://api.example.com", "https://a.example?x=1", "api.example.com"] {
            let config = DpopConfig { origin: Some(bad.into()), ..DpopConfig::default() };
            assert_eq!(config.settings("unused").unwrap_err().key, "dpop.origin", "{bad}");
        }
    }

    #[test]
    fn nonces_need_a_long_secret_or_generate_one() {
        let short = DpopConfig { nonce: true, nonce_secret: Some("short".into()), ..DpopConfig::default() };
        assert_eq!(short.settings("http://127.0.0.1").unwrap_err().key, "dpop.nonce_secret");
        let generated = DpopConfig { nonce: true, ..DpopConfig::default() };
        let generated = generated.settings("http://127.0.0.1").unwrap().nonce_key.expect("generated");
        assert_eq!(generated.expose().len(), 43, "32 random bytes in base64url");
        assert_eq!(DpopConfig::default().settings("http://127.0.0.1").unwrap().nonce_key, None);
    }

    #[test]
    fn proof_algorithms_are_public_key_ones() {
        let hmac = DpopConfig { algorithms: Some(vec!["HS256".into()]), ..DpopConfig::default() };
        let error = hmac.settings("http://127.0.0.1").unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad `jwt_guard.dpop.algorithms`: `HS256` needs a shared secret, but DPoP proofs are signed with a client's private key"
        );
    }
}
