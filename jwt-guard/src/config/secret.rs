//! [`Secret`]: configuration text that must never be printed.

use std::fmt;

use serde::Deserialize;

/// A secret of the configuration: the built-in issuer's HMAC `secret`, an
/// issuer's introspection `client_secret`, the DPoP `nonce_secret`.
///
/// Its `Debug` never shows the value, so a configuration printed in a log
/// line or a panic leaks nothing:
///
/// ```
/// use jwt_guard::config::Secret;
///
/// let secret = Secret::new("correct horse battery staple, at length");
/// assert_eq!(format!("{secret:?}"), r#"Secret("***")"#);
/// assert_eq!(secret.expose(), "correct horse battery staple, at length");
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A secret holding `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's value, for the code that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(r#"Secret("***")"#)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}
