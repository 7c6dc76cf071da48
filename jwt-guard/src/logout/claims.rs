//! The claims of a logout token (OIDC Back-Channel Logout 1.0 section
//! 2.4, checked as section 2.6 says) and of a Security Event Token with a
//! CAEP session-revoked event (RFC 8417, CAEP 1.0 section 3.1), once its
//! signature verified: pure checks, no I/O.

use serde_json::{Map, Value};

use super::SetErr;

/// The event member of a logout token's `events`.
pub(crate) const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The event member of a CAEP session-revoked SET's `events`.
pub(crate) const SESSION_REVOKED_EVENT: &str = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";

/// What a verified logout ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended<'a> {
    /// The issuer's session with this `sid`.
    Session(&'a str),
    /// The issuer's tokens of this `sub` issued before the logout.
    Subject(&'a str),
}

impl Ended<'_> {
    /// What kind of thing it ends, for logs.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Session(_) => "session",
            Self::Subject(_) => "subject",
        }
    }
}

/// A logout whose claims passed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Logout<'a> {
    pub(super) ended: Ended<'a>,
    /// Its `jti`, to use once.
    pub(super) jti: &'a str,
    /// Its `iat`, in seconds since the Unix epoch.
    pub(super) issued_at: f64,
}

/// Why the claims were refused: an RFC 8935 code and our fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) code: SetErr,
    pub(crate) description: &'static str,
}

fn refused(description: &'static str) -> Refused {
    Refused { code: SetErr::Request, description }
}

/// Checks a logout token's claims for the client `client_id` at `now`,
/// with `leeway` seconds of clock skew, of an issuer whose tokens live
/// `lifetime` seconds at most.
pub(super) fn check_logout_token<'a>(
    claims: &'a Map<String, Value>,
    client_id: &str,
    now: f64,
    leeway: f64,
    lifetime: u64,
) -> Result<Logout<'a>, Refused> {
    let (jti, issued_at) = check_common(claims, client_id, now, leeway, lifetime)?;
    event(claims, LOGOUT_EVENT, "the `events` claim must hold the back-channel logout event, an object")?;
    if claims.contains_key("nonce") {
        return Err(refused("a logout token must not have a `nonce`"));
    }
    let ended = match (text(claims, "sid")?, text(claims, "sub")?) {
        (Some(sid), _) => Ended::Session(sid),
        (None, Some(sub)) => Ended::Subject(sub),
        (None, None) => return Err(refused("a logout token must have a `sid` or a `sub`")),
    };
    Ok(Logout { ended, jti, issued_at })
}

/// Checks a Security Event Token's claims for the client `client_id` at
/// `now`: a CAEP session-revoked event, whose subject (the SET's `sub_id`,
/// or the event's `subject` of earlier drafts) is an RFC 9493 subject
/// identifier: `opaque` is the session's id (CAEP's subject of
/// session-revoked is the session); `iss_sub`, of the SET's issuer, is a
/// subject whose tokens issued before are ended; `complex` is its
/// `session` member, else its `user` member. `leeway` and `lifetime` as
/// for [`check_logout_token`].
pub(super) fn check_security_event<'a>(
    claims: &'a Map<String, Value>,
    client_id: &str,
    now: f64,
    leeway: f64,
    lifetime: u64,
) -> Result<Logout<'a>, Refused> {
    let (jti, issued_at) = check_common(claims, client_id, now, leeway, lifetime)?;
    let event =
        event(claims, SESSION_REVOKED_EVENT, "the `events` claim must hold the CAEP session-revoked event, an object")?;
    let subject = claims
        .get("sub_id")
        .or_else(|| event.get("subject"))
        .ok_or(refused("the event names no subject: give `sub_id`"))?;
    let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
    let ended = subject_identifier(subject, iss, true)?;
    Ok(Logout { ended, jti, issued_at })
}

/// What an RFC 9493 subject identifier names; `complex_ok` is `false`
/// inside a complex one, which does not nest.
fn subject_identifier<'a>(subject: &'a Value, iss: &str, complex_ok: bool) -> Result<Ended<'a>, Refused> {
    const UNSUPPORTED: &str = "the subject must be an `opaque` session id, an `iss_sub` of the issuer, or `complex`";
    let subject = subject.as_object().ok_or(refused(UNSUPPORTED))?;
    let member = |name| subject.get(name).and_then(Value::as_str).filter(|value| !value.is_empty());
    match subject.get("format").and_then(Value::as_str) {
        Some("opaque") => member("id").map(Ended::Session).ok_or(refused("an `opaque` subject needs an `id`")),
        Some("iss_sub") => {
            if member("iss") != Some(iss) {
                return Err(refused("an `iss_sub` subject must be of the token's issuer"));
            }
            member("sub").map(Ended::Subject).ok_or(refused("an `iss_sub` subject needs a `sub`"))
        }
        Some("complex") if complex_ok => match (subject.get("session"), subject.get("user")) {
            (Some(session), _) => subject_identifier(session, iss, false),
            (None, Some(user)) => subject_identifier(user, iss, false),
            (None, None) => Err(refused("a `complex` subject needs a `session` or a `user`")),
        },
        _ => Err(refused(UNSUPPORTED)),
    }
}

/// The checks both kinds share: `aud` holds the client id, `iat` within
/// its window, `exp` (if any) not past, a `jti`. Answers the `jti` and
/// `iat`.
///
/// The window reaches back `lifetime` seconds (and the leeway), how long
/// the issuer's tokens may live: a logout older than that ends none that
/// is still accepted, and one within it is honoured however late it
/// comes (as after an outage of the API, when the issuer delivers it
/// again), unless its own `exp` has passed. A replay within it changes
/// nothing: it makes the same revocation again.
fn check_common<'a>(
    claims: &'a Map<String, Value>,
    client_id: &str,
    now: f64,
    leeway: f64,
    lifetime: u64,
) -> Result<(&'a str, f64), Refused> {
    let addressed = match claims.get("aud") {
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(client_id)),
        _ => false,
    };
    if !addressed {
        return Err(Refused {
            code: SetErr::Audience,
            description: "the `aud` claim does not hold this API's client id",
        });
    }
    let issued_at = claims.get("iat").and_then(Value::as_f64).ok_or(refused("the `iat` claim must be a number"))?;
    if issued_at > now + leeway {
        return Err(refused("the token was issued in the future"));
    }
    if issued_at < now - lifetime as f64 - leeway {
        return Err(refused("the token was issued too long ago: longer ago than the issuer's tokens may live"));
    }
    match claims.get("exp") {
        None => {}
        Some(exp) => {
            let exp = exp.as_f64().ok_or(refused("the `exp` claim must be a number"))?;
            if exp + leeway <= now {
                return Err(refused("the token has expired"));
            }
        }
    }
    let jti = text(claims, "jti")?.ok_or(refused("the token must have a `jti`"))?;
    Ok((jti, issued_at))
}

/// The value of the event `name` in `events`, which must be an object.
fn event<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
    missing: &'static str,
) -> Result<&'a Map<String, Value>, Refused> {
    claims
        .get("events")
        .and_then(Value::as_object)
        .and_then(|events| events.get(name))
        .and_then(Value::as_object)
        .ok_or(refused(missing))
}

/// A claim that must be a non-empty string when present.
fn text<'a>(claims: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, Refused> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(value)) if !value.is_empty() => Ok(Some(value)),
        Some(_) => Err(refused("`sid`, `sub` and `jti` must be non-empty strings")),
    }
}

#[cfg(test)]
mod tests;
