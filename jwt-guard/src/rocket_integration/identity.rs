//! [`CurrentUser`]: the app's own user for the request's token, loaded
//! once per request (Flask-JWT's `identity_handler` and `current_identity`).

use std::ops::Deref;

use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::acceptance::note_accepted;
use super::request_guards::{fairing_missing, verify_once};
use crate::error::{AuthError, TokenProblem};
use crate::token::Token;

/// Turns a verified token into the app's user, typically by a database
/// lookup. `request` gives access to other guards, such as a connection.
///
/// ```
/// use jwt_guard::{LoadIdentity, Token};
/// use rocket::Request;
///
/// struct User {
///     id: String,
/// }
///
/// #[jwt_guard::async_trait]
/// impl LoadIdentity for User {
///     async fn load(token: &Token, _request: &Request<'_>) -> Option<Self> {
///         let id = token.subject()?;
///         // Look the user up here; `None` if they no longer exist.
///         Some(User { id: id.to_owned() })
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait LoadIdentity: Sized + Send + Sync + 'static {
    /// The user the token speaks for, or `None` if there is none (401).
    async fn load(token: &Token, request: &Request<'_>) -> Option<Self>;
}

/// The request's user, loaded by `U`'s [`LoadIdentity`].
///
/// # Outcomes
///
/// Those of [`Token`], and **Error** `401` `invalid_token` ("the token's
/// subject no longer exists") when the loader finds no user.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// # use jwt_guard::{LoadIdentity, Token};
/// # struct User { name: String }
/// # #[jwt_guard::async_trait]
/// # impl LoadIdentity for User {
/// #     async fn load(token: &Token, _: &rocket::Request<'_>) -> Option<Self> {
/// #         Some(User { name: token.subject()?.to_owned() })
/// #     }
/// # }
/// use jwt_guard::CurrentUser;
///
/// #[get("/profile")]
/// fn profile(user: CurrentUser<User>) -> String {
///     format!("hello, {}", user.name)
/// }
/// ```
#[derive(Debug)]
pub struct CurrentUser<U>(U);

impl<U> CurrentUser<U> {
    /// The user, out of the guard.
    ///
    /// ```
    /// # #[macro_use] extern crate rocket;
    /// # use jwt_guard::{LoadIdentity, Token};
    /// # struct User { name: String }
    /// # #[jwt_guard::async_trait]
    /// # impl LoadIdentity for User {
    /// #     async fn load(token: &Token, _: &rocket::Request<'_>) -> Option<Self> {
    /// #         Some(User { name: token.subject()?.to_owned() })
    /// #     }
    /// # }
    /// use jwt_guard::CurrentUser;
    ///
    /// /// Takes the user by value: an audit record keeps it past the request.
    /// fn audit(user: User, action: String) -> String { format!("{}: {action}", user.name) }
    ///
    /// #[delete("/reports/<id>")]
    /// fn delete_report(user: CurrentUser<User>, id: u32) -> String {
    ///     audit(user.into_inner(), format!("deleted report {id}"))
    /// }
    /// # use jwt_guard::{JwtGuard, config::LocalIssuerConfig, issuer::Grant};
    /// # rocket::async_test(async {
    /// # let fairing = JwtGuard::fairing().configure(|config| config.local = Some(LocalIssuerConfig::default()));
    /// # let rocket = rocket::build().attach(fairing).mount("/", routes![delete_report]);
    /// # let client = rocket::local::asynchronous::Client::tracked(rocket).await.unwrap();
    /// # let issuer = client.rocket().state::<JwtGuard>().unwrap().local_issuer().unwrap();
    /// # let token = issuer.issue(&Grant::new("ada")).unwrap().access_token;
    /// # let bearer = rocket::http::Header::new("Authorization", format!("Bearer {token}"));
    /// # let response = client.delete("/reports/7").header(bearer).dispatch().await;
    /// assert_eq!(response.into_string().await.unwrap(), "ada: deleted report 7");
    /// # });
    /// ```
    pub fn into_inner(self) -> U {
        self.0
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

#[rocket::async_trait]
impl<'r, U: LoadIdentity> FromRequest<'r> for CurrentUser<U> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        // Accepted once its user is found, as `Claims<T>` is.
        let token = match verify_once(request).await {
            Ok(token) => token,
            Err(error) => return error.fail(request),
        };
        match U::load(&token, request).await {
            Some(user) => {
                note_accepted(request);
                Outcome::Success(CurrentUser(user))
            }
            None => AuthError::from(TokenProblem::UnknownSubject).fail(request),
        }
    }
}

/// Without `JwtGuard::fairing()`, a route with this guard stops the
/// launch, as one with [`Token`] does.
impl<U> Sentinel for CurrentUser<U> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        fairing_missing(rocket)
    }
}
