//! `[jwt_guard.local]`: the built-in issuer's settings.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{check, check_duration, optional_seconds, seconds};
use crate::error::ConfigError;

/// The name of the built-in issuer.
pub const LOCAL_ISSUER: &str = "local";

/// The built-in issuer: `[jwt_guard.local]`.
///
/// ```toml
/// [default.jwt_guard.local]
/// algorithm = "EdDSA"            # HS256 | HS384 | HS512 | RS256 | ES256 | EdDSA ...
/// key_file = "keys/signing.pem"  # PEM private key; or `secret = "..."` for HS*
/// issuer = "https://api.example.com"   # `iss` of minted tokens
/// audience = "https://api.example.com"
/// expires_in = 300               # seconds (Flask-JWT default)
/// not_before = 0                 # seconds added to iat for nbf
/// auth_path = "/auth"            # where the login route is mounted
/// username_key = "username"
/// password_key = "password"
/// ```
///
/// Without `key_file` or `secret`, a debug build generates a key at each
/// launch (tokens die with the process); a release build refuses to launch.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct LocalIssuerConfig {
    /// The signing algorithm. Default: `"EdDSA"`.
    pub algorithm: String,
    /// A PKCS#8 PEM private key for an asymmetric algorithm.
    pub key_file: Option<PathBuf>,
    /// The shared secret of an HMAC algorithm, at least as long as its hash.
    pub secret: Option<String>,
    /// Older keys, still published and accepted while their tokens live,
    /// so that `key_file` can be rotated without downtime.
    pub retired_key_files: Vec<PathBuf>,
    /// The `iss` of minted tokens. Default: the app's own address,
    /// `http://{address}:{port}`.
    pub issuer: Option<String>,
    /// The `aud` of minted tokens. Default: the issuer.
    pub audience: Option<String>,
    /// Lifetime of access tokens. Default: `300`.
    #[serde(deserialize_with = "seconds")]
    pub expires_in: Duration,
    /// Seconds added to `iat` for `nbf`. Default: `0`.
    #[serde(deserialize_with = "seconds")]
    pub not_before: Duration,
    /// Lifetime of refresh tokens; none are issued without it.
    #[serde(deserialize_with = "optional_seconds")]
    pub refresh_expires_in: Option<Duration>,
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
            expires_in: Duration::from_secs(300),
            not_before: Duration::ZERO,
            refresh_expires_in: None,
            auth_path: "/auth".into(),
            username_key: "username".into(),
            password_key: "password".into(),
        }
    }
}

impl LocalIssuerConfig {
    /// Checks the values that need no key file, naming the first bad one.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        check(
            is_route_base(&self.auth_path),
            "local.auth_path",
            "must be a path such as `/auth`: a leading `/`, then segments of letters, digits, `-`, `.`, `_` or `~` \
             separated by single slashes, with no trailing slash",
        )?;
        check_duration(self.expires_in, "local.expires_in", true)?;
        check_duration(self.not_before, "local.not_before", false)?;
        if let Some(lifetime) = self.refresh_expires_in {
            check_duration(lifetime, "local.refresh_expires_in", true)?;
        }
        check(!self.username_key.is_empty(), "local.username_key", "must not be empty")?;
        check(!self.password_key.is_empty(), "local.password_key", "must not be empty")
    }
}

/// Whether `path` can be mounted as a route base: `/`, or segments of
/// unreserved characters after single slashes, none of them `.` or `..`.
/// Rocket panics on bases that are not origin URIs, and `<...>` would be a
/// dynamic segment.
fn is_route_base(path: &str) -> bool {
    let Some(segments) = path.strip_prefix('/') else { return false };
    segments.is_empty()
        || segments.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
