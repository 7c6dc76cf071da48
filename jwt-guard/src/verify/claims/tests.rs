use serde_json::json;

use super::*;

/// What `check` makes of the members of `value`.
fn of<T>(value: Value, check: impl FnOnce(&ClaimSet<'_>) -> T) -> T {
    let text = value.to_string();
    check(&ClaimSet::parse(&text, "not claims").expect("an object"))
}

#[test]
fn times_compare_as_fractional_seconds_with_leeway() {
    let now = 1_000_000.0;
    assert_eq!(of(json!({"exp": 1_000_000.5}), |claims| check_times(claims, now, 0.0)), Ok(1_000_000.5));
    assert_eq!(of(json!({"exp": 1_000_000}), |claims| check_times(claims, now, 0.0)), Err(TokenProblem::Expired));
    assert_eq!(of(json!({"exp": 999_990}), |claims| check_times(claims, now, 30.0)), Ok(999_990.0));
    assert_eq!(
        of(json!({"exp": 2e6, "nbf": 1_000_031}), |claims| check_times(claims, now, 30.0)),
        Err(TokenProblem::NotYetValid)
    );
    assert_eq!(
        of(json!({"exp": 2e6, "iat": 1_000_031}), |claims| check_times(claims, now, 30.0)),
        Err(TokenProblem::IssuedInFuture)
    );
    assert_eq!(of(json!({"exp": 1e308}), |claims| check_times(claims, now, 30.0)), Ok(1e308));
    assert_eq!(of(json!({"exp": -5}), |claims| check_times(claims, now, 30.0)), Err(TokenProblem::Expired));
    assert_eq!(of(json!({}), |claims| check_times(claims, now, 30.0)), Err(TokenProblem::MissingClaim("exp")));
    assert_eq!(
        of(json!({"exp": "2e6"}), |claims| check_times(claims, now, 30.0)),
        Err(TokenProblem::MistypedClaim("exp"))
    );
}

#[test]
fn registered_claims_have_their_json_types() {
    let check = |value| of(value, |claims| registered(claims).map(drop));
    assert_eq!(check(json!({"iss": "i", "sub": "s", "jti": "j", "aud": ["a"]})), Ok(()));
    assert_eq!(check(json!({"jti": 5})), Err(TokenProblem::MistypedClaim("jti")));
    assert_eq!(check(json!({"sid": 5})), Err(TokenProblem::MistypedClaim("sid")));
    assert_eq!(check(json!({"iat": "5"})), Err(TokenProblem::MistypedClaim("iat")));
    assert_eq!(check(json!({"cnf": {"jkt": "t", "x5t#S256": "c", "other": 1}})), Ok(()));
    assert_eq!(check(json!({"cnf": "t"})), Err(TokenProblem::MistypedClaim("cnf")));
    assert_eq!(check(json!({"cnf": ["t"]})), Err(TokenProblem::MistypedClaim("cnf")));
    assert_eq!(check(json!({"cnf": {"jkt": 1}})), Err(TokenProblem::MistypedClaim("cnf.jkt")));
    assert_eq!(check(json!({"cnf": {"x5t#S256": {"v": "c"}}})), Err(TokenProblem::MistypedClaim("cnf.x5t#S256")));
    assert_eq!(check(json!({"aud": ["a", 1]})), Err(TokenProblem::MistypedClaim("aud")));
    assert_eq!(check(json!({"aud": 1})), Err(TokenProblem::MistypedClaim("aud")));
}

#[test]
fn registered_claims_are_read_unescaped() {
    let text = r#"{"iss":"https:\/\/id.test\/","sub":"ad\u0061","jti":"j1","sid":"s1","iat":100.5,
        "cnf":{"jkt":"t\u0031","x5t#S256":"c1"},"extra":[1,{"deep":true}]}"#;
    let claims = ClaimSet::parse(text, "not claims").unwrap();
    let expected = Registered {
        iss: Some("https://id.test/"),
        sub: Some("ada"),
        jti: Some("j1"),
        sid: Some("s1"),
        iat: Some(100.5),
        cnf_jkt: Some("t1"),
        cnf_x5t_s256: Some("c1"),
    };
    assert_eq!(registered(&claims), Ok(expected));
}

#[test]
fn the_audience_must_hold_an_accepted_one() {
    let accepted = Audience::from(["a", "b"]);
    assert_eq!(of(json!({"aud": "b"}), |claims| check_audience(claims, &accepted)), Ok(()));
    assert_eq!(of(json!({"aud": ["x", "a"]}), |claims| check_audience(claims, &accepted)), Ok(()));
    assert_eq!(of(json!({"aud": "x"}), |claims| check_audience(claims, &accepted)), Err(TokenProblem::WrongAudience));
    assert_eq!(of(json!({"aud": []}), |claims| check_audience(claims, &accepted)), Err(TokenProblem::WrongAudience));
    assert_eq!(of(json!({}), |claims| check_audience(claims, &accepted)), Err(TokenProblem::MissingClaim("aud")));
    assert_eq!(of(json!({}), |claims| check_audience(claims, &Audience::Unchecked)), Ok(()));
}

#[test]
fn scopes_are_split_on_spaces_or_read_from_an_array_exactly() {
    let scopes_of = |value: Value, claim| {
        of(value, |claims| {
            let kept = scopes(claims, claim)?;
            Ok::<_, TokenProblem>(kept.iter(claims.json()).map(str::to_owned).collect::<Vec<_>>())
        })
    };
    assert_eq!(scopes_of(json!({"scope": " read  Write "}), ScopeClaim::Scope).unwrap(), ["read", "Write"]);
    let escaped = ClaimSet::parse(r#"{"scope": "caf\u00e9 t\u0065a", "scp": ["\u0061", "b"]}"#, "not claims").unwrap();
    let read =
        |claim| scopes(&escaped, claim).unwrap().iter(escaped.json()).map(str::to_owned).collect::<Vec<String>>();
    assert_eq!(
        (read(ScopeClaim::Scope), read(ScopeClaim::Scp)),
        (vec!["café".to_owned(), "tea".into()], vec!["a".to_owned(), "b".into()]),
        "unescaped"
    );
    assert_eq!(scopes_of(json!({"scp": ["a:b", "c", "", "d e"]}), ScopeClaim::Scp).unwrap(), ["a:b", "c", "", "d e"]);
    assert_eq!(scopes_of(json!({"permissions": "x"}), ScopeClaim::Permissions).unwrap(), ["x"]);
    assert!(scopes_of(json!({"scope": "read"}), ScopeClaim::Scp).unwrap().is_empty());
    assert_eq!(scopes_of(json!({"scp": [1]}), ScopeClaim::Scp), Err(TokenProblem::MistypedClaim("scp")));
}

#[test]
fn roles_are_read_where_the_places_lead() {
    let claims = json!({
        "roles": "admin",
        "realm_access": { "roles": ["reader", "writer", 7] },
        "https://x.test/roles": ["editor"],
        "groups": [{ "name": "ops" }, ["first", "second"]],
        "level": 5,
    });
    let places = [
        vec!["roles"],
        vec!["realm_access", "roles"],
        vec!["https://x.test/roles"],
        vec!["groups", "1"],
        vec!["groups", "x"],
        vec!["missing", "roles"],
        vec!["level"],
    ];
    let places: Vec<Vec<String>> =
        places.into_iter().map(|place| place.into_iter().map(Into::into).collect()).collect();
    assert_eq!(
        of(claims, |claims| roles(claims, &places)),
        ["admin", "reader", "writer", "editor", "first", "second"],
        "strings and arrays of strings, arrays walked by index; numbers and missing places give none"
    );
}
