//! Route policies, free of Rocket: what a policy that `#[protected]` or
//! `policy!` compiled needs at run time, and why a token was denied.
//!
//! A policy is compiled into Rust code at build time: the scopes, claims,
//! issuers and checks it names become direct comparisons, so nothing is
//! parsed per request and nothing is allocated when a token passes.

use std::future::Future;

use serde_json::Value;

use crate::error::AuthError;
use crate::token::Token;

/// A policy compiled by `#[protected]` or `policy!`.
///
/// Implemented by the macros only (it is sealed); the items are hidden from
/// docs.
pub trait RoutePolicy: sealed::Sealed + Send + Sync + 'static {
    /// What the policy protects, for log lines: the handler's name.
    #[doc(hidden)]
    const ROUTE: &'static str;
    /// The policy in readable form.
    #[doc(hidden)]
    const DESCRIPTION: &'static str;
    /// The issuers the policy names; each must be configured.
    #[doc(hidden)]
    const ISSUERS: &'static [&'static str];

    /// Whether `token` meets the policy.
    #[doc(hidden)]
    fn evaluate(token: &Token) -> impl Future<Output = Result<(), AuthError>> + Send;
}

/// Seals [`RoutePolicy`]: only the code the macros generate implements
/// `Sealed`, reaching it through `jwt_guard::__private`.
pub(crate) mod sealed {
    /// Implemented by the policies the macros compile.
    pub trait Sealed {}
}

/// A literal of a claim requirement, as `#[protected(claim(...))]` wrote it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimLiteral {
    /// A string.
    Str(&'static str),
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
}

impl ClaimLiteral {
    /// Whether a JSON value equals the literal.
    fn equals(self, value: &Value) -> bool {
        match (self, value) {
            (Self::Str(expected), Value::String(actual)) => expected == actual,
            (Self::Bool(expected), Value::Bool(actual)) => expected == *actual,
            (Self::Int(expected), Value::Number(actual)) => {
                actual.as_i64().map(i128::from).or(actual.as_u64().map(i128::from)) == Some(expected)
            }
            _ => false,
        }
    }
}

/// The checks that compiled policies call.
#[doc(hidden)]
pub(crate) mod checks;
