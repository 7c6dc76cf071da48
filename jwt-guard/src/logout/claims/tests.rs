use serde_json::json;

use super::*;

const NOW: f64 = 1_900_000_000.0;

/// The issuer's `max_lifetime`: an hour.
const LIFETIME: u64 = 3600;

fn logout_token() -> Value {
    json!({
        "iss": "https://idp.test", "aud": "web-client", "iat": NOW, "exp": NOW + 120.0, "jti": "j1",
        "sub": "alice", "sid": "s1", "events": { LOGOUT_EVENT: {} },
    })
}

fn check(token: &Value) -> Result<Logout<'_>, Refused> {
    check_logout_token(token.as_object().unwrap(), "web-client", NOW, 30.0, LIFETIME)
}

fn without(mut token: Value, name: &str) -> Value {
    token.as_object_mut().unwrap().remove(name);
    token
}

fn with(mut token: Value, name: &str, value: Value) -> Value {
    token[name] = value;
    token
}

#[test]
fn a_logout_token_ends_its_session_or_else_its_subject() {
    let token = logout_token();
    assert_eq!(check(&token), Ok(Logout { ended: Ended::Session("s1"), jti: "j1", issued_at: NOW }));
    let token = without(logout_token(), "sid");
    assert_eq!(check(&token).map(|logout| logout.ended), Ok(Ended::Subject("alice")));
    let token = without(without(logout_token(), "sid"), "sub");
    assert!(check(&token).is_err(), "neither `sid` nor `sub`");
    let token = with(logout_token(), "aud", json!(["other", "web-client"]));
    assert!(check(&token).is_ok(), "an `aud` list that holds the client id");
    let token = without(logout_token(), "exp");
    assert!(check(&token).is_ok(), "`exp` is optional");
}

#[test]
fn a_logout_token_is_refused_for_each_broken_rule() {
    let cases = [
        (with(logout_token(), "aud", json!("another-client")), SetErr::Audience),
        (without(logout_token(), "aud"), SetErr::Audience),
        (with(logout_token(), "nonce", json!("n")), SetErr::Request),
        (without(logout_token(), "events"), SetErr::Request),
        (with(logout_token(), "events", json!({ LOGOUT_EVENT: "yes" })), SetErr::Request),
        (with(logout_token(), "events", json!({ "http://other": {} })), SetErr::Request),
        (without(logout_token(), "iat"), SetErr::Request),
        (with(logout_token(), "iat", json!(NOW - 2.0 * LIFETIME as f64)), SetErr::Request),
        (with(logout_token(), "iat", json!(NOW + 60.0)), SetErr::Request),
        (with(logout_token(), "exp", json!(NOW - 60.0)), SetErr::Request),
        (with(logout_token(), "exp", json!("later")), SetErr::Request),
        (without(logout_token(), "jti"), SetErr::Request),
        (with(logout_token(), "jti", json!("")), SetErr::Request),
        (with(logout_token(), "sid", json!(7)), SetErr::Request),
    ];
    for (token, code) in cases {
        assert_eq!(check(&token).map_err(|refused| refused.code), Err(code), "{token}");
    }
    let window = |iat: f64| check(&without(with(logout_token(), "iat", json!(iat)), "exp")).is_ok();
    assert!(window(NOW - 3629.0) && !window(NOW - 3631.0), "the issuer's token lifetime and the leeway");
    assert!(window(NOW + 29.0) && !window(NOW + 31.0), "the leeway ahead");
}

fn security_event(subject: Value) -> Value {
    json!({
        "iss": "https://idp.test", "aud": "web-client", "iat": NOW, "jti": "e1", "sub_id": subject,
        "events": { SESSION_REVOKED_EVENT: { "event_timestamp": NOW } },
    })
}

fn check_event(token: &Value) -> Result<Ended<'_>, Refused> {
    check_security_event(token.as_object().unwrap(), "web-client", NOW, 30.0, LIFETIME).map(|logout| logout.ended)
}

#[test]
fn a_session_revoked_event_names_a_session_or_a_subject() {
    let opaque = security_event(json!({ "format": "opaque", "id": "s1" }));
    assert_eq!(check_event(&opaque), Ok(Ended::Session("s1")));
    let user = json!({ "format": "iss_sub", "iss": "https://idp.test", "sub": "alice" });
    assert_eq!(check_event(&security_event(user.clone())), Ok(Ended::Subject("alice")));
    let complex = json!({ "format": "complex", "session": { "format": "opaque", "id": "s2" }, "user": user });
    assert_eq!(check_event(&security_event(complex)), Ok(Ended::Session("s2")));
    let complex = json!({ "format": "complex", "user": user });
    assert_eq!(check_event(&security_event(complex)), Ok(Ended::Subject("alice")));
    let mut in_event = without(security_event(Value::Null), "sub_id");
    in_event["events"][SESSION_REVOKED_EVENT]["subject"] = json!({ "format": "opaque", "id": "s3" });
    assert_eq!(check_event(&in_event), Ok(Ended::Session("s3")), "the event's `subject` of earlier drafts");
}

#[test]
fn a_session_revoked_event_is_refused_for_each_broken_rule() {
    let opaque = || json!({ "format": "opaque", "id": "s1" });
    let elsewhere = json!({ "format": "iss_sub", "iss": "https://other.test", "sub": "alice" });
    let nested = json!({ "format": "complex", "session": { "format": "complex", "session": opaque() } });
    let cases = [
        security_event(elsewhere),
        security_event(json!({ "format": "email", "email": "alice@example.com" })),
        security_event(nested),
        security_event(json!("s1")),
        without(security_event(opaque()), "sub_id"),
        with(security_event(opaque()), "events", json!({ LOGOUT_EVENT: {} })),
        with(security_event(opaque()), "aud", json!("another")),
        without(security_event(opaque()), "jti"),
        with(security_event(opaque()), "iat", json!(NOW - 2.0 * LIFETIME as f64)),
    ];
    for token in cases {
        assert!(check_event(&token).is_err(), "{token}");
    }
    let wrong_aud = with(security_event(opaque()), "aud", json!("another"));
    assert_eq!(check_event(&wrong_aud).map_err(|refused| refused.code), Err(SetErr::Audience));
}
