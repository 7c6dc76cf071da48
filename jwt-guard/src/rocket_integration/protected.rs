//! The hidden request guard that `#[protected]` adds to a handler, and
//! its launch check.

use std::marker::PhantomData;

use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::{Ignite, Rocket, Sentinel};

use super::request_guards::{enforce, fairing_missing};
use super::route_policies::{RoutePolicies, policy_usable};
use crate::error::AuthError;
use crate::guard::JwtGuard;
use crate::policy::{CompiledPolicy, RoutePolicy};

/// Verifies the token and evaluates `P` before the handler runs.
///
/// `#[protected]` adds a parameter of this type to the handler; it is not
/// meant to be named by users.
#[doc(hidden)]
#[derive(Debug)]
pub struct Protected<P>(PhantomData<P>);

#[rocket::async_trait]
impl<'r, P: RoutePolicy> FromRequest<'r> for Protected<P> {
    type Error = AuthError;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthError> {
        match enforce::<P>(request).await {
            Ok(()) => Outcome::Success(Protected(PhantomData)),
            Err(error) => Outcome::Error((error.record(request, CompiledPolicy::of::<P>().first_scopes()), error)),
        }
    }
}

/// Stops the launch unless `P` can be enforced in the app, and declares
/// `P` as the policy of its route, for the API's descriptions.
impl<P: RoutePolicy> Sentinel for Protected<P> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        if fairing_missing(rocket) {
            return true;
        }
        let (Some(guard), Some(policies)) = (rocket.state::<JwtGuard>(), rocket.state::<RoutePolicies>()) else {
            return true;
        };
        let policy = CompiledPolicy::of::<P>();
        policies.declare(P::ROUTE, P::METHOD, P::PATH, policy);
        !policy_usable(guard.verifier(), P::ROUTE, &policy)
    }
}
