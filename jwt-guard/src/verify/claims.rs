//! Checks of the registered claims (RFC 7519 section 4.1): their JSON
//! types, the validity window with leeway, and the audience; and reading
//! the scopes and the roles.
//!
//! NumericDates may be fractional (RFC 7519 section 2), so times are
//! compared as `f64` seconds.

use std::borrow::Cow;

use serde_json::Value;

use super::claim_set::{Claim, ClaimSet, Strings};
use crate::config::{Audience, RequiredClaim, ScopeClaim};
use crate::error::TokenProblem;
use crate::registered::Registered;
use crate::token::KeptScopes;

/// Reads the registered claims that are read again after verification,
/// and checks the JSON type of every registered claim present. A mistyped
/// one refuses the token: read as absent, a mistyped `cnf` would make a
/// bound token a bearer token (as would one whose only methods are not
/// ours), and a mistyped `sid` would escape a
/// revocation. Claims with `events` are a Security Event Token's (a logout
/// token addressed to this API's client id, say), never an access token's.
pub(crate) fn registered<'a>(claims: &'a ClaimSet<'_>) -> Result<Registered<'a>, TokenProblem> {
    if claims.security_event {
        return Err(TokenProblem::NotAnAccessToken);
    }
    let (cnf_jkt, cnf_x5t_s256) = match claims.cnf.get("cnf")? {
        None => (None, None),
        Some(cnf) => match (text(&cnf.jkt, "cnf.jkt")?, text(&cnf.x5t_s256, "cnf.x5t#S256")?) {
            // A key (`jwk`), a `kid` or another method: the token is bound,
            // but not in a way this API can check, and never a bearer token.
            (None, None) => return Err(TokenProblem::UnsupportedConfirmation),
            methods => methods,
        },
    };
    claims.aud.get("aud")?;
    claims.exp.get("exp")?;
    claims.nbf.get("nbf")?;
    Ok(Registered {
        iss: text(&claims.iss, "iss")?,
        sub: text(&claims.sub, "sub")?,
        jti: text(&claims.jti, "jti")?,
        sid: text(&claims.sid, "sid")?,
        iat: numeric_date(&claims.iat, "iat")?,
        cnf_jkt,
        cnf_x5t_s256,
    })
}

/// A string claim.
fn text<'a>(claim: &'a Claim<Cow<'_, str>>, name: &'static str) -> Result<Option<&'a str>, TokenProblem> {
    Ok(claim.get(name)?.map(|text| &**text))
}

/// A NumericDate claim, which must be finite.
fn numeric_date(claim: &Claim<f64>, name: &'static str) -> Result<Option<f64>, TokenProblem> {
    match claim.get(name)? {
        Some(seconds) if !seconds.is_finite() => Err(TokenProblem::MistypedClaim(name)),
        seconds => Ok(seconds.copied()),
    }
}

/// Checks `exp` (required), `nbf` and `iat` against `now`, each with
/// `leeway` seconds of clock skew; returns `exp`.
pub(crate) fn check_times(claims: &ClaimSet<'_>, now: f64, leeway: f64) -> Result<f64, TokenProblem> {
    let expires_at = numeric_date(&claims.exp, "exp")?.ok_or(TokenProblem::MissingClaim("exp"))?;
    if now - leeway >= expires_at {
        return Err(TokenProblem::Expired);
    }
    check_start(claims, now, leeway)?;
    Ok(expires_at)
}

/// Checks `nbf` and `iat` against `now`, each with `leeway` seconds of
/// clock skew: what an introspection answer without `exp` still gets.
pub(crate) fn check_start(claims: &ClaimSet<'_>, now: f64, leeway: f64) -> Result<(), TokenProblem> {
    let not_before = numeric_date(&claims.nbf, "nbf")?;
    let issued_at = numeric_date(&claims.iat, "iat")?;
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
pub(crate) fn check_lifetime(claims: &ClaimSet<'_>, expires_at: f64, max_lifetime: f64) -> Result<(), TokenProblem> {
    let issued_at = numeric_date(&claims.iat, "iat")?.ok_or(TokenProblem::MissingClaim("iat"))?;
    if expires_at - issued_at > max_lifetime {
        return Err(TokenProblem::LifetimeTooLong);
    }
    Ok(())
}

/// Checks that `aud` holds one of the accepted audiences.
pub(crate) fn check_audience(claims: &ClaimSet<'_>, accepted: &Audience) -> Result<(), TokenProblem> {
    let Audience::OneOf(accepted) = accepted else {
        return Ok(());
    };
    let audiences = claims.aud.get("aud")?.ok_or(TokenProblem::MissingClaim("aud"))?;
    if audiences.iter().any(|aud| accepted.iter().any(|one| one == aud)) {
        return Ok(());
    }
    if log::log_enabled!(log::Level::Debug) {
        let presented: Vec<&str> = audiences.iter().take(4).map(for_log).collect();
        log::debug!("jwt-guard: the token's `aud` {presented:?} holds none of the accepted audiences {accepted:?}");
    }
    Err(TokenProblem::WrongAudience)
}

/// Checks that each claim of `required` holds one of its values: a string
/// equal to one, or an array with one among its strings.
pub(crate) fn check_required(claims: &ClaimSet<'_>, required: &[RequiredClaim]) -> Result<(), TokenProblem> {
    for RequiredClaim { name, place, values } in required {
        let accepted = |text: &str| values.iter().any(|value| value == text);
        let holds = match value_at(claims, place) {
            Some(Value::String(text)) => accepted(&text),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(accepted),
            _ => false,
        };
        if !holds {
            log::debug!("jwt-guard: the token's `{name}` claim is none of the required values {values:?}");
            return Err(TokenProblem::UnmetRequiredClaim);
        }
    }
    Ok(())
}

/// The value at `place`, the members to walk from the claims (an array
/// is walked by index).
fn value_at(claims: &ClaimSet<'_>, place: &[String]) -> Option<Value> {
    let (first, members) = place.split_first()?;
    members.iter().try_fold(claims.value(first)?, |value, member| match value {
        Value::Array(mut items) => {
            let index = member.parse::<usize>().ok().filter(|index| *index < items.len())?;
            Some(items.swap_remove(index))
        }
        Value::Object(mut object) => object.remove(member),
        _ => None,
    })
}

/// At most the first 100 bytes of `text`, a claim of a token that is not
/// trusted, for a debug log line (which writes it escaped, with `{:?}`).
pub(super) fn for_log(text: &str) -> &str {
    let mut end = text.len().min(100);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Reads the scopes from `claim`, a space-delimited string or an array
/// of strings, kept beside the claims' text. A token without the claim
/// has no scopes.
pub(crate) fn scopes(claims: &ClaimSet<'_>, claim: ScopeClaim) -> Result<KeptScopes, TokenProblem> {
    Ok(match claims.scopes(claim).get(claim.name())? {
        None => KeptScopes::Absent,
        Some(Strings::One(list)) => KeptScopes::delimited(claims.json(), list),
        Some(Strings::Many(items)) => KeptScopes::listed(claims.json(), items.iter().map(|item| &**item)),
    })
}

/// The roles in `places`, each the members to walk from the claims (an
/// array is walked by index). A string is one role; an array, a role per
/// string; an object, a role per member name (as Zitadel keeps them:
/// `{"admin": {"<organisation id>": "<domain>"}}`).
pub(crate) fn roles(claims: &ClaimSet<'_>, places: &[Vec<String>]) -> Vec<String> {
    let mut roles = Vec::new();
    for place in places {
        match value_at(claims, place) {
            Some(Value::String(role)) => roles.push(role),
            Some(Value::Array(items)) => roles.extend(items.into_iter().filter_map(|item| match item {
                Value::String(role) => Some(role),
                _ => None,
            })),
            Some(Value::Object(members)) => roles.extend(members.into_iter().map(|(role, _)| role)),
            _ => {}
        }
    }
    roles
}

#[cfg(test)]
mod tests;
