//! What [`#[protected]`](crate::protected), [`policy!`](crate::policy!) and
//! [`protect`](crate::protect) check. [`RoutePolicy`] is the sealed trait
//! the macros implement; the reason for a refusal is
//! [`error::Denial`](crate::error::Denial).
//!
//! A policy is compiled into Rust code at build time: the scopes, claims,
//! issuers and checks it names become direct comparisons, so nothing is
//! parsed per request and nothing is allocated when a token passes.
//!
#![doc = include_str!("../docs/policies.md")]

use std::future::Future;

use crate::error::AuthError;
use crate::token::Token;

/// A policy compiled by `#[protected]` or `policy!`.
///
/// Implemented by the macros only (it is sealed), and never called by the
/// app: its items are hidden from docs. An app names it only as a bound,
/// to return a policy of [`policy!`](crate::policy!) from a function:
/// `fn administrators() -> Policy<impl RoutePolicy>` (see
/// [`Policy`](crate::Policy)).
pub trait RoutePolicy: sealed::Sealed + Send + Sync + 'static {
    /// What the policy protects, for log lines: the handler's name, or
    /// `group` for a policy of `protect`.
    #[doc(hidden)]
    const ROUTE: &'static str;
    /// The method of the route, as its attribute declares it (`GET`);
    /// empty for a group's policy.
    #[doc(hidden)]
    const METHOD: &'static str;
    /// The path of the route, as its attribute declares it (`/items/<id>`);
    /// empty for a group's policy.
    #[doc(hidden)]
    const PATH: &'static str;
    /// The policy in readable form.
    #[doc(hidden)]
    const DESCRIPTION: &'static str;
    /// The issuers the policy names; each must be configured.
    #[doc(hidden)]
    const ISSUERS: &'static [&'static str];
    /// The ways a token can meet the policy as far as its issuer and
    /// scopes go; any one will do (`any(...)` and `any_scope(...)` give
    /// several). One way that needs nothing when the policy names no scope
    /// and no issuer. What protected-resource metadata, challenges and
    /// OpenAPI documents say a route needs.
    #[doc(hidden)]
    const WAYS: &'static [PolicyWay];

    /// Whether `token` meets the policy.
    #[doc(hidden)]
    fn evaluate(token: &Token) -> impl Future<Output = Result<(), AuthError>> + Send;
}

/// What launch checks and the API's descriptions need of a compiled
/// policy, without its type. The Rocket wing alone needs it.
#[cfg(feature = "rocket")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CompiledPolicy {
    /// The policy's type, which tells two policies apart.
    pub(crate) policy: std::any::TypeId,
    /// See [`RoutePolicy::DESCRIPTION`].
    pub(crate) description: &'static str,
    /// See [`RoutePolicy::ISSUERS`].
    pub(crate) issuers: &'static [&'static str],
    /// See [`RoutePolicy::WAYS`].
    pub(crate) ways: &'static [PolicyWay],
}

#[cfg(feature = "rocket")]
impl CompiledPolicy {
    /// The facts of `P`.
    pub(crate) fn of<P: RoutePolicy>() -> Self {
        Self { policy: std::any::TypeId::of::<P>(), description: P::DESCRIPTION, issuers: P::ISSUERS, ways: P::WAYS }
    }

    /// The scopes that a client should ask for to meet the policy: those
    /// of its first way.
    pub(crate) fn first_scopes(&self) -> &'static [&'static str] {
        self.ways.first().map(|way| way.scopes).unwrap_or_default()
    }
}

/// Seals [`RoutePolicy`] and the scope vocabularies: only the code the
/// macros generate implements `Sealed`, reaching it through
/// `jwt_guard::__private`.
pub(crate) mod sealed {
    /// Implemented by the policies and the scope enums the macros compile.
    pub trait Sealed {}
}

/// The checks that compiled policies call.
pub(crate) mod checks;
/// The values that compiled policies are made of.
pub(crate) mod expansion;

pub(crate) use expansion::PolicyWay;
