//! How the API proves to an issuer that it is one of its clients: HTTP
//! Basic with a shared secret, or a fresh assertion signed with its
//! private key (`private_key_jwt`, RFC 7523 section 2.2).

use serde_json::{Map, json};

use crate::clock;
use crate::config::ClientCredential;
use crate::keys::signing::{SigningKey, SigningKeyError, random_id};

/// The `client_assertion_type` of a signed assertion.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion may be used: long enough for one request, given
/// some skew between the clocks.
const ASSERTION_LIFETIME: u64 = 60;

/// What a request to one of the issuer's endpoints carries so that the
/// issuer knows the client. No `Debug`: it holds the client's secret.
pub(crate) enum ClientAuthentication<'a> {
    /// An `Authorization: Basic` header (`client_secret_basic`).
    Basic { client_id: &'a str, secret: &'a str },
    /// Form fields: `client_id`, `client_assertion_type` and a
    /// `client_assertion` made for this request.
    Form([(&'static str, String); 3]),
}

impl<'a> ClientAuthentication<'a> {
    /// The authentication of `client_id` with `credential` at the issuer
    /// whose identifier is `issuer`: the audience of an assertion, as
    /// draft-ietf-oauth-rfc7523bis requires, unless configured otherwise.
    pub(crate) fn new(client_id: &'a str, credential: &'a ClientCredential, issuer: &str) -> Result<Self, String> {
        match credential {
            ClientCredential::Secret(secret) => Ok(Self::Basic { client_id, secret: secret.expose() }),
            ClientCredential::PrivateKey { key, kid, audience } => {
                let assertion = assertion(client_id, key, kid, audience.as_deref().unwrap_or(issuer))?;
                Ok(Self::Form([
                    ("client_id", client_id.to_owned()),
                    ("client_assertion_type", JWT_BEARER.to_owned()),
                    ("client_assertion", assertion),
                ]))
            }
        }
    }

    /// The `client_id` and secret for HTTP Basic, if that is the way.
    pub(crate) fn basic(&self) -> Option<(&str, &str)> {
        match self {
            Self::Basic { client_id, secret } => Some((client_id, secret)),
            Self::Form(_) => None,
        }
    }

    /// The form fields to send with the request's own.
    pub(crate) fn form_fields(&self) -> impl Iterator<Item = (&str, &str)> {
        let fields = match self {
            Self::Basic { .. } => &[][..],
            Self::Form(fields) => &fields[..],
        };
        fields.iter().map(|(name, value)| (*name, value.as_str()))
    }
}

/// A client assertion of `client_id` for `audience`, signed by `key` under
/// `kid`, with a `jti` of its own so that the issuer can refuse a replay.
fn assertion(client_id: &str, key: &SigningKey, kid: &str, audience: &str) -> Result<String, String> {
    let failed = |problem: SigningKeyError| format!("signing a client assertion failed: {problem}");
    let now = clock::unix_now_secs();
    let claims = Map::from_iter([
        ("iss".to_owned(), json!(client_id)),
        ("sub".to_owned(), json!(client_id)),
        ("aud".to_owned(), json!(audience)),
        ("jti".to_owned(), json!(random_id(16).map_err(failed)?)),
        ("iat".to_owned(), json!(now)),
        ("exp".to_owned(), json!(now + ASSERTION_LIFETIME)),
    ]);
    key.sign_with_kid("JWT", kid, &claims).map_err(failed)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use serde_json::Value;

    use super::*;
    use crate::algorithm::Algorithm;

    fn decoded(part: &str) -> Map<String, Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn a_secret_goes_in_basic_and_a_key_signs_a_fresh_assertion_each_time() {
        let secret = ClientCredential::Secret("s3cret".into());
        assert!(matches!(
            ClientAuthentication::new("rs", &secret, "https://idp.test").unwrap(),
            ClientAuthentication::Basic { client_id: "rs", secret: "s3cret" }
        ));
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        let credential = ClientCredential::PrivateKey { key: Box::new(key), kid: "rs-key-1".into(), audience: None };
        let fields = |authentication| match authentication {
            ClientAuthentication::Form(fields) => fields,
            ClientAuthentication::Basic { .. } => panic!("a key is never sent as a secret"),
        };
        let first = fields(ClientAuthentication::new("rs", &credential, "https://idp.test").unwrap());
        let second = fields(ClientAuthentication::new("rs", &credential, "https://idp.test").unwrap());
        assert_eq!((first[0].1.as_str(), first[1].1.as_str()), ("rs", JWT_BEARER));
        let parts: Vec<&str> = first[2].1.split('.').collect();
        let (header, claims) = (decoded(parts[0]), decoded(parts[1]));
        assert_eq!((header["alg"].as_str(), header["kid"].as_str()), (Some("ES256"), Some("rs-key-1")));
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("rs"), Some("rs")));
        assert_eq!(claims["aud"], "https://idp.test");
        assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), ASSERTION_LIFETIME);
        let second_claims = decoded(second[2].1.split('.').nth(1).unwrap());
        assert_ne!(claims["jti"], second_claims["jti"], "each assertion has its own jti");

        let endpoint = "https://idp.test/oauth2/v1/introspect";
        let key = Box::new(SigningKey::generate(Algorithm::ES256).unwrap());
        let for_okta = ClientCredential::PrivateKey { key, kid: "rs-key-1".into(), audience: Some(endpoint.into()) };
        let fields = fields(ClientAuthentication::new("rs", &for_okta, "https://idp.test").unwrap());
        assert_eq!(decoded(fields[2].1.split('.').nth(1).unwrap())["aud"], endpoint, "the configured audience");
    }
}
