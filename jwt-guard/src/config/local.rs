//! `[jwt_guard.local]`: the built-in issuer's configuration, and its
//! settings once checked, with its signing keys read or generated.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use super::Secret;
use super::checked::{Defaults, IssuerSettings};
use super::checks::{check, check_duration, check_issuer_identifier, is_route_base, networks};
use super::{Audience, DpopMode, ScopeClaim, TokenType, optional_seconds, seconds};
use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::error::ConfigError;
use crate::keys::signing::SigningKey;
use crate::keys::{KeyLocation, KeySet, RedirectPolicy};

/// The name of the built-in issuer.
pub const LOCAL_ISSUER: &str = "local";

/// What the built-in issuer's refresh tokens start with. Told apart by
/// it, one sent as an access token is refused at once, and never sent to
/// an issuer's introspection endpoint (no issuer's opaque tokens may
/// claim it); and a secret scanner finds them.
pub(crate) const REFRESH_TOKEN_PREFIX: &str = "jgrt_";

/// The built-in issuer: `[jwt_guard.local]`.
///
/// ```toml
/// [default.jwt_guard.local]
/// algorithm = "EdDSA"            # HS256 | HS384 | HS512 | RS256 | ES256 | EdDSA ...
/// key_file = "keys/signing.pem"  # PEM private key; or `secret = "..."` for HS*
/// issuer = "https://api.example.com"   # `iss` of minted tokens
/// audience = "https://api.example.com"
/// client_id = "https://api.example.com"   # `client_id` of minted tokens (RFC 9068)
/// expires_in = 300               # seconds (Flask-JWT default)
/// refresh_expires_in = 86400     # optional: sessions with rotating refresh tokens
/// refresh_idle_timeout = 3600    # optional: a session unused this long ends
/// refresh_reuse_grace = 0        # seconds a retired refresh token may be retried
/// login_throttle_after = 5       # failed logins before the next must wait (0: off)
/// login_throttle_longest = 900   # the longest wait, in seconds
/// trusted_proxies = []           # proxies whose `ip_header` names the client
/// not_before = 0                 # seconds added to iat for nbf
/// auth_path = "/auth"            # where the login route is mounted
/// username_key = "username"
/// password_key = "password"
/// ```
///
/// Without `key_file` or `secret`, a debug build generates a key at each
/// launch (tokens die with the process); a release build refuses to launch.
///
/// In code, from its defaults (it is `non_exhaustive`), changed field by
/// field:
///
/// ```
/// use std::time::Duration;
/// use jwt_guard::JwtGuard;
/// use jwt_guard::config::LocalIssuerConfig;
///
/// let fairing = JwtGuard::fairing().configure(|config| {
///     let mut local = LocalIssuerConfig::default();
///     local.key_file = Some("keys/signing.pem".into());
///     local.issuer = Some("https://api.example.com".into());
///     local.refresh_expires_in = Some(Duration::from_secs(86_400));
///     config.local = Some(local);
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LocalIssuerConfig {
    /// The signing algorithm. Default: `"EdDSA"`.
    pub algorithm: String,
    /// A PKCS#8 PEM private key for an asymmetric algorithm.
    pub key_file: Option<PathBuf>,
    /// The shared secret of an HMAC algorithm, at least as long as its hash.
    pub secret: Option<Secret>,
    /// Older keys, still published and accepted while their tokens live,
    /// so that `key_file` can be rotated without downtime.
    pub retired_key_files: Vec<PathBuf>,
    /// The `iss` of minted tokens. Default: the app's own address,
    /// `http://{address}:{port}` (`https://` where Rocket's `tls.certs` is
    /// set; `127.0.0.1` or `[::1]` where it listens on every address,
    /// `0.0.0.0` or `::`: set it to the URL clients reach then).
    pub issuer: Option<String>,
    /// The `aud` of minted tokens. Default: the app's `resource`, if set,
    /// else the issuer.
    pub audience: Option<String>,
    /// The `client_id` of minted tokens, which RFC 9068 requires of a JWT
    /// access token: the client that logs users in. Default: the
    /// audience, the API being its own login's client.
    pub client_id: Option<String>,
    /// Lifetime of access tokens. Default: `300`.
    #[serde(deserialize_with = "seconds")]
    pub expires_in: Duration,
    /// Seconds added to `iat` for `nbf`. Default: `0`.
    #[serde(deserialize_with = "seconds")]
    pub not_before: Duration,
    /// Lifetime of a login's refresh tokens (its session); none are
    /// issued without it.
    #[serde(deserialize_with = "optional_seconds")]
    pub refresh_expires_in: Option<Duration>,
    /// How long a session may go without a refresh: past it, its refresh
    /// token is refused and the session ended (RFC 9700 section 4.14.2),
    /// while `refresh_expires_in` bounds the session whatever its use.
    /// Default: none.
    #[serde(deserialize_with = "optional_seconds")]
    pub refresh_idle_timeout: Option<Duration>,
    /// How long after a refresh the refresh token it retired may be
    /// presented again (a client retrying a refresh whose answer it lost),
    /// as Auth0's reuse interval. Past it, a retired token revokes its
    /// whole session. Default: `0`, no retry.
    #[serde(deserialize_with = "seconds")]
    pub refresh_reuse_grace: Duration,
    /// Failed logins in a row, for a username or from one client address,
    /// before the next attempt must wait: 1 s, doubling with each further
    /// failure (429 with `Retry-After`). `0` turns throttling off.
    /// Default: `5`.
    pub login_throttle_after: u32,
    /// The longest wait between two attempts, in seconds; failures are
    /// forgotten twice this long after the last one. Default: `900` (so
    /// failures are forgotten after 1800 s).
    #[serde(deserialize_with = "seconds")]
    pub login_throttle_longest: Duration,
    /// The proxies whose word on the client's address is believed:
    /// addresses (`"10.0.0.7"`) or networks (`"10.0.0.0/8"`). A login from
    /// one of them is counted under the address in Rocket's `ip_header`
    /// (`X-Real-IP` by default), which the proxy must set to the client's
    /// address, overwriting whatever the client sent (a login through it
    /// whose header is not one address is counted by account only); any
    /// other is counted under the address of its connection, whatever its
    /// headers say, so a client cannot choose the address it is counted
    /// under. Default: none.
    pub trusted_proxies: Vec<String>,
    /// Where the login route is mounted. Default: `"/auth"`.
    pub auth_path: String,
    /// The username's member in the login body. Default: `"username"`.
    pub username_key: String,
    /// The password's member in the login body. Default: `"password"`.
    pub password_key: String,
}

impl Default for LocalIssuerConfig {
    fn default() -> Self {
        Self {
            algorithm: "EdDSA".into(),
            key_file: None,
            secret: None,
            retired_key_files: Vec::new(),
            issuer: None,
            audience: None,
            client_id: None,
            expires_in: Duration::from_secs(300),
            not_before: Duration::ZERO,
            refresh_expires_in: None,
            refresh_idle_timeout: None,
            refresh_reuse_grace: Duration::ZERO,
            login_throttle_after: 5,
            login_throttle_longest: Duration::from_secs(900),
            trusted_proxies: Vec::new(),
            auth_path: "/auth".into(),
            username_key: "username".into(),
            password_key: "password".into(),
        }
    }
}

/// The built-in issuer's settings after every check, its keys loaded.
#[derive(Debug)]
pub(crate) struct LocalIssuerSettings {
    /// The `iss` of its tokens.
    pub(crate) issuer: String,
    /// The `aud` of its tokens.
    pub(crate) audience: String,
    /// The `client_id` of its tokens.
    pub(crate) client_id: String,
    /// Lifetime of access tokens.
    pub(crate) expires_in: Duration,
    /// Added to `iat` for `nbf`.
    pub(crate) not_before: Duration,
    /// Lifetime of refresh tokens, if they are issued.
    pub(crate) refresh_expires_in: Option<Duration>,
    /// How long a retired refresh token may be retried.
    pub(crate) refresh_reuse_grace: Duration,
    /// How long a session may go without a refresh, if bounded.
    pub(crate) refresh_idle_timeout: Option<Duration>,
    /// Failed logins before throttling; `0` for none.
    pub(crate) login_throttle_after: u32,
    /// The longest wait between two login attempts.
    pub(crate) login_throttle_longest: Duration,
    /// The proxies whose `ip_header` names the client.
    #[cfg_attr(not(feature = "rocket"), allow(dead_code, reason = "read by the Rocket wing"))]
    pub(crate) trusted_proxies: Vec<IpNet>,
    /// The key that signs.
    pub(crate) signing: SigningKey,
    /// Older keys, still published and accepted.
    pub(crate) retired: Vec<SigningKey>,
    /// Where the login routes are mounted.
    pub(crate) auth_path: String,
    /// The username's member in the login body.
    pub(crate) username_key: String,
    /// The password's member in the login body.
    pub(crate) password_key: String,
}

impl LocalIssuerConfig {
    /// Checks every value, naming the first bad one, and reads or, where
    /// `defaults` allow, generates the signing key.
    /// `resource`, the API's identifier if set, is the default audience.
    pub(crate) fn settings(
        &self,
        defaults: Defaults<'_>,
        resource: Option<&str>,
    ) -> Result<LocalIssuerSettings, ConfigError> {
        check(
            is_route_base(&self.auth_path),
            "local.auth_path",
            "must be a path such as `/auth`: a leading `/`, then segments of letters, digits, `-`, `.`, `_` or `~` \
             separated by single slashes, with no trailing slash",
        )?;
        // Issued times are whole seconds: a lifetime under one would be none.
        let at_least_a_second = |duration: Duration, key: &str| {
            check_duration(duration, key, true)?;
            check(duration >= Duration::from_secs(1), key, "must be at least 1 second")
        };
        at_least_a_second(self.expires_in, "local.expires_in")?;
        check_duration(self.not_before, "local.not_before", false)?;
        check(
            self.not_before < self.expires_in,
            "local.not_before",
            "must be shorter than `expires_in`: a token valid from after it expires is never valid",
        )?;
        if let Some(lifetime) = self.refresh_expires_in {
            at_least_a_second(lifetime, "local.refresh_expires_in")?;
        }
        if let Some(idle) = self.refresh_idle_timeout {
            at_least_a_second(idle, "local.refresh_idle_timeout")?;
            check(
                self.refresh_expires_in.is_some_and(|lifetime| idle < lifetime),
                "local.refresh_idle_timeout",
                "must be shorter than `refresh_expires_in`, which sessions need: a longer one would end none",
            )?;
        }
        check_duration(self.refresh_reuse_grace, "local.refresh_reuse_grace", false)?;
        check(
            self.refresh_reuse_grace <= Duration::from_secs(60),
            "local.refresh_reuse_grace",
            "must be at most 60 seconds: it is meant for a client's retry, not a second use",
        )?;
        at_least_a_second(self.login_throttle_longest, "local.login_throttle_longest")?;
        check(!self.username_key.is_empty(), "local.username_key", "must not be empty")?;
        check(!self.password_key.is_empty(), "local.password_key", "must not be empty")?;
        let alg: Algorithm = self.algorithm.parse().map_err(|_| {
            error("algorithm", format!("unknown algorithm `{}`; use EdDSA, ES256, RS256 or HS256", self.algorithm))
        })?;
        let retired = self
            .retired_key_files
            .iter()
            .map(|path| {
                SigningKey::from_pem(alg, &read(path, "retired_key_files")?)
                    .map_err(|problem| error("retired_key_files", problem.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let trusted_proxies = networks(&self.trusted_proxies, "local.trusted_proxies")?;
        if let Some(issuer) = &self.issuer {
            check_issuer_identifier(issuer, "local.issuer")?;
            check(
                reqwest::Url::parse(issuer).is_ok_and(|url| matches!(url.scheme(), "https" | "http")),
                "local.issuer",
                "must be the API's own `https://` URL (or `http://`), such as `https://api.example.com`",
            )?;
        }
        if let Some(audience) = &self.audience {
            check(!audience.is_empty(), "local.audience", "must not be empty")?;
        }
        if let Some(client_id) = &self.client_id {
            check(!client_id.is_empty(), "local.client_id", "must not be empty")?;
        }
        let issuer = self.issuer.clone().unwrap_or_else(|| defaults.own_address.to_owned());
        let audience = self.audience.clone().or_else(|| resource.map(str::to_owned)).unwrap_or_else(|| issuer.clone());
        Ok(LocalIssuerSettings {
            client_id: self.client_id.clone().unwrap_or_else(|| audience.clone()),
            audience,
            issuer,
            expires_in: self.expires_in,
            not_before: self.not_before,
            refresh_expires_in: self.refresh_expires_in,
            refresh_reuse_grace: self.refresh_reuse_grace,
            refresh_idle_timeout: self.refresh_idle_timeout,
            login_throttle_after: self.login_throttle_after,
            login_throttle_longest: self.login_throttle_longest,
            trusted_proxies,
            signing: self.signing_key(alg, defaults.debug_build)?,
            retired,
            auth_path: self.auth_path.clone(),
            username_key: self.username_key.clone(),
            password_key: self.password_key.clone(),
        })
    }

    /// The key of `key_file` or `secret`; without either, a fresh one if
    /// `allow_ephemeral`.
    fn signing_key(&self, alg: Algorithm, allow_ephemeral: bool) -> Result<SigningKey, ConfigError> {
        let key = match (&self.key_file, &self.secret) {
            (Some(_), Some(_)) => return Err(error("secret", "give `key_file` or `secret`, not both".into())),
            (Some(path), None) => SigningKey::from_pem(alg, &read(path, "key_file")?),
            (None, Some(secret)) => SigningKey::from_secret(alg, secret.expose().as_bytes()),
            (None, None) if allow_ephemeral => {
                log::warn!(
                    "jwt-guard: ***** the local issuer has no key: using a fresh {alg} key for this run only; \
                     tokens die with the process. Set `key_file` or `secret` in `[jwt_guard.local]` *****"
                );
                SigningKey::generate(alg)
            }
            (None, None) => {
                return Err(error(
                    "key_file",
                    "a release build needs a signing key: set `key_file` to a PKCS#8 PEM private key \
                     (`openssl genpkey -algorithm ED25519 -out signing.pem`) or, for HS256, `secret`"
                        .into(),
                ));
            }
        };
        key.map_err(|problem| error(if self.secret.is_some() { "secret" } else { "key_file" }, problem.to_string()))
    }
}

impl LocalIssuerSettings {
    /// The built-in issuer as the verifier trusts it, under the name
    /// `local`: its own keys, its algorithm, and `at+jwt` access tokens.
    pub(crate) fn issuer_settings(&self) -> IssuerSettings {
        let keys = std::iter::once(&self.signing).chain(&self.retired).map(SigningKey::verifying_key).collect();
        IssuerSettings {
            name: LOCAL_ISSUER.to_owned(),
            issuer: self.issuer.clone(),
            aliases: Vec::new(),
            audience: Audience::OneOf(vec![self.audience.clone()]),
            keys: KeyLocation::Inline(KeySet::new(keys)),
            algorithms: AlgorithmSet::only(self.signing.algorithm()),
            scope_claim: ScopeClaim::Scope,
            roles: vec![vec!["roles".into()]],
            redirects: RedirectPolicy { hosts: Vec::new(), allow_http: false },
            token_type: Some(TokenType::AtJwt),
            max_lifetime: None,
            required_claims: Vec::new(),
            dpop: DpopMode::Allowed,
            introspection: None,
            tenants: None,
            jwks_uri_template: None,
            logout_client_id: None,
        }
    }
}

/// The error that `local.{key}` has `problem`.
fn error(key: &str, problem: String) -> ConfigError {
    ConfigError { key: format!("local.{key}"), problem }
}

/// The contents of the file at `path`, the value of `local.{key}`.
fn read(path: &Path, key: &str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|io| error(key, format!("cannot read {}: {io}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBUG: Defaults<'static> = Defaults { debug_build: true, ..Defaults::STANDALONE };
    const RELEASE: Defaults<'static> = Defaults { debug_build: false, ..DEBUG };

    #[test]
    fn without_a_key_only_a_debug_build_generates_one() {
        let config = LocalIssuerConfig::default();
        let error = config.settings(RELEASE, None).unwrap_err();
        assert_eq!(error.key, "local.key_file");
        assert!(error.problem.starts_with("a release build needs a signing key: set `key_file`"), "{error}");
        let generated = config.settings(DEBUG, None).unwrap();
        assert_eq!((generated.issuer.as_str(), generated.audience.as_str()), (DEBUG.own_address, DEBUG.own_address));
    }

    #[test]
    fn short_secrets_and_unknown_algorithms_are_refused() {
        let config =
            LocalIssuerConfig { algorithm: "HS256".into(), secret: Some("too short".into()), ..Default::default() };
        let error = config.settings(DEBUG, None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad `jwt_guard.local.secret`: a HS256 secret needs at least 32 bytes; this one has 9"
        );
        let config = LocalIssuerConfig { algorithm: "none".into(), ..Default::default() };
        assert_eq!(config.settings(DEBUG, None).unwrap_err().key, "local.algorithm");
    }

    #[test]
    fn only_static_paths_are_route_bases() {
        for good in ["/", "/auth", "/api/v1/auth", "/a-b_c.d~e"] {
            assert!(is_route_base(good), "{good}");
        }
        for bad in ["", "auth", "/<x>", "/auth/", "//auth", "/a//b", "/a?b", "/a#b", "/a b", "/é", "/..", "/a/./b"] {
            assert!(!is_route_base(bad), "{bad}");
        }
    }
}
