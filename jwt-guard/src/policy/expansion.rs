//! The values that compiled policies are made of, which the code the
//! macros generate names through `jwt_guard::__private` only: the ways to
//! meet a policy, a `bound` option, and the literals of claim
//! requirements.

use serde_json::Value;

/// One way to meet a policy, as far as the token's issuer and scopes go.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyWay {
    /// The issuer the token must come from; any when `None`.
    pub issuer: Option<&'static str>,
    /// The scopes the token must grant, every one.
    pub scopes: &'static [&'static str],
}

/// How a policy's `bound` option says a token must be bound to its
/// sender.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `bound`: by DPoP or a client certificate.
    Either,
    /// `bound = "dpop"`.
    Dpop,
    /// `bound = "mtls"`.
    Mtls,
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
    pub(crate) fn equals(self, value: &Value) -> bool {
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
