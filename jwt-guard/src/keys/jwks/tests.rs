use serde_json::{Value, json};

use super::*;

/// A P-256 public key (the x and y of RFC 7515 appendix A.3).
fn ec_jwk() -> Value {
    json!({
        "kty": "EC", "crv": "P-256", "kid": "ec",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    })
}

/// An RSA public key with a modulus of `bits` bits.
fn rsa_jwk(bits: usize) -> Value {
    let mut modulus = vec![0xC5; bits / 8];
    modulus[bits / 8 - 1] |= 1;
    json!({"kty": "RSA", "kid": "rsa", "n": URL_SAFE_NO_PAD.encode(modulus), "e": "AQAB"})
}

fn parse(keys: Vec<Value>) -> KeySet {
    parse_jwks(json!({ "keys": keys }).to_string().as_bytes(), "test").unwrap()
}

fn algorithms(set: &KeySet, kid: &str) -> Vec<Algorithm> {
    Algorithm::ALL
        .into_iter()
        .filter(|alg| matches!(set.find(Some(kid), *alg), crate::keys::KeyMatch::Found(_)))
        .collect()
}

#[test]
fn keys_are_bound_to_the_algorithms_of_their_type() {
    let set = parse(vec![ec_jwk(), rsa_jwk(2048)]);
    assert_eq!(algorithms(&set, "ec"), [Algorithm::ES256]);
    assert_eq!(
        algorithms(&set, "rsa"),
        [Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::PS256, Algorithm::PS384, Algorithm::PS512]
    );
    let mut rs256_only = rsa_jwk(2048);
    rs256_only["alg"] = json!("RS256");
    assert_eq!(algorithms(&parse(vec![rs256_only]), "rsa"), [Algorithm::RS256]);
}

#[test]
fn unusable_keys_are_skipped_and_the_others_kept() {
    let mut encryption = ec_jwk();
    encryption["use"] = json!("enc");
    let mut wrong_alg = ec_jwk();
    wrong_alg["alg"] = json!("RS256");
    let mut unknown_alg = ec_jwk();
    unknown_alg["alg"] = json!("XS999");
    let mut no_verify = ec_jwk();
    no_verify["key_ops"] = json!(["encrypt"]);
    let mut short_coordinates = ec_jwk();
    short_coordinates["x"] = json!("AAAA");
    let mut published_private = ec_jwk();
    published_private["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    // 256 bytes, but 2041 bits: the first byte is 0x01.
    let mut modulus = vec![0xC5; 256];
    modulus[0] = 0x01;
    let bits_2041 = json!({"kty": "RSA", "kid": "short", "n": URL_SAFE_NO_PAD.encode(modulus), "e": "AQAB"});
    let skipped = vec![
        published_private,
        bits_2041,
        encryption,
        wrong_alg,
        unknown_alg,
        no_verify,
        short_coordinates,
        rsa_jwk(1024),
        rsa_jwk(16384),
        json!({"kty": "oct", "kid": "secret", "k": "c2VjcmV0"}),
        json!({"kty": "XYZ", "kid": "alien"}),
        json!("not even an object"),
    ];
    assert!(parse(skipped.clone()).is_empty());
    let mut with_one_good = skipped;
    with_one_good.push(ec_jwk());
    assert_eq!(parse(with_one_good).len(), 1);
}

#[test]
fn a_document_without_keys_is_an_error() {
    for body in [&b"<html></html>"[..], b"{}", b"{\"keys\": 3}", b"[]"] {
        assert!(parse_jwks(body, "test").is_err());
    }
}
