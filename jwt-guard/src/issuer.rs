//! The built-in issuer, for apps that log their own users in: what a login
//! grants, the tokens it signs, the sessions and refresh tokens it keeps
//! in the token store, and the checks of credentials.
//!
#![doc = include_str!("../docs/built-in-issuer.md")]

pub(crate) mod issuing;
pub(crate) mod login;
pub(crate) mod session_error;

pub use crate::keys::signing::{SigningKey, SigningKeyError};
pub use issuing::{Grant, IssuedTokens, LocalIssuer};
pub use login::{Authenticator, StaticUsers};
pub use session_error::{RefreshRefusal, SessionError};
