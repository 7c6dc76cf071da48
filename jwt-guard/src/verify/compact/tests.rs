use serde_json::json;

use super::*;

fn encode(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode_to_string(value.to_string())
}

#[test]
fn split_counts_the_parts() {
    let parts = split("aaa.bbb.ccc").unwrap();
    assert_eq!((parts.header, parts.payload, parts.signature, parts.signing_input), ("aaa", "bbb", "ccc", "aaa.bbb"));
    assert_eq!(split("a.b.c.d.e").unwrap_err(), TokenProblem::Encrypted);
    for malformed in ["", "abc", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b."] {
        assert!(matches!(split(malformed), Err(TokenProblem::Malformed(_))), "{malformed:?}");
    }
}

#[test]
fn headers_are_checked_before_any_key_is_looked_up() {
    let header = |value: serde_json::Value| decode_header(&encode(&value));
    assert_eq!(
        header(json!({"alg": "ES256", "kid": "k", "typ": "at+jwt"})).unwrap(),
        TokenHeader { alg: Algorithm::ES256, kid: Some("k".into()), typ: Some("at+jwt".into()) }
    );
    assert_eq!(header(json!({"alg": "none"})).unwrap_err(), TokenProblem::AlgorithmNotAllowed);
    assert_eq!(
        header(json!({"alg": "RS256", "crit": ["b64"], "b64": false})).unwrap_err(),
        TokenProblem::UnsupportedCritical
    );
    assert_eq!(header(json!({"alg": "RSA-OAEP", "enc": "A256GCM"})).unwrap_err(), TokenProblem::Encrypted);
    assert_eq!(
        header(json!({"alg": "RS256", "crit": null})).unwrap_err(),
        TokenProblem::UnsupportedCritical,
        "a `crit` of null is no absent `crit`"
    );
    assert_eq!(header(json!({"alg": "RS256", "enc": null})).unwrap_err(), TokenProblem::Encrypted);
    assert_eq!(header(json!({"alg": "RS256", "typ": "refresh+jwt"})).unwrap_err(), TokenProblem::WrongType);
    assert!(header(json!({"alg": "RS256", "jku": "https://evil.test/jwks", "x5u": "https://evil.test/cert"})).is_ok());
    assert!(matches!(header(json!(["alg", "RS256"])), Err(TokenProblem::Malformed(_))));
    assert!(matches!(header(json!({"kid": "k"})), Err(TokenProblem::Malformed(_))));
    let duplicate_alg = URL_SAFE_NO_PAD.encode_to_string(r#"{"alg":"RS256","alg":"none"}"#);
    assert!(matches!(decode_header(&duplicate_alg), Err(TokenProblem::Malformed(_))));
    assert_eq!(header(json!({"alg": "EdDSA", "typ": "id+jwt"})).unwrap_err(), TokenProblem::WrongType);
}

#[test]
fn headers_longer_than_the_stack_buffer_read_the_same() {
    let header = |value: serde_json::Value| decode_header(&encode(&value));
    for kid in ["k".repeat(MAX_STACK_HEADER_BYTES), "k".repeat(4 * MAX_STACK_HEADER_BYTES)] {
        let read = header(json!({"alg": "ES256", "kid": kid, "typ": "JWT"}));
        assert_eq!(read.unwrap(), TokenHeader { alg: Algorithm::ES256, kid: Some(kid), typ: Some("JWT".into()) });
    }
    let long = encode(&json!({"alg": "ES256", "kid": "k".repeat(MAX_STACK_HEADER_BYTES)}));
    assert_eq!(decode_header(&format!("{long}!")).unwrap_err(), NOT_BASE64URL);
    assert_eq!(decode_header("eyJhbGciOiJFUzI1NiJ9!").unwrap_err(), NOT_BASE64URL);
    let escaped = URL_SAFE_NO_PAD.encode_to_string(r#"{"alg":"ES256","kid":"k\u0031","typ":"at\u002bjwt"}"#);
    let read = decode_header(&escaped).unwrap();
    assert_eq!((read.kid.as_deref(), read.typ.as_deref()), (Some("k1"), Some("at+jwt")), "escapes are read");
}

#[test]
fn typ_accepts_access_token_media_types_only() {
    for typ in ["JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt", "Application/JWT"] {
        assert!(is_access_token_type(typ), "{typ}");
    }
    for typ in ["refresh+jwt", "application/", "id+jwt", "JWS", "", "application/refresh+jwt", "ü"] {
        assert!(!is_access_token_type(typ), "{typ}");
    }
}

#[test]
fn claims_must_be_one_object_with_unique_members() {
    assert_eq!(decode_claims(&encode(&json!({"sub": "a"}))).unwrap()["sub"], "a");
    let duplicate = URL_SAFE_NO_PAD.encode_to_string(r#"{"sub":"a","sub":"b"}"#);
    assert!(matches!(decode_claims(&duplicate), Err(TokenProblem::Malformed(_))));
    for not_an_object in [json!([1]), json!("sub"), json!(null), json!(3)] {
        assert!(decode_claims(&encode(&not_an_object)).is_err());
    }
    let padded = format!("{}=", encode(&json!({"a": 1})));
    assert!(decode_claims(&padded).is_err());
}

#[test]
fn only_jose_shaped_tokens_are_jws_and_the_rest_is_opaque() {
    let header = encode(&serde_json::json!({ "alg": "ES256" }));
    assert!(is_jws(&format!("{header}.e30.c2ln")));
    assert!(is_jws(&format!("{header}.a.b.c.d")), "a JWE, to be refused as such");
    for opaque in ["2YotnFZFEjr1zCsicMWpAA", "ory_at_hXs2t6.bX1oUq3", "a.b.c", "e30", ".."] {
        assert!(!is_jws(opaque), "{opaque}");
    }
}

#[test]
fn a_logout_token_is_typed_logout_jwt_or_generically() {
    let header = |value: serde_json::Value| decode_logout_token_header(&encode(&value));
    for typ in [json!("logout+jwt"), json!("application/Logout+JWT"), json!("JWT"), json!("application/jwt")] {
        assert_eq!(header(json!({"alg": "ES256", "typ": typ})).unwrap().alg, Algorithm::ES256, "{typ}");
    }
    assert_eq!(header(json!({"alg": "ES256"})).unwrap().alg, Algorithm::ES256, "untyped");
    for typ in ["at+jwt", "secevent+jwt", "dpop+jwt", "text/jwt"] {
        assert_eq!(header(json!({"alg": "ES256", "typ": typ})).unwrap_err(), TokenProblem::WrongType, "{typ}");
    }
    assert!(header(json!({"alg": "ES256", "typ": 1})).is_err(), "a `typ` that is no string");
}

#[test]
fn an_explicitly_typed_header_must_declare_its_type() {
    let header = |value: serde_json::Value| decode_explicitly_typed_header(&encode(&value), "secevent+jwt");
    for typ in ["secevent+jwt", "SecEvent+JWT", "application/secevent+jwt", "APPLICATION/secevent+jwt"] {
        let decoded = header(json!({"alg": "RS256", "kid": "k", "typ": typ})).unwrap();
        assert_eq!((decoded.alg, decoded.kid.as_deref()), (Algorithm::RS256, Some("k")), "{typ}");
    }
    for typ in [json!("JWT"), json!("at+jwt"), json!("logout+jwt"), json!("text/secevent+jwt"), json!(1)] {
        assert!(header(json!({"alg": "RS256", "typ": typ})).is_err(), "{typ}");
    }
    assert_eq!(header(json!({"alg": "RS256"})).unwrap_err(), TokenProblem::WrongType, "a type is required");
    assert_eq!(header(json!({"alg": "none", "typ": "secevent+jwt"})).unwrap_err(), TokenProblem::AlgorithmNotAllowed);
    assert_eq!(
        header(json!({"alg": "RS256", "typ": "secevent+jwt", "crit": ["x"]})).unwrap_err(),
        TokenProblem::UnsupportedCritical
    );
    assert_eq!(
        decode_header(&encode(&json!({"alg": "RS256", "typ": "logout+jwt"}))).unwrap_err(),
        TokenProblem::WrongType,
        "a logout token is no access token"
    );
}

/// Parts that the `base64` crate's strict engine reads, of every length
/// up to past several vector blocks, and parts one character away from
/// them: stray bits in the last character, padding, the standard
/// alphabet's `+` and `/`, whitespace, a dot, a NUL.
fn parts_near_base64url() -> impl Iterator<Item = String> {
    use base64::Engine as _;
    const URL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const STRAYS: &[u8] = b"=+/ \n.\0";
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % 1_000_003).expect("small")
    };
    (0..4000).map(move |round| {
        let bytes: Vec<u8> = (0..round % 150).map(|_| (next() % 256) as u8).collect();
        let mut part = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes).into_bytes();
        let len = part.len();
        match round % 4 {
            0 if len > 0 => part[next() % len] = STRAYS[next() % STRAYS.len()],
            1 if len > 0 => part[len - 1] = URL_ALPHABET[next() % 64],
            _ => {}
        }
        String::from_utf8(part).expect("ASCII")
    })
}

#[test]
fn payloads_longer_than_the_stack_buffer_read_the_same() {
    use base64::Engine as _;
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    for len in [MAX_STACK_PAYLOAD_BYTES - 1, MAX_STACK_PAYLOAD_BYTES, MAX_STACK_PAYLOAD_BYTES + 1, 10_000] {
        let claims = format!(r#"{{"sub":"{}"}}"#, "é".repeat(len / 2));
        assert_eq!(decode_text_after("a.b.", &encode(claims.as_bytes())).unwrap(), format!("a.b.{claims}"), "{len}");
        let mut not_utf8 = claims.into_bytes();
        not_utf8[8] = 0xff;
        assert!(matches!(decode_text_after("a.b.", &encode(&not_utf8)), Err(TokenProblem::Malformed(_))), "{len}");
        let stray = format!("{}!", encode(&not_utf8));
        assert_eq!(decode_text_after("a.b.", &stray).unwrap_err(), NOT_BASE64URL, "{len}");
    }
}

#[test]
fn parts_decode_exactly_as_the_strict_base64_engine_decodes_them() {
    use base64::Engine as _;
    let strict = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (mut accepted, mut refused) = (0, 0);
    for text in parts_near_base64url() {
        let expected = strict.decode(&text).ok();
        assert_eq!(decode_part(&text).ok(), expected, "{text:?}");
        let mut buffer = [MaybeUninit::uninit(); 160];
        assert_eq!(decode_into(&text, &mut buffer).ok().map(<[u8]>::to_vec), expected, "{text:?}, on the stack");
        let mut short = [MaybeUninit::uninit(); 16];
        match (decode_into(&text, &mut short), &expected) {
            (Ok(decoded), Some(bytes)) => assert_eq!(decoded, &bytes[..], "{text:?}, in a short buffer"),
            // Told by its length alone, valid or not: the heap then reads
            // it whole.
            (Err(PartError::TooLong), _) => assert!(text.len() * 3 / 4 > short.len(), "{text:?}"),
            (Err(PartError::NotBase64Url), None) => {}
            _ => panic!("{text:?}: a short buffer read otherwise than the strict engine"),
        }
        let after = decode_text_after("a.b.", &text).ok();
        let expected_text = expected.as_ref().and_then(|bytes| std::str::from_utf8(bytes).ok());
        assert_eq!(after.as_deref().map(|all| &all[4..]), expected_text, "{text:?}, after the token");
        match expected {
            Some(_) => accepted += 1,
            None => refused += 1,
        }
    }
    assert!(accepted > 1000 && refused > 1000, "both kinds are tried: {accepted} accepted, {refused} refused");
}
