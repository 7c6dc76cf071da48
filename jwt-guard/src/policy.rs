//! Route policies, free of Rocket: what a policy that `#[protected]` or
//! `policy!` compiled needs at run time, and why a token was denied.
//!
//! A policy is compiled into Rust code at build time: the scopes, claims,
//! issuers and checks it names become direct comparisons, so nothing is
//! parsed per request and nothing is allocated when a token passes.

use std::fmt;
use std::future::Future;

use serde_json::Value;

use crate::error::AuthError;
use crate::token::Token;

/// A policy compiled by `#[protected]` or `policy!`.
///
/// Implemented by the macros only; the items are hidden from docs.
pub trait RoutePolicy: Send + Sync + 'static {
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

/// Why a valid token may not use a resource (403 `insufficient_scope`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The token lacks scopes the resource needs.
    #[error("the token lacks the scope this resource needs")]
    MissingScopes(&'static [&'static str]),
    /// A claim does not have a value the resource accepts.
    #[error("the token's `{0}` claim does not permit this")]
    Claim(&'static str),
    /// The token's issuer is not one the resource accepts.
    #[error("this resource does not accept tokens from the token's issuer")]
    Issuer,
    /// The app's own check refused the token.
    #[error("the token does not pass the `{0}` check")]
    Check(&'static str),
}

impl Denial {
    /// The scopes to name in the challenge's `scope` attribute.
    pub(crate) fn needed_scopes(&self) -> Option<ScopeList> {
        match self {
            Self::MissingScopes(scopes) => Some(ScopeList(scopes)),
            _ => None,
        }
    }
}

/// Scopes written space-delimited, as RFC 6749 section 3.3 does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeList(&'static [&'static str]);

impl fmt::Display for ScopeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
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
pub(crate) mod checks {
    use std::future::{Future, Ready, ready};

    use serde_json::Value;

    use super::{ClaimLiteral, Denial};
    use crate::token::Token;

    /// Every one of `scopes`.
    pub fn all_scopes(token: &Token, scopes: &'static [&'static str]) -> Result<(), Denial> {
        if scopes.iter().all(|scope| token.has_scope(scope)) { Ok(()) } else { Err(Denial::MissingScopes(scopes)) }
    }

    /// At least one of `scopes`; the challenge names the first.
    pub fn any_scope(token: &Token, scopes: &'static [&'static str]) -> Result<(), Denial> {
        if scopes.iter().any(|scope| token.has_scope(scope)) {
            Ok(())
        } else {
            Err(Denial::MissingScopes(&scopes[..scopes.len().min(1)]))
        }
    }

    /// The JSON claim `name` equals one of `accepted`, or, for an array
    /// claim, holds one of them.
    pub fn json_claim(token: &Token, name: &'static str, accepted: &[ClaimLiteral]) -> Result<(), Denial> {
        let matches = |value: &Value| accepted.iter().any(|literal| literal.equals(value));
        let ok = match token.claim(name) {
            Some(Value::Array(items)) => items.iter().any(matches),
            Some(value) => matches(value),
            None => false,
        };
        if ok { Ok(()) } else { Err(Denial::Claim(name)) }
    }

    /// The token comes from the configured issuer `name`.
    pub fn issuer(token: &Token, name: &str) -> Result<(), Denial> {
        if token.issuer() == name { Ok(()) } else { Err(Denial::Issuer) }
    }

    /// A typed claim field beside a literal, for [`ClaimContains`] and
    /// [`ClaimEquals`] to compare.
    pub struct ClaimProbe<'a, F: ?Sized, L>(pub &'a F, pub L);

    /// Containers hold the literal: `Vec`, sets and `Option`.
    pub trait ClaimContains {
        /// Whether the field holds the literal.
        fn claim_matches(&self) -> bool;
    }

    /// Anything else equals the literal.
    pub trait ClaimEquals {
        /// Whether the field equals the literal.
        fn claim_matches(&self) -> bool;
    }

    impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, Vec<T>, L> {
        fn claim_matches(&self) -> bool {
            self.0.iter().any(|item| *item == self.1)
        }
    }

    impl<T: PartialEq<L>, L, S> ClaimContains for ClaimProbe<'_, std::collections::HashSet<T, S>, L> {
        fn claim_matches(&self) -> bool {
            self.0.iter().any(|item| *item == self.1)
        }
    }

    impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, std::collections::BTreeSet<T>, L> {
        fn claim_matches(&self) -> bool {
            self.0.iter().any(|item| *item == self.1)
        }
    }

    impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, Option<T>, L> {
        fn claim_matches(&self) -> bool {
            self.0.as_ref().is_some_and(|item| *item == self.1)
        }
    }

    impl<F: PartialEq<L> + ?Sized, L> ClaimEquals for &ClaimProbe<'_, F, L> {
        fn claim_matches(&self) -> bool {
            *self.0 == self.1
        }
    }

    /// The result of an app's check: a `bool`, or a future of one.
    pub struct CheckOutcome<T>(pub T);

    /// An async check.
    pub trait AsyncCheck {
        /// The check's future.
        type Future: Future<Output = bool>;
        /// The future to await.
        fn into_check(self) -> Self::Future;
    }

    /// A plain check.
    pub trait SyncCheck {
        /// A future that is ready at once.
        fn into_check(self) -> Ready<bool>;
    }

    impl<F: Future<Output = bool>> AsyncCheck for CheckOutcome<F> {
        type Future = F;
        fn into_check(self) -> F {
            self.0
        }
    }

    impl SyncCheck for &CheckOutcome<bool> {
        fn into_check(self) -> Ready<bool> {
            ready(self.0)
        }
    }

    /// `Ok` when `passed`, else a denial naming the check.
    pub fn check(passed: bool, name: &'static str) -> Result<(), Denial> {
        if passed { Ok(()) } else { Err(Denial::Check(name)) }
    }

    /// `Ok` when `passed`, else a denial naming the claim.
    pub fn claim(passed: bool, name: &'static str) -> Result<(), Denial> {
        if passed { Ok(()) } else { Err(Denial::Claim(name)) }
    }
}
