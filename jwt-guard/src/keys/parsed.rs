//! Key material parsed for aws-lc-rs once per key and algorithm, not once
//! per signature: `jsonwebtoken::crypto::verify` rebuilds the RSA key or
//! the EC point on every call, which costs a third of an RS256 check and
//! most of an HS256 one.
//!
//! A key is parsed for an algorithm the first time a signature of that
//! algorithm is checked with it, so a DPoP proof's key, used once, is
//! parsed for one algorithm only.

use std::sync::OnceLock;

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents, VerificationAlgorithm};
use jsonwebtoken::{DecodingKey, DecodingKeyKind};

use crate::algorithm::Algorithm;

/// The key material of a verifying key, with a parsed form per algorithm.
#[derive(Clone)]
pub(crate) struct ParsedKey {
    material: DecodingKey,
    /// Indexed by [`Algorithm`]; `Some(None)` once the material was found
    /// unfit for that algorithm.
    parsed: [OnceLock<Option<Check>>; Algorithm::ALL.len()],
}

/// A key ready to check signatures of one algorithm.
#[derive(Clone)]
enum Check {
    // Boxed: an HMAC key holds its hash states, over a kilobyte.
    Hmac(Box<hmac::Key>),
    Public(ParsedPublicKey),
}

impl ParsedKey {
    /// The material, to be parsed on first use.
    pub(crate) fn new(material: DecodingKey) -> Self {
        Self { material, parsed: Default::default() }
    }

    /// Whether `signature` over `message` verifies under `alg`. Material
    /// unfit for `alg` verifies nothing.
    pub(crate) fn verifies(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match self.parsed[alg as usize].get_or_init(|| parse(&self.material, alg)) {
            Some(Check::Hmac(key)) => hmac::verify(key, message, signature).is_ok(),
            Some(Check::Public(key)) => key.verify_sig(message, signature).is_ok(),
            None => false,
        }
    }
}

/// `material` parsed for `alg`, if it is of `alg`'s family: the bytes of
/// a public key are never taken for an HMAC secret (RFC 8725 section 3.1).
fn parse(material: &DecodingKey, alg: Algorithm) -> Option<Check> {
    if material.family() != alg.to_jsonwebtoken().family() {
        return None;
    }
    let public = |algorithm: &'static dyn VerificationAlgorithm| match material.kind() {
        DecodingKeyKind::SecretOrDer(bytes) => ParsedPublicKey::new(algorithm, bytes).ok().map(Check::Public),
        DecodingKeyKind::RsaModulusExponent { .. } => None,
    };
    let rsa = |params: &'static RsaParameters| match material.kind() {
        DecodingKeyKind::RsaModulusExponent { n, e } => {
            RsaPublicKeyComponents { n, e }.to_parsed_public_key(params).ok().map(Check::Public)
        }
        DecodingKeyKind::SecretOrDer(der) => ParsedPublicKey::new(params, der).ok().map(Check::Public),
    };
    let secret = |algorithm: hmac::Algorithm| match material.kind() {
        DecodingKeyKind::SecretOrDer(secret) => Some(Check::Hmac(Box::new(hmac::Key::new(algorithm, secret)))),
        DecodingKeyKind::RsaModulusExponent { .. } => None,
    };
    match alg {
        Algorithm::HS256 => secret(hmac::HMAC_SHA256),
        Algorithm::HS384 => secret(hmac::HMAC_SHA384),
        Algorithm::HS512 => secret(hmac::HMAC_SHA512),
        Algorithm::RS256 => rsa(&signature::RSA_PKCS1_2048_8192_SHA256),
        Algorithm::RS384 => rsa(&signature::RSA_PKCS1_2048_8192_SHA384),
        Algorithm::RS512 => rsa(&signature::RSA_PKCS1_2048_8192_SHA512),
        Algorithm::PS256 => rsa(&signature::RSA_PSS_2048_8192_SHA256),
        Algorithm::PS384 => rsa(&signature::RSA_PSS_2048_8192_SHA384),
        Algorithm::PS512 => rsa(&signature::RSA_PSS_2048_8192_SHA512),
        Algorithm::ES256 => public(&signature::ECDSA_P256_SHA256_FIXED),
        Algorithm::ES384 => public(&signature::ECDSA_P384_SHA384_FIXED),
        Algorithm::EdDSA => public(&signature::ED25519),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::signing::SigningKey;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// A token's signing input and decoded signature.
    fn signed(key: &SigningKey) -> (String, Vec<u8>) {
        let token = key.sign("at+jwt", &serde_json::Map::new()).unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        (input.to_owned(), URL_SAFE_NO_PAD.decode(signature).unwrap())
    }

    #[test]
    fn a_parsed_key_verifies_its_own_signatures_and_no_altered_one() {
        for alg in Algorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let parsed = &key.verifying_key().key;
            let (input, mut signature) = signed(&key);
            assert!(parsed.verifies(alg, input.as_bytes(), &signature), "{alg}");
            assert!(parsed.verifies(alg, input.as_bytes(), &signature), "{alg}, parsed already");
            assert!(!parsed.verifies(alg, format!("{input}x").as_bytes(), &signature), "{alg}: altered input");
            signature[3] ^= 1;
            assert!(!parsed.verifies(alg, input.as_bytes(), &signature), "{alg}: altered signature");
        }
    }

    #[test]
    fn material_of_another_family_verifies_nothing() {
        let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
        let (input, signature) = signed(&rsa);
        let parsed = &rsa.verifying_key().key;
        for alg in [Algorithm::HS256, Algorithm::ES256, Algorithm::EdDSA] {
            assert!(!parsed.verifies(alg, input.as_bytes(), &signature), "{alg}");
        }
        // An HMAC over the public key's bytes, as if they were a secret.
        let ed = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let public_bytes = URL_SAFE_NO_PAD.decode(ed.public_jwk().unwrap()["x"].as_str().unwrap()).unwrap();
        let forged = SigningKey::from_secret(Algorithm::HS256, &public_bytes).unwrap();
        let (input, signature) = signed(&forged);
        assert!(!ed.verifying_key().key.verifies(Algorithm::HS256, input.as_bytes(), &signature));
        assert!(!ed.verifying_key().key.verifies(Algorithm::ES256, input.as_bytes(), &signature));
    }
}
