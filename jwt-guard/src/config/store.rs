//! `[jwt_guard.store]`: where token state (revocations, sessions, failed
//! logins) is kept, and opening it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::LocalIssuerConfig;
use super::checks::check;
use crate::error::ConfigError;
use crate::store::{MemoryStore, TokenStore};

/// The file of the SQLite store when the configuration names none.
///
/// ```
/// use std::path::Path;
/// use jwt_guard::config::{Config, DEFAULT_STORE_PATH};
///
/// /// The file that the app's backup job copies, where the built-in issuer
/// /// has a persistent key (`key_file` or `secret`).
/// fn state_file(config: &Config) -> &Path {
///     config.store.path.as_deref().unwrap_or(Path::new(DEFAULT_STORE_PATH))
/// }
/// // In the app's working directory, unless `[jwt_guard.store] path` says otherwise:
/// assert_eq!(state_file(&Config::default()), Path::new("jwt-guard.db"));
/// ```
pub const DEFAULT_STORE_PATH: &str = "jwt-guard.db";

/// Where token state is kept: `[jwt_guard.store]`.
///
/// ```toml
/// [default.jwt_guard.store]
/// path = "jwt-guard.db"              # an SQLite file (feature `sqlite`, on by default)
/// # url = "redis://127.0.0.1:6379/"  # or Redis, shared by a fleet (feature `redis`)
/// refuse_until_loaded = false        # true: 503 for every token until the revocations are loaded
/// ```
///
/// Without either, the state is kept in the SQLite file `jwt-guard.db`
/// when the built-in issuer has a persistent key (`key_file` or
/// `secret`) and the `sqlite` feature is on, so a restarted app forgets
/// nothing; otherwise in memory.
///
/// Its `Debug` hides the password of the Redis URL. In code, as the
/// other tables are:
///
/// ```
/// use jwt_guard::{JwtGuard, config::{Config, IssuerConfig}};
///
/// let mut config = Config::default();
/// # config.issuers.insert("idp".into(), IssuerConfig::new("https://idp.example.com/", "api"));
/// config.store.url = Some("redis://:s3cret@redis.internal:6379/0".into());
/// assert!(!format!("{:?}", config.store).contains("s3cret"), "safe to log");
/// config.store.path = Some("/var/lib/api/jwt-guard.db".into());
/// let refused = JwtGuard::from_config(config).unwrap_err();
/// assert_eq!((refused.key.as_str(), refused.problem.as_str()), ("store", "give `path` or `url`, not both"));
/// ```
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct StoreConfig {
    /// An SQLite file, created if missing.
    pub path: Option<PathBuf>,
    /// A Redis URL: `redis://host:port/db`, or `rediss://` for TLS, whose
    /// server's certificate is checked against the system's CA
    /// certificates, or `ca_file`'s.
    pub url: Option<String>,
    /// With a `rediss://` url: a PEM file of the CA certificates that the
    /// server's certificate is checked against instead of the system's
    /// (a Redis with a certificate of a private CA). Default: none.
    pub ca_file: Option<PathBuf>,
    /// Whether an instance that cannot load the store's revocations as it
    /// starts refuses every token, with 503 `temporarily_unavailable` and
    /// `Retry-After`, until it has loaded them, rather than accept tokens
    /// revoked before it started (sessions ended, users logged out at
    /// their identity provider). Once loaded, a store that is lost again
    /// leaves the revocations held in force either way. Default: `false`:
    /// an API that starts while its store is away serves, as one whose
    /// store goes away does.
    pub refuse_until_loaded: bool,
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.url.as_deref().map(without_password);
        formatter
            .debug_struct("StoreConfig")
            .field("path", &self.path)
            .field("url", &url)
            .field("ca_file", &self.ca_file)
            .field("refuse_until_loaded", &self.refuse_until_loaded)
            .finish()
    }
}

/// Where token state is kept, after checks.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoreSettings {
    /// In this process only.
    Memory,
    /// In an SQLite file.
    Sqlite(PathBuf),
    /// In Redis at `url`, trusting the CA certificates of `ca_file` if
    /// given.
    Redis { url: String, ca_file: Option<PathBuf> },
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => formatter.write_str("Memory"),
            Self::Sqlite(path) => formatter.debug_tuple("Sqlite").field(path).finish(),
            Self::Redis { url, ca_file } => {
                formatter.debug_struct("Redis").field("url", &without_password(url)).field("ca_file", ca_file).finish()
            }
        }
    }
}

/// `url` with its password, if it has one, as `***`: the user's, or a
/// `pass` in the query (redis-rs reads one from a Unix socket's URL). One
/// that does not parse is all hidden, for it may hold one all the same.
fn without_password(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else { return "***".to_owned() };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    let secret = |name: &str| matches!(name, "pass" | "password");
    if parsed.query_pairs().any(|(name, _)| secret(&name)) {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let value = if secret(&name) { "***".to_owned() } else { value.into_owned() };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

impl StoreConfig {
    /// The store to keep state in, for an app whose built-in issuer, if
    /// any, is configured by `local`.
    pub(crate) fn settings(&self, local: Option<&LocalIssuerConfig>) -> Result<StoreSettings, ConfigError> {
        let persistent_key = local.is_some_and(|local| local.key_file.is_some() || local.secret.is_some());
        match (&self.path, &self.url) {
            (Some(_), Some(_)) => {
                Err(ConfigError { key: "store".into(), problem: "give `path` or `url`, not both".into() })
            }
            (None, Some(url)) => {
                check(cfg!(feature = "redis"), "store.url", "needs jwt-guard's `redis` feature")?;
                check(
                    url.starts_with("redis://") || url.starts_with("rediss://"),
                    "store.url",
                    "must be a `redis://` or `rediss://` URL",
                )?;
                check(
                    self.ca_file.is_none() || url.starts_with("rediss://"),
                    "store.ca_file",
                    "goes with a `rediss://` url, over TLS",
                )?;
                Ok(StoreSettings::Redis { url: url.clone(), ca_file: self.ca_file.clone() })
            }
            (_, None) if self.ca_file.is_some() => Err(ConfigError {
                key: "store.ca_file".into(),
                problem: "goes with a `rediss://` url, over TLS".into(),
            }),
            (Some(path), None) => {
                check(cfg!(feature = "sqlite"), "store.path", "needs jwt-guard's `sqlite` feature")?;
                check(!path.as_os_str().is_empty(), "store.path", "must not be empty")?;
                Ok(StoreSettings::Sqlite(path.clone()))
            }
            (None, None) if persistent_key && cfg!(feature = "sqlite") => {
                Ok(StoreSettings::Sqlite(DEFAULT_STORE_PATH.into()))
            }
            (None, None) => Ok(StoreSettings::Memory),
        }
    }
}

/// The error of a store that cannot be opened, by its key.
#[cfg(any(feature = "sqlite", feature = "redis"))]
fn unopened(key: &str, error: crate::store::StoreError) -> ConfigError {
    ConfigError { key: key.into(), problem: error.0 }
}

impl StoreSettings {
    /// Opens the store.
    pub(crate) fn open(&self) -> Result<Arc<dyn TokenStore>, ConfigError> {
        Ok(match self {
            Self::Memory => Arc::new(MemoryStore::new()),
            #[cfg(feature = "sqlite")]
            Self::Sqlite(path) => {
                Arc::new(crate::store::SqliteStore::open(path).map_err(|error| unopened("store.path", error))?)
            }
            #[cfg(feature = "redis")]
            Self::Redis { url, ca_file: None } => {
                Arc::new(crate::store::RedisStore::open(url).map_err(|error| unopened("store.url", error))?)
            }
            #[cfg(feature = "redis")]
            Self::Redis { url, ca_file: Some(path) } => {
                let ca_pem = std::fs::read(path).map_err(|error| ConfigError {
                    key: "store.ca_file".into(),
                    problem: format!("cannot be read: {error}"),
                })?;
                Arc::new(
                    crate::store::RedisStore::open_trusting(url, &ca_pem)
                        .map_err(|error| unopened("store.ca_file", error))?,
                )
            }
            #[allow(unreachable_patterns, reason = "a backend is missing only when its feature is")]
            _ => {
                let problem = "names a store whose feature this build lacks".to_owned();
                return Err(ConfigError { key: "store".into(), problem });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password_of_a_redis_url() {
        let url = "redis://app:redis-password-secret@127.0.0.1:6379/0";
        let config = StoreConfig { url: Some(url.into()), ..StoreConfig::default() };
        let printed = [format!("{config:?}"), format!("{:?}", StoreSettings::Redis { url: url.into(), ca_file: None })];
        for text in &printed {
            assert!(!text.contains("redis-password-secret"), "{text}");
            assert!(text.contains("redis://app:***@127.0.0.1:6379/0"), "{text}");
        }
        let unparsed = StoreConfig { url: Some("redis://app:pa ss@bad host/".into()), ..StoreConfig::default() };
        assert!(!format!("{unparsed:?}").contains("pa ss"));
        let socket = StoreConfig {
            url: Some("redis+unix:///run/redis.sock?db=2&pass=socket-secret".into()),
            ..StoreConfig::default()
        };
        let printed = format!("{socket:?}");
        assert!(!printed.contains("socket-secret") && printed.contains("db=2"), "{printed}");
    }

    #[test]
    fn a_ca_file_goes_with_redis_over_tls_only() {
        let with = |url: Option<&str>| StoreConfig {
            url: url.map(Into::into),
            ca_file: Some("redis-ca.pem".into()),
            ..StoreConfig::default()
        };
        let problem = "bad `jwt_guard.store.ca_file`: goes with a `rediss://` url, over TLS";
        assert_eq!(with(None).settings(None).unwrap_err().to_string(), problem);
        if cfg!(feature = "redis") {
            assert_eq!(with(Some("redis://127.0.0.1:6379/")).settings(None).unwrap_err().to_string(), problem);
            let settings = with(Some("rediss://127.0.0.1:6380/")).settings(None).unwrap();
            assert!(matches!(settings, StoreSettings::Redis { ca_file: Some(_), .. }));
        }
    }
}
