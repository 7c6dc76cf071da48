use std::collections::HashMap;

use serde_json::json;

use super::*;

const NOT_CLAIMS: &str = "not claims";

fn parse(text: &str) -> Result<ClaimSet<'_>, TokenProblem> {
    ClaimSet::parse(text, NOT_CLAIMS)
}

#[test]
fn registered_claims_are_read_as_their_types_and_the_rest_kept_as_text() {
    let claims = parse(
        r#" {"s\u0075b" : "ada", "iss": "https:\/\/id.test\/", "exp": 1.5e3, "iat": 7, "nbf": "soon",
        "aud": ["a", "b"], "cnf": {"jkt": "t", "other": [1]}, "n": [1, {"a": null}] } "#,
    )
    .unwrap();
    assert_eq!(claims.sub, Claim::Present(Cow::Borrowed("ada")), "found by its unescaped name");
    assert_eq!(claims.iss, Claim::Present(Cow::Owned("https://id.test/".into())), "unescaped");
    assert_eq!(
        (&claims.exp, &claims.iat, &claims.nbf),
        (&Claim::Present(1500.0), &Claim::Present(7.0), &Claim::Mistyped)
    );
    assert_eq!(claims.aud, Claim::Present(Strings::Many(vec!["a".into(), "b".into()])));
    let cnf = Confirmation { jkt: Claim::Present("t".into()), x5t_s256: Claim::Absent };
    assert_eq!(claims.cnf, Claim::Present(cnf));
    assert_eq!((&claims.jti, &claims.sid), (&Claim::Absent, &Claim::Absent));
    assert_eq!(
        claims.others.iter().map(|(name, raw)| (&**name, raw.get())).collect::<Vec<_>>(),
        [("n", r#"[1, {"a": null}]"#)]
    );
    assert_eq!(claims.value("n"), Some(json!([1, {"a": null}])));
    assert_eq!(claims.value("sub"), Some(json!("ada")), "a registered claim, read again");
    assert_eq!(claims.value("missing"), None);
}

#[test]
fn mistyped_values_are_told_apart_from_absent_ones() {
    let claims = parse(r#"{"aud": ["a", 1], "iss": 5, "cnf": "t", "scope": 3, "scp": ["a", "b"]}"#).unwrap();
    assert_eq!((&claims.aud, &claims.iss, &claims.cnf), (&Claim::Mistyped, &Claim::Mistyped, &Claim::Mistyped));
    assert_eq!(claims.scopes(ScopeClaim::Scope), &Claim::Mistyped);
    assert_eq!(claims.scopes(ScopeClaim::Scp), &Claim::Present(Strings::Many(vec!["a".into(), "b".into()])));
    assert_eq!(claims.scopes(ScopeClaim::Permissions), &Claim::Absent);
    let claims = parse(r#"{"cnf": {"jkt": 1, "x5t#S256": ["c"]}}"#).unwrap();
    let cnf = Confirmation { jkt: Claim::Mistyped, x5t_s256: Claim::Mistyped };
    assert_eq!(claims.cnf, Claim::Present(cnf));
}

#[test]
fn names_given_twice_are_refused_even_when_spelled_apart() {
    let many: String = (0..40).map(|n| format!(r#""m{n}":{n},"#)).collect();
    for text in [
        r#"{"sub": "a", "sub": "b"}"#.to_owned(),
        r#"{"sub": "a", "s\u0075b": "b"}"#.to_owned(),
        r#"{"scope": "a", "scope": "b"}"#.to_owned(),
        r#"{"cnf": {"jkt": "a", "jkt": "b"}}"#.to_owned(),
        format!(r#"{{{many}"m7": 0}}"#),
    ] {
        assert_eq!(parse(&text).err(), Some(TokenProblem::Malformed(NOT_CLAIMS)), "{text}");
    }
    assert!(parse(&format!(r#"{{{many}"last": 0}}"#)).is_ok());
    assert!(parse(r#"{"a": {"x": 1, "x": 2}}"#).is_ok(), "other nested objects are `Value`'s to read");
}

/// A handler's map of claims is built later from the same text, and must
/// hold every member: what is accepted here, `Value` reads, member by
/// member. Only a registered claim, read inside the object, may be refused
/// where `Value` would read it on its own (nested 128 deep).
#[test]
fn what_is_accepted_is_what_a_map_of_values_reads() {
    let deep = |name: &str, depth: usize| format!(r#"{{"{name}":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
    let mut texts = vec![
        r#"{"a": "\ud800"}"#.to_owned(),
        r#"{"sub": "\ud800"}"#.to_owned(),
        r#"{"a": "\ud83d\ude00"}"#.to_owned(),
        r#"{"a": [1e400]}"#.to_owned(),
        r#"{"exp": 1e400}"#.to_owned(),
        r#"{"a": 18446744073709551616}"#.to_owned(),
        r#"{"a": "x"} trailing"#.to_owned(),
        r#"{"a": "\u00"}"#.to_owned(),
        "{\"a\": \"\u{1}\"}".to_owned(),
        "{\"a\": \"a\tb\"}".to_owned(),
        r#"{"a": "plain", "b": "esc\"aped"}"#.to_owned(),
        r#"["a"]"#.to_owned(),
        "{}".to_owned(),
    ];
    for depth in [126, 127, 128, 129] {
        texts.push(deep("a", depth));
        texts.push(deep("aud", depth));
    }
    for text in &texts {
        let members = serde_json::from_str::<HashMap<String, Box<RawValue>>>(text);
        let each_value_reads = members
            .as_ref()
            .is_ok_and(|members| members.values().all(|value| serde_json::from_str::<Value>(value.get()).is_ok()));
        match parse(text) {
            Ok(_) => assert_eq!(Some(payload::map_of(text).len()), members.ok().map(|m| m.len()), "{text}"),
            Err(_) if text.contains("\"aud\"") => {}
            Err(_) => assert!(!each_value_reads, "{text} is refused, yet each of its values reads"),
        }
    }
}

#[test]
fn every_member_read_as_a_type_is_still_a_value_and_an_absent_one_is_none() {
    let text = r#"{"iss": "i", "sub": "s", "jti": "j", "sid": "d", "exp": 2, "nbf": 1, "iat": 1,
        "aud": ["a"], "cnf": {"jkt": "t", "other": 1}, "scope": "a b", "scp": ["c"], "permissions": "d"}"#;
    let claims = parse(text).unwrap();
    let whole: serde_json::Map<String, Value> = serde_json::from_str(text).unwrap();
    for name in whole.keys() {
        assert!(Typed::named(name).is_some(), "{name}");
        assert!(claims.others.iter().all(|(member, _)| member != name), "{name} is read as its type");
        assert_eq!(claims.value(name).as_ref(), whole.get(name), "{name} is still there as a whole");
    }
    assert_eq!(whole.len(), 12, "the text names each of them");
    for other in ["roles", "", "is", "isss", "Iss", "ss", "sco", "scopes", "permission", "sub\0"] {
        assert!(Typed::named(other).is_none(), "{other:?}");
    }
    assert_eq!(claims.value("roles"), None);
}
