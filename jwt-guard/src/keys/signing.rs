//! Signing keys of the built-in issuer: loaded from PEM or a secret, or
//! generated, each with its `kid` (the RFC 7638 thumbprint of its public
//! key), its public JWK, and the verifying key of the same pair.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey, Header};
use serde_json::{Map, Value};

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::keys::VerifyingKey;

/// What a secret's `kid` is the HMAC of.
const KID_LABEL: &[u8] = b"jwt-guard key id";

/// `bytes` random bytes, base64url: a `jti`, a session id, a refresh token.
pub(crate) fn random_id(bytes: usize) -> Result<String, SigningKeyError> {
    let mut random = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut random).map_err(|_| SigningKeyError::Randomness)?;
    Ok(URL_SAFE_NO_PAD.encode(random))
}

/// A private key that signs tokens: the built-in issuer's, a test's, or
/// one that signs tokens for another service of the app's.
///
/// ```
/// use jwt_guard::config::{Config, IssuerConfig};
/// use jwt_guard::{issuer::SigningKey, verify::{Algorithm, Verifier}};
/// use serde_json::json;
///
/// let key = SigningKey::generate(Algorithm::ES256)?;
/// // Its public half, as a JWKS publishes it, is all a verifier needs.
/// let jwks = json!({ "keys": [key.public_jwk().expect("an asymmetric key")] });
/// let mut config = Config::default();
/// config.issuers.insert("jobs".into(), IssuerConfig::new("https://jobs.internal", "reports-api").inline_jwks(jwks));
/// let verifier = Verifier::new(&config)?;
///
/// let claims = json!({ "iss": "https://jobs.internal", "aud": "reports-api", "sub": "nightly-export", "exp": 4_000_000_000u64 });
/// let signed = key.sign("at+jwt", claims.as_object().unwrap())?;
/// let token = futures_util::FutureExt::now_or_never(verifier.verify(&signed)).expect("no I/O")?;
/// assert_eq!((token.issuer(), token.subject()), ("jobs", Some("nightly-export")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SigningKey {
    alg: Algorithm,
    kid: String,
    encoding: EncodingKey,
    /// The public JWK; `None` for HMAC secrets, which are never published.
    jwk: Option<Jwk>,
    verifying: VerifyingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("alg", &self.alg).field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Why a signing key cannot be used.
///
/// ```
/// use jwt_guard::issuer::{SigningKey, SigningKeyError};
/// use jwt_guard::verify::Algorithm;
///
/// let error = SigningKey::from_secret(Algorithm::HS256, b"changeme").unwrap_err();
/// assert_eq!(error, SigningKeyError::ShortSecret { alg: Algorithm::HS256, min: 32, len: 8 });
/// assert_eq!(error.to_string(), "a HS256 secret needs at least 32 bytes; this one has 8");
/// let error = SigningKey::from_secret(Algorithm::EdDSA, &[7; 32]).unwrap_err();
/// assert!(matches!(error, SigningKeyError::WrongKind(Algorithm::EdDSA, _)), "EdDSA signs with a key file");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningKeyError {
    /// The PEM does not hold a private key for the algorithm.
    #[error("the PEM does not hold a {0} private key")]
    InvalidPem(Algorithm),
    /// A secret for an asymmetric algorithm, or a PEM for an HMAC one.
    #[error("{0} needs {1}")]
    WrongKind(Algorithm, &'static str),
    /// An HMAC secret shorter than the hash output (RFC 7518 section 3.2).
    #[error("a {alg} secret needs at least {min} bytes; this one has {len}")]
    ShortSecret {
        /// The algorithm.
        alg: Algorithm,
        /// The bytes it needs.
        min: usize,
        /// The bytes given.
        len: usize,
    },
    /// The system could not generate a key.
    #[error("generating a {0} key failed")]
    Generation(Algorithm),
    /// The system gave no random bits.
    #[error("the system gave no random bits")]
    Randomness,
}

impl SigningKey {
    /// Loads a PKCS#8 PEM private key for an asymmetric `alg`: the file
    /// that `openssl genpkey -algorithm ed25519 -out signing.pem` writes,
    /// say.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// // RFC 8410's example key; an app reads its own: std::fs::read("signing.pem")?
    /// let pem = "-----BEGIN PRIVATE KEY-----
    /// MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
    /// -----END PRIVATE KEY-----";
    /// let key = SigningKey::from_pem(Algorithm::EdDSA, pem.as_bytes())?;
    /// assert_eq!(key.kid().len(), 43); // a base64url SHA-256 thumbprint
    /// assert!(SigningKey::from_pem(Algorithm::ES256, pem.as_bytes()).is_err(), "not a P-256 key");
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn from_pem(alg: Algorithm, pem: &[u8]) -> Result<Self, SigningKeyError> {
        let encoding = match alg {
            _ if AlgorithmSet::SYMMETRIC.contains(alg) => {
                return Err(SigningKeyError::WrongKind(alg, "a `secret`, not a key file"));
            }
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            _ => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|_| SigningKeyError::InvalidPem(alg))?;
        let jwk =
            Jwk::from_encoding_key(&encoding, alg.to_jsonwebtoken()).map_err(|_| SigningKeyError::InvalidPem(alg))?;
        let kid = jwk.thumbprint(ThumbprintHash::SHA256).map_err(|_| SigningKeyError::InvalidPem(alg))?;
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|_| SigningKeyError::InvalidPem(alg))?;
        Ok(Self::assemble(alg, kid, encoding, Some(jwk), decoding))
    }

    /// An HMAC key from a shared secret, at least as long as the hash.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// assert!(SigningKey::from_secret(Algorithm::HS256, b"too short").is_err());
    /// let key = SigningKey::from_secret(Algorithm::HS256, &[7; 32])?;
    /// assert_eq!(key.public_jwk(), None, "a secret is never published");
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn from_secret(alg: Algorithm, secret: &[u8]) -> Result<Self, SigningKeyError> {
        let min = match alg {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
            _ => return Err(SigningKeyError::WrongKind(alg, "a private key file, not a `secret`")),
        };
        let short = || SigningKeyError::ShortSecret { alg, min, len: secret.len() };
        if secret.len() < min {
            return Err(short());
        }
        // Keyed by the secret, not a bare hash of it: a guess at the secret
        // is checked against the `kid` at no less cost than against a
        // token's signature.
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), KID_LABEL);
        let kid = URL_SAFE_NO_PAD.encode(&tag.as_ref()[..16]);
        // jsonwebtoken refuses empty secrets only, which are short here.
        let encoding = EncodingKey::from_secret(secret).map_err(|_| short())?;
        let decoding = DecodingKey::from_secret(secret).map_err(|_| short())?;
        Ok(Self::assemble(alg, kid, encoding, None, decoding))
    }

    /// A new random key for `alg`.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// let key = SigningKey::generate(Algorithm::ES256)?;
    /// assert_eq!(key.algorithm(), Algorithm::ES256);
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn generate(alg: Algorithm) -> Result<Self, SigningKeyError> {
        let failed = |_| SigningKeyError::Generation(alg);
        if AlgorithmSet::SYMMETRIC.contains(alg) {
            let mut secret = [0u8; 64];
            aws_lc_rs::rand::fill(&mut secret).map_err(failed)?;
            return Self::from_secret(alg, &secret);
        }
        let pkcs8 = match alg {
            Algorithm::EdDSA => {
                Ed25519KeyPair::generate().and_then(|pair| pair.to_pkcs8v1()).map_err(failed)?.as_ref().to_vec()
            }
            Algorithm::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .and_then(|pair| pair.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Algorithm::ES384 => EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING)
                .and_then(|pair| pair.to_pkcs8v1())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            _ => aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .and_then(|pair| AsDer::<aws_lc_rs::encoding::Pkcs8V1Der<'static>>::as_der(&pair))
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", STANDARD.encode(pkcs8));
        Self::from_pem(alg, pem.as_bytes())
    }

    /// A signing key whose `kid` is also its fingerprint: the thumbprint
    /// of a public key, or the HMAC of a secret's [`KID_LABEL`].
    fn assemble(alg: Algorithm, kid: String, encoding: EncodingKey, jwk: Option<Jwk>, decoding: DecodingKey) -> Self {
        let verifying = VerifyingKey::new(Some(kid.clone()), AlgorithmSet::only(alg), decoding, kid.as_str().into());
        Self { alg, kid, encoding, jwk, verifying }
    }

    /// The algorithm it signs with.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// let key = SigningKey::from_secret(Algorithm::HS384, &[7; 48])?;
    /// assert_eq!(key.algorithm(), Algorithm::HS384);
    /// assert_eq!(key.algorithm().name(), "HS384"); // the `alg` of its tokens' header
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Its key id: the RFC 7638 thumbprint of the public key, or for a
    /// secret the HMAC-SHA256 of a fixed label under it (128 bits), which
    /// tells no more of the secret than a token's signature does.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// // Every instance of a fleet loads the same secret, and names it alike:
    /// let secret = b"a secret shared by every instance of the API";
    /// let key = SigningKey::from_secret(Algorithm::HS256, secret)?;
    /// assert_eq!(key.kid(), SigningKey::from_secret(Algorithm::HS256, secret)?.kid());
    /// assert_eq!(key.kid().len(), 22, "128 bits, base64url");
    /// // Another key, another `kid`: a token's header tells which key signed it.
    /// assert_ne!(SigningKey::generate(Algorithm::HS256)?.kid(), key.kid());
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK, with `kid`, `alg` and `use`; `None` for a secret.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    ///
    /// let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// let jwk = key.public_jwk().expect("an asymmetric key is published");
    /// assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("OKP"), Some("Ed25519")));
    /// assert_eq!((jwk["alg"].as_str(), jwk["use"].as_str()), (Some("EdDSA"), Some("sig")));
    /// assert_eq!(jwk["kid"], key.kid());
    /// assert!(jwk.get("d").is_none(), "the public half only");
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn public_jwk(&self) -> Option<Value> {
        let mut value = serde_json::to_value(self.jwk.as_ref()?).ok()?;
        value["kid"] = self.kid.clone().into();
        value["use"] = "sig".into();
        Some(value)
    }

    /// The key that verifies its signatures.
    pub(crate) fn verifying_key(&self) -> VerifyingKey {
        self.verifying.clone()
    }

    /// Signs `claims` with a header of this key's `alg` and `kid` and the
    /// given `typ`. It checks nothing of the claims: the built-in issuer
    /// and the test helpers build them.
    ///
    /// ```
    /// use jwt_guard::{verify::Algorithm, issuer::SigningKey};
    /// use serde_json::json;
    ///
    /// let key = SigningKey::generate(Algorithm::EdDSA)?;
    /// let claims = json!({"iss": "https://api.example.com", "sub": "user1", "exp": 4_000_000_000u64});
    /// let token = key.sign("at+jwt", claims.as_object().unwrap())?;
    /// assert_eq!(token.split('.').count(), 3);
    /// assert_eq!(key.public_jwk().unwrap()["kid"], key.kid(), "what a JWKS publishes");
    /// # Ok::<(), jwt_guard::issuer::SigningKeyError>(())
    /// ```
    pub fn sign(&self, typ: &str, claims: &Map<String, Value>) -> Result<String, SigningKeyError> {
        self.sign_with_kid(typ, &self.kid, claims)
    }

    /// Signs `claims` under `header`, as given: a DPoP proof's, whose
    /// header carries the public key.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn sign_with_header(&self, header: &Value, claims: &Value) -> Result<String, SigningKeyError> {
        let encode = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let input = format!("{}.{}", encode(header), encode(claims));
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, self.alg.to_jsonwebtoken())
            .map_err(|_| SigningKeyError::Generation(self.alg))?;
        Ok(format!("{input}.{signature}"))
    }

    /// Signs `claims` under another `kid`, for tests of unknown keys.
    pub(crate) fn sign_with_kid(
        &self,
        typ: &str,
        kid: &str,
        claims: &Map<String, Value>,
    ) -> Result<String, SigningKeyError> {
        let mut header = Header::new(self.alg.to_jsonwebtoken());
        header.kid = Some(kid.to_owned());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|_| SigningKeyError::Generation(self.alg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_what_their_verifying_keys_accept() {
        for alg in
            [Algorithm::EdDSA, Algorithm::ES256, Algorithm::ES384, Algorithm::HS256, Algorithm::HS512, Algorithm::RS256]
        {
            let key = SigningKey::generate(alg).unwrap();
            let token = key.sign("at+jwt", &Map::new()).unwrap();
            let parts = crate::verify::compact::split(&token).unwrap();
            assert!(parts.signed_by(&key.verifying_key(), alg), "{alg}");
            assert_eq!(key.public_jwk().is_some(), !AlgorithmSet::SYMMETRIC.contains(alg), "{alg}");
        }
    }

    #[test]
    fn a_secrets_kid_is_stable_and_no_bare_digest_of_it() {
        let (secret, other) = ([7u8; 32], [8u8; 32]);
        let kid = |secret: &[u8]| SigningKey::from_secret(Algorithm::HS256, secret).unwrap().kid().to_owned();
        assert_eq!(kid(&secret), kid(&secret), "the same after a restart: tokens outlive it");
        assert_ne!(kid(&secret), kid(&other));
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &secret);
        assert_ne!(
            kid(&secret),
            URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]),
            "a guess is checked at an HMAC's cost"
        );
        assert_eq!(kid(&secret).len(), 22, "128 bits");
    }

    #[test]
    fn secrets_must_be_as_long_as_the_hash() {
        assert_eq!(
            SigningKey::from_secret(Algorithm::HS512, &[7; 63]).unwrap_err(),
            SigningKeyError::ShortSecret { alg: Algorithm::HS512, min: 64, len: 63 }
        );
        assert!(SigningKey::from_secret(Algorithm::HS256, &[7; 32]).is_ok());
        assert!(matches!(SigningKey::from_secret(Algorithm::ES256, &[7; 64]), Err(SigningKeyError::WrongKind(..))));
        assert!(matches!(SigningKey::from_pem(Algorithm::HS256, b"x"), Err(SigningKeyError::WrongKind(..))));
        assert_eq!(
            SigningKey::from_pem(Algorithm::ES256, b"nonsense").unwrap_err(),
            SigningKeyError::InvalidPem(Algorithm::ES256)
        );
    }
}
