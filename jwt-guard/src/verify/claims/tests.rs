use serde_json::json;

use super::*;

fn object(value: serde_json::Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[test]
fn times_compare_as_fractional_seconds_with_leeway() {
    let now = 1_000_000.0;
    assert_eq!(check_times(&object(json!({"exp": 1_000_000.5})), now, 0.0), Ok(1_000_000.5));
    assert_eq!(check_times(&object(json!({"exp": 1_000_000})), now, 0.0), Err(TokenProblem::Expired));
    assert_eq!(check_times(&object(json!({"exp": 999_990})), now, 30.0), Ok(999_990.0));
    assert_eq!(check_times(&object(json!({"exp": 2e6, "nbf": 1_000_031})), now, 30.0), Err(TokenProblem::NotYetValid));
    assert_eq!(
        check_times(&object(json!({"exp": 2e6, "iat": 1_000_031})), now, 30.0),
        Err(TokenProblem::IssuedInFuture)
    );
    assert_eq!(check_times(&object(json!({"exp": 1e308})), now, 30.0), Ok(1e308));
    assert_eq!(check_times(&object(json!({"exp": -5})), now, 30.0), Err(TokenProblem::Expired));
    assert_eq!(check_times(&object(json!({})), now, 30.0), Err(TokenProblem::MissingClaim("exp")));
    assert_eq!(check_times(&object(json!({"exp": "2e6"})), now, 30.0), Err(TokenProblem::MistypedClaim("exp")));
}

#[test]
fn registered_claims_have_their_json_types() {
    assert_eq!(check_types(&object(json!({"iss": "i", "sub": "s", "jti": "j", "aud": ["a"]}))), Ok(()));
    assert_eq!(check_types(&object(json!({"jti": 5}))), Err(TokenProblem::MistypedClaim("jti")));
    assert_eq!(check_types(&object(json!({"sid": 5}))), Err(TokenProblem::MistypedClaim("sid")));
    assert_eq!(check_types(&object(json!({"cnf": {"jkt": "t", "x5t#S256": "c", "other": 1}}))), Ok(()));
    assert_eq!(check_types(&object(json!({"cnf": "t"}))), Err(TokenProblem::MistypedClaim("cnf")));
    assert_eq!(check_types(&object(json!({"cnf": ["t"]}))), Err(TokenProblem::MistypedClaim("cnf")));
    assert_eq!(check_types(&object(json!({"cnf": {"jkt": 1}}))), Err(TokenProblem::MistypedClaim("cnf.jkt")));
    assert_eq!(
        check_types(&object(json!({"cnf": {"x5t#S256": {"v": "c"}}}))),
        Err(TokenProblem::MistypedClaim("cnf.x5t#S256"))
    );
    assert_eq!(check_types(&object(json!({"aud": ["a", 1]}))), Err(TokenProblem::MistypedClaim("aud")));
}

#[test]
fn the_audience_must_hold_an_accepted_one() {
    let accepted = Audience::from(["a", "b"]);
    assert_eq!(check_audience(&object(json!({"aud": "b"})), &accepted), Ok(()));
    assert_eq!(check_audience(&object(json!({"aud": ["x", "a"]})), &accepted), Ok(()));
    assert_eq!(check_audience(&object(json!({"aud": "x"})), &accepted), Err(TokenProblem::WrongAudience));
    assert_eq!(check_audience(&object(json!({"aud": []})), &accepted), Err(TokenProblem::WrongAudience));
    assert_eq!(check_audience(&object(json!({})), &accepted), Err(TokenProblem::MissingClaim("aud")));
    assert_eq!(check_audience(&object(json!({})), &Audience::Unchecked), Ok(()));
}

#[test]
fn scopes_are_split_on_spaces_or_read_from_an_array_exactly() {
    let scopes_of = |value: serde_json::Value, claim| scopes(&object(value), claim);
    assert_eq!(scopes_of(json!({"scope": "read  Write"}), ScopeClaim::Scope).unwrap(), ["read", "Write"]);
    assert_eq!(scopes_of(json!({"scp": ["a:b", "c"]}), ScopeClaim::Scp).unwrap(), ["a:b", "c"]);
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
        roles(claims.as_object().unwrap(), &places),
        ["admin", "reader", "writer", "editor", "first", "second"],
        "strings and arrays of strings, arrays walked by index; numbers and missing places give none"
    );
}
