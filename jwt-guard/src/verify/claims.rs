//! Checks of the registered claims (RFC 7519 section 4.1): their JSON
//! types, the validity window with leeway, and the audience; and reading
//! the scopes and the roles.
//!
//! NumericDates may be fractional (RFC 7519 section 2), so times are
//! compared as `f64` seconds.

use serde_json::{Map, Value};

use crate::config::{Audience, ScopeClaim};
use crate::error::TokenProblem;

/// The registered claims that must be strings when present: revocations
/// are looked up by `jti`, `sid` and `sub`, so one of another type would
/// escape them.
const STRING_CLAIMS: [&str; 4] = ["iss", "sub", "jti", "sid"];

/// The confirmation methods (`cnf` members) that bind a token, each a
/// thumbprint string: RFC 9449 section 6.1 and RFC 8705 section 3.1.
const CONFIRMATION_METHODS: [(&str, &str); 2] = [("jkt", "cnf.jkt"), ("x5t#S256", "cnf.x5t#S256")];

/// Checks the JSON type of every registered claim present. A mistyped one
/// refuses the token: read as absent, a mistyped `cnf` would make a bound
/// token a bearer token, and a mistyped `sid` would escape a revocation.
pub(crate) fn check_types(claims: &Map<String, Value>) -> Result<(), TokenProblem> {
    for name in STRING_CLAIMS {
        if claims.get(name).is_some_and(|value| !value.is_string()) {
            return Err(TokenProblem::MistypedClaim(name));
        }
    }
    match claims.get("cnf") {
        None => {}
        Some(Value::Object(cnf)) => {
            for (member, name) in CONFIRMATION_METHODS {
                if cnf.get(member).is_some_and(|value| !value.is_string()) {
                    return Err(TokenProblem::MistypedClaim(name));
                }
            }
        }
        Some(_) => return Err(TokenProblem::MistypedClaim("cnf")),
    }
    match claims.get("aud") {
        None | Some(Value::String(_)) => Ok(()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(TokenProblem::MistypedClaim("aud")),
    }
}

/// Reads a NumericDate claim.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<f64>, TokenProblem> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => {
            value.as_f64().filter(|seconds| seconds.is_finite()).map(Some).ok_or(TokenProblem::MistypedClaim(name))
        }
    }
}

/// Checks `exp` (required), `nbf` and `iat` against `now`, each with
/// `leeway` seconds of clock skew; returns `exp`.
pub(crate) fn check_times(claims: &Map<String, Value>, now: f64, leeway: f64) -> Result<f64, TokenProblem> {
    let expires_at = numeric_date(claims, "exp")?.ok_or(TokenProblem::MissingClaim("exp"))?;
    if now - leeway >= expires_at {
        return Err(TokenProblem::Expired);
    }
    check_start(claims, now, leeway)?;
    Ok(expires_at)
}

/// Checks `nbf` and `iat` against `now`, each with `leeway` seconds of
/// clock skew: what an introspection answer without `exp` still gets.
pub(crate) fn check_start(claims: &Map<String, Value>, now: f64, leeway: f64) -> Result<(), TokenProblem> {
    let not_before = numeric_date(claims, "nbf")?;
    let issued_at = numeric_date(claims, "iat")?;
    if not_before.is_some_and(|nbf| now + leeway < nbf) {
        return Err(TokenProblem::NotYetValid);
    }
    if issued_at.is_some_and(|iat| now + leeway < iat) {
        return Err(TokenProblem::IssuedInFuture);
    }
    Ok(())
}

/// Checks that the token lives no longer than `max_lifetime` seconds from
/// its `iat`, which it must then have, to `expires_at`.
pub(crate) fn check_lifetime(
    claims: &Map<String, Value>,
    expires_at: f64,
    max_lifetime: f64,
) -> Result<(), TokenProblem> {
    let issued_at = numeric_date(claims, "iat")?.ok_or(TokenProblem::MissingClaim("iat"))?;
    if expires_at - issued_at > max_lifetime {
        return Err(TokenProblem::LifetimeTooLong);
    }
    Ok(())
}

/// Checks that `aud` holds one of the accepted audiences.
pub(crate) fn check_audience(claims: &Map<String, Value>, accepted: &Audience) -> Result<(), TokenProblem> {
    let Audience::OneOf(accepted) = accepted else {
        return Ok(());
    };
    let holds = |aud: &str| accepted.iter().any(|one| one == aud);
    match claims.get("aud") {
        None => Err(TokenProblem::MissingClaim("aud")),
        Some(Value::String(aud)) if holds(aud) => Ok(()),
        Some(Value::Array(auds)) if auds.iter().filter_map(Value::as_str).any(holds) => Ok(()),
        Some(_) => Err(TokenProblem::WrongAudience),
    }
}

/// Reads the scopes from `claim`: a space-delimited string or an array of
/// strings. A token without the claim has no scopes.
pub(crate) fn scopes(claims: &Map<String, Value>, claim: ScopeClaim) -> Result<Vec<String>, TokenProblem> {
    let mistyped = || TokenProblem::MistypedClaim(claim.name());
    match claims.get(claim.name()) {
        None => Ok(Vec::new()),
        Some(Value::String(list)) => Ok(list.split(' ').filter(|scope| !scope.is_empty()).map(str::to_owned).collect()),
        Some(Value::Array(items)) => {
            items.iter().map(|item| item.as_str().map(str::to_owned).ok_or_else(mistyped)).collect()
        }
        Some(_) => Err(mistyped()),
    }
}

/// The roles in `places`, each the members to walk from the claims (an
/// array is walked by index). A string is one role; an array, a role per
/// string.
pub(crate) fn roles(claims: &Map<String, Value>, places: &[Vec<String>]) -> Vec<String> {
    let mut roles = Vec::new();
    for place in places {
        let mut members = place.iter();
        let mut found = members.next().and_then(|first| claims.get(first));
        for member in members {
            found = found.and_then(|value| match value {
                Value::Array(items) => member.parse::<usize>().ok().and_then(|index| items.get(index)),
                _ => value.get(member),
            });
        }
        match found {
            Some(Value::String(role)) => roles.push(role.clone()),
            Some(Value::Array(items)) => roles.extend(items.iter().filter_map(Value::as_str).map(str::to_owned)),
            _ => {}
        }
    }
    roles
}

#[cfg(test)]
mod tests;
