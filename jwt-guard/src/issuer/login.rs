//! Checking credentials: the [`Authenticator`] an app gives the built-in
//! issuer, and [`StaticUsers`], a fixed list for demos and tests.

use crate::issuer::issuing::Grant;

/// Checks a username and password, as Flask-JWT's `authentication_handler`.
///
/// Compare password hashes with a slow password hash (Argon2, scrypt,
/// bcrypt), and take as long for an unknown username as for a wrong
/// password (check the password against a fixed dummy hash then): a
/// quicker refusal tells an attacker which usernames exist. The built-in
/// issuer throttles failed logins, but cannot hide how long this takes.
///
/// ```
/// use jwt_guard::issuer::{Authenticator, Grant};
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

    /// The grant for a refresh of a session that `login` started: the
    /// user is asked again at each refresh. Answer `login` (the default),
    /// an updated grant (its `subject` is kept), or `None` to refuse: the
    /// refresh gets 400 `invalid_grant` and the session ends, as for a
    /// user disabled since.
    ///
    /// ```
    /// use jwt_guard::issuer::{Authenticator, Grant};
    ///
    /// struct Accounts;
    ///
    /// #[jwt_guard::async_trait]
    /// impl Authenticator for Accounts {
    ///     async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
    ///         (username == "ada" && password == "secret").then(|| Grant::new("ada").scopes(["read"]))
    ///     }
    ///
    ///     async fn refresh(&self, login: Grant) -> Option<Grant> {
    ///         // Look the user up: refuse a disabled one, grant today's scopes.
    ///         let disabled = false;
    ///         (!disabled).then(|| Grant::new(login.subject).scopes(["read", "write"]))
    ///     }
    /// }
    /// ```
    async fn refresh(&self, login: Grant) -> Option<Grant> {
        Some(login)
    }

    /// The account that `username` names, as failed logins are counted
    /// under it: every spelling of one account must give the same key, or
    /// each spelling would get its own allowance of guesses. The default
    /// trims white space and lower-cases (Unicode): `" User1"` and
    /// `"USER1"` are `"user1"`. An app whose usernames are case-sensitive,
    /// or that accepts an e-mail address and a username for one account,
    /// answers the account's own id.
    ///
    /// ```
    /// use jwt_guard::issuer::{Authenticator, Grant};
    ///
    /// struct Accounts;
    ///
    /// #[jwt_guard::async_trait]
    /// impl Authenticator for Accounts {
    ///     async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
    ///         (self.throttle_key(username) == "ada" && password == "secret").then(|| Grant::new("ada"))
    ///     }
    ///
    ///     fn throttle_key(&self, username: &str) -> String {
    ///         // `ada@example.com` is Ada too.
    ///         let name = username.trim().to_lowercase();
    ///         name.strip_suffix("@example.com").map(str::to_owned).unwrap_or(name)
    ///     }
    /// }
    ///
    /// assert_eq!(Accounts.throttle_key(" Ada@Example.com"), "ada");
    /// ```
    fn throttle_key(&self, username: &str) -> String {
        username.trim().to_lowercase()
    }
}

/// A shared authenticator is an authenticator.
#[async_trait::async_trait]
impl<T: Authenticator + ?Sized> Authenticator for std::sync::Arc<T> {
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
        (**self).authenticate(username, password).await
    }

    async fn refresh(&self, login: Grant) -> Option<Grant> {
        (**self).refresh(login).await
    }

    fn throttle_key(&self, username: &str) -> String {
        (**self).throttle_key(username)
    }
}

/// A fixed list of users with plain passwords. For demos and tests; a real
/// app stores password hashes.
///
/// A login takes the same time whoever tries it: the SHA-256 digests of
/// the username and the password are compared, in constant time, with
/// those of every user, with no early exit, so that neither an unknown
/// name nor a password's length shows in the timing.
///
/// ```
/// use jwt_guard::issuer::{Grant, StaticUsers};
///
/// let users = StaticUsers::new()
///     .user("user1", "abcxyz", Grant::new("user1").scopes(["read"]))
///     .user("user2", "abcxyz", Grant::new("user2").scopes(["read", "admin"]).claim("role", "admin"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticUsers {
    users: Vec<StaticUser>,
}

/// A user of [`StaticUsers`], by the digests of its credentials.
#[derive(Debug, Clone)]
struct StaticUser {
    username: Digest,
    password: Digest,
    grant: Grant,
}

/// A SHA-256 digest.
type Digest = [u8; 32];

fn digest(text: &str) -> Digest {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(digest.as_ref());
    bytes
}

impl StaticUsers {
    /// No users yet: every login is refused.
    ///
    /// ```
    /// use jwt_guard::issuer::{Authenticator, StaticUsers};
    ///
    /// # futures_util::FutureExt::now_or_never(async {
    /// let nobody = StaticUsers::new();
    /// assert_eq!(nobody.authenticate("admin", "admin").await, None);
    /// # }).unwrap();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user, who logs in with `username` and `password` and is
    /// granted `grant`.
    ///
    /// ```
    /// use jwt_guard::issuer::{Authenticator, Grant, StaticUsers};
    ///
    /// # futures_util::FutureExt::now_or_never(async {
    /// let grant = Grant::new("user-1").scopes(["read"]);
    /// let users = StaticUsers::new().user("ada", "correct horse", grant.clone());
    /// assert_eq!(users.authenticate("ada", "correct horse").await, Some(grant));
    /// assert_eq!(users.authenticate("ada", "Correct horse").await, None);
    /// # }).unwrap();
    /// ```
    pub fn user(mut self, username: &str, password: &str, grant: Grant) -> Self {
        self.users.push(StaticUser { username: digest(username), password: digest(password), grant });
        self
    }
}

#[async_trait::async_trait]
impl Authenticator for StaticUsers {
    async fn authenticate(&self, username: &str, password: &str) -> Option<Grant> {
        let (username, password) = (digest(username), digest(password));
        let same = |a: &Digest, b: &Digest| aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok();
        self.users
            .iter()
            .fold(None, |found, user| {
                let matches = same(&user.username, &username) & same(&user.password, &password);
                if matches { Some(&user.grant) } else { found }
            })
            .cloned()
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
