//! Signing keys read from `support/keys/*.pem`, their public JWKs, and
//! tokens really signed with them.

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

/// A private key of the fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// RSA 2048, the usual key of the first issuer.
    RsaA,
    /// RSA 2048, the key rotated in.
    RsaB,
    /// RSA 2048, the key of the second issuer.
    RsaOther,
    /// ECDSA P-256.
    EcA,
    /// ECDSA P-384.
    Ec384A,
    /// Ed25519.
    EdA,
}

impl TestKey {
    /// The key's file name, without `.pem`.
    pub fn name(self) -> &'static str {
        match self {
            Self::RsaA => "rsa-a",
            Self::RsaB => "rsa-b",
            Self::RsaOther => "rsa-other",
            Self::EcA => "ec-a",
            Self::Ec384A => "ec384-a",
            Self::EdA => "ed-a",
        }
    }

    /// The `kid` tokens signed with this key carry by default.
    pub fn kid(self) -> String {
        format!("kid-{}", self.name())
    }

    /// The algorithm this key signs with by default.
    pub fn alg(self) -> Algorithm {
        match self {
            Self::RsaA | Self::RsaB | Self::RsaOther => Algorithm::RS256,
            Self::EcA => Algorithm::ES256,
            Self::Ec384A => Algorithm::ES384,
            Self::EdA => Algorithm::EdDSA,
        }
    }

    /// The path of the private key's PEM file.
    pub fn pem_path(self) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("support/keys/{}.pem", self.name()))
    }

    fn read(self, suffix: &str) -> Vec<u8> {
        read_fixture(&format!("{}{suffix}", self.name()))
    }

    /// The private key, ready to sign.
    pub fn encoding_key(self) -> EncodingKey {
        let pem = self.read(".pem");
        match self.alg() {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
            _ => EncodingKey::from_rsa_pem(&pem),
        }
        .expect("fixture keys are valid")
    }

    /// The public key in PEM form.
    pub fn public_pem(self) -> Vec<u8> {
        self.read(".pub.pem")
    }

    /// The public JWK, with this key's `kid`, `alg` and `use`.
    pub fn jwk(self) -> Value {
        self.jwk_with_kid(&self.kid())
    }

    /// The public JWK under another `kid`.
    pub fn jwk_with_kid(self, kid: &str) -> Value {
        let jwk = Jwk::from_encoding_key(&self.encoding_key(), self.alg()).expect("public part of a fixture key");
        let mut value = serde_json::to_value(jwk).expect("a JWK serializes");
        value["kid"] = kid.into();
        value["use"] = "sig".into();
        value
    }
}

fn read_fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/support/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// The public JWK of a 1024-bit RSA key (`kid-rsa-weak`): too weak to be
/// accepted, and too weak for the signing library to sign with.
pub fn weak_rsa_jwk() -> Value {
    serde_json::from_slice(&read_fixture("rsa-weak.jwk.json")).expect("the fixture is JSON")
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("the clock is past 1970");
    i64::try_from(since.as_secs()).expect("seconds fit i64")
}

/// A token signed by `key` with its default `alg` and `kid`.
pub fn mint(key: TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg());
    header.kid = Some(key.kid());
    mint_with_header(key, &header, claims)
}

/// A token signed by `key` with this header.
pub fn mint_with_header(key: TestKey, header: &Header, claims: &Value) -> String {
    jsonwebtoken::encode(header, claims, &key.encoding_key()).expect("signing works")
}
