//! Checking credentials: the [`Authenticator`] an app gives the built-in
//! issuer, and [`StaticUsers`], a fixed list for demos and tests.

use crate::issuing::Grant;

/// Checks a username and password, as Flask-JWT's `authentication_handler`.
///
/// ```
/// use jwt_guard::{Authenticator, Grant};
///
/// struct Database;
///
/// #[jwt_guard::async_trait]
/// impl Authenticator for Database {
///     async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
///         // Look the user up and compare a password hash here.
///         (username == "ada" && password == "correct horse").then(|| Grant::new("user-1").scopes(["read"]))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The grant for these credentials, or `None` to refuse them (401).
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant>;
}

/// A fixed list of users with plain passwords, compared in constant time.
/// For demos and tests; a real app stores password hashes.
///
/// ```
/// use jwt_guard::{Grant, StaticUsers};
///
/// let users = StaticUsers::new()
///     .user("user1", "abcxyz", Grant::new("user1").scopes(["read"]))
///     .user("user2", "abcxyz", Grant::new("user2").scopes(["read", "admin"]).claim("role", "admin"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticUsers {
    users: Vec<(String, String, Grant)>,
}

impl StaticUsers {
    /// No users yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user.
    pub fn user(mut self, username: impl Into<String>, password: impl Into<String>, grant: Grant) -> Self {
        self.users.push((username.into(), password.into(), grant));
        self
    }
}

#[async_trait::async_trait]
impl Authenticator for StaticUsers {
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
        let (_, expected, grant) = self.users.iter().find(|(name, _, _)| name == username)?;
        aws_lc_rs::constant_time::verify_slices_are_equal(expected.as_bytes(), password.as_bytes()).ok()?;
        Some(grant.clone())
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;

    #[test]
    fn static_users_check_both_username_and_password() {
        let users = StaticUsers::new().user("user1", "abcxyz", Grant::new("user1"));
        let authenticate = |username, password| users.authenticate(username, password).now_or_never().unwrap();
        assert_eq!(authenticate("user1", "abcxyz").map(|grant| grant.subject), Some("user1".into()));
        assert_eq!(authenticate("user1", "abcxy"), None);
        assert_eq!(authenticate("user1", ""), None);
        assert_eq!(authenticate("user9", "abcxyz"), None);
    }
}
