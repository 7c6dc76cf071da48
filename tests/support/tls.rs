//! Certificates for TLS tests, generated per test: a CA, a server
//! certificate for 127.0.0.1, and client certificates it signs; the PEM
//! files that Rocket's TLS configuration reads, removed afterwards; and
//! HTTP clients that trust the CA and present a client certificate.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rocket::figment::Figment;

/// A client's certificate and key.
#[derive(Debug)]
pub struct ClientCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The certificate, PEM.
    pub pem: String,
    /// The certificate and its key, PEM, as an HTTP client presents them.
    pub identity_pem: String,
}

/// A CA, a server certificate for 127.0.0.1 in files, and what they sign.
pub struct TestPki {
    ca: CertifiedIssuer<'static, KeyPair>,
    directory: PathBuf,
}

impl TestPki {
    /// A new CA, and the server's certificate and key in a directory of
    /// their own.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, "jwt-guard test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key")).expect("a CA");
        let name = format!("jwt-guard-tls-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let directory = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&directory).expect("a directory for the certificates");
        let server_key = KeyPair::generate().expect("a key");
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .and_then(|params| params.signed_by(&server_key, &ca))
            .expect("the server's certificate");
        std::fs::write(directory.join("ca.pem"), ca.pem()).expect("written");
        std::fs::write(directory.join("server.pem"), server.pem()).expect("written");
        std::fs::write(directory.join("server-key.pem"), server_key.serialize_pem()).expect("written");
        Self { ca, directory }
    }

    /// The file of one of its PEMs: `ca.pem`, `server.pem` or
    /// `server-key.pem`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.directory.join(name)
    }

    /// A client certificate that the CA signs.
    pub fn client(&self, name: &str) -> ClientCertificate {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let certificate = params.signed_by(&key, &self.ca).expect("a client certificate");
        let identity_pem = format!("{}{}", certificate.pem(), key.serialize_pem());
        ClientCertificate { der: certificate.der().to_vec(), pem: certificate.pem(), identity_pem }
    }

    /// `figment` with Rocket's TLS on, asking clients for certificates of
    /// this CA without requiring one.
    pub fn rocket_tls(&self, figment: Figment) -> Figment {
        let path = |name: &str| self.file(name).display().to_string();
        figment
            .merge(("tls.certs", path("server.pem")))
            .merge(("tls.key", path("server-key.pem")))
            .merge(("tls.mutual.ca_certs", path("ca.pem")))
            .merge(("tls.mutual.mandatory", false))
    }

    /// An HTTPS client that trusts the CA and presents `certificate`.
    pub fn https_client(&self, certificate: Option<&ClientCertificate>) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca.pem().as_bytes()).expect("the CA certificate");
        let mut builder = reqwest::Client::builder().tls_certs_only([ca]);
        if let Some(certificate) = certificate {
            let identity = reqwest::Identity::from_pem(certificate.identity_pem.as_bytes()).expect("an identity");
            builder = builder.identity(identity);
        }
        builder.build().expect("an HTTPS client")
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}
