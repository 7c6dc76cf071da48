//! Sender-constrained tokens at the resource: a token bound by `cnf.jkt`
//! needs the `DPoP` scheme and a valid proof of its key (RFC 9449), one
//! bound by `cnf["x5t#S256"]` a connection that presents its certificate
//! (RFC 8705), and an issuer's `dpop` mode says what its other tokens may
//! do. In Rocket the request guards check all this; outside Rocket, pass
//! what a request presents as [`RequestCredentials`] to
//! [`JwtGuard::authenticate_request`](crate::JwtGuard::authenticate_request).
//!
#![doc = include_str!("../docs/sender-constrained.md")]

pub(crate) mod dpop;

pub use crate::token::Binding;

use std::fmt;

use crate::binding::dpop::{DpopVerifier, ProofTarget};
use crate::config::DpopMode;
use crate::digest::sha256_base64url;
use crate::error::{AuthError, TokenProblem};
use crate::request::bearer::Scheme;
use crate::store::TokenStore;
use crate::token::Token;

/// What a request presents to authenticate, for
/// [`JwtGuard::authenticate_request`](crate::JwtGuard::authenticate_request)
/// outside Rocket: its `Authorization` and `DPoP` header values, its
/// method and path (which a DPoP proof names), and the client
/// certificate of its connection.
///
/// ```
/// use jwt_guard::binding::RequestCredentials;
///
/// let request = RequestCredentials {
///     authorization: &["DPoP eyJ..."],
///     dpop: &["eyJ..."],
///     method: "GET",
///     path: "/reports",
///     ..RequestCredentials::default()
/// };
/// ```
///
/// Fields may be added in a later version: build one as above, ending
/// with `..RequestCredentials::default()`, and such an addition breaks no
/// code built that way. Its `Debug` shows no header's value: they carry credentials.
#[derive(Clone, Copy, Default)]
pub struct RequestCredentials<'a> {
    /// The `Authorization` header values.
    pub authorization: &'a [&'a str],
    /// The `DPoP` header values.
    pub dpop: &'a [&'a str],
    /// The method, upper case.
    pub method: &'a str,
    /// The path, without the query, as received: it starts with `/`
    /// (a DPoP proof names no other).
    pub path: &'a str,
    /// The client certificate of the connection (or of a trusted proxy's
    /// header), DER.
    pub client_certificate: Option<&'a [u8]>,
    /// Whether the query string holds an `access_token`, which is refused
    /// (RFC 6750 section 2.3).
    pub token_in_uri: bool,
}

impl fmt::Debug for RequestCredentials<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |values: &[&str]| vec!["***"; values.len()];
        formatter
            .debug_struct("RequestCredentials")
            .field("authorization", &hidden(self.authorization))
            .field("dpop", &hidden(self.dpop))
            .field("method", &self.method)
            .field("path", &self.path)
            .field("client_certificate", &self.client_certificate.map(<[u8]>::len))
            .field("token_in_uri", &self.token_in_uri)
            .finish()
    }
}

/// The request a DPoP proof must be made for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLine<'a> {
    /// The method, upper case.
    pub(crate) method: &'a str,
    /// The path, without the query.
    pub(crate) path: &'a str,
}

/// Checks `token`, presented with `scheme`, against its DPoP binding and
/// its issuer's `dpop` mode: a bound token needs the `DPoP` scheme and a
/// valid proof among `proofs` for `request`; an unbound one needs the
/// bearer scheme, and an issuer that does not require DPoP.
pub(crate) async fn check_dpop<'h>(
    token: &Token,
    scheme: Scheme,
    proofs: impl Iterator<Item = &'h str>,
    request: RequestLine<'_>,
    verifier: &DpopVerifier,
    store: &dyn TokenStore,
) -> Result<(), AuthError> {
    match (scheme, token.dpop_thumbprint()) {
        (Scheme::Dpop, _) if token.dpop_mode() == DpopMode::Off => Err(TokenProblem::DpopNotAccepted.into()),
        (Scheme::Dpop, None) => Err(TokenProblem::NotDpopBound.into()),
        (Scheme::Dpop, Some(thumbprint)) => {
            let target = ProofTarget {
                method: request.method,
                path: request.path,
                access_token: Some(token.as_str()),
                bound_to: Some(thumbprint),
            };
            verifier.check(proofs, &target, store).await.map(drop)
        }
        (Scheme::Bearer, _) => Ok(token.check_bearer_dpop()?),
    }
}

/// Checks that a token bound to a certificate came over a connection that
/// presented it; `presented` is the thumbprint of the connection's client
/// certificate, if it has one.
pub(crate) fn check_certificate(token: &Token, presented: Option<&str>) -> Result<(), AuthError> {
    match token.certificate_thumbprint() {
        Some(bound) if presented != Some(bound) => Err(TokenProblem::CertificateMismatch.into()),
        _ => Ok(()),
    }
}

/// The `x5t#S256` thumbprint of a DER certificate.
pub(crate) fn certificate_thumbprint(der: &[u8]) -> String {
    sha256_base64url(der)
}

#[cfg(feature = "rocket")]
/// The DER certificate in a header that a TLS-terminating proxy set: a
/// PEM, URL-encoded (nginx's `$ssl_client_escaped_cert`) or not.
pub(crate) fn certificate_from_header(value: &str) -> Option<Vec<u8>> {
    let decoded = percent_encoding::percent_decode_str(value).decode_utf8().ok()?;
    let pem = pem::parse(decoded.as_bytes()).ok()?;
    (pem.tag() == "CERTIFICATE").then(|| pem.into_contents())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_credentials_debug_shows_no_header_value() {
        let request = RequestCredentials {
            authorization: &["DPoP eyJ.secret.token"],
            dpop: &["eyJ.secret.proof"],
            method: "GET",
            path: "/reports",
            ..RequestCredentials::default()
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains(r#"authorization: ["***"], dpop: ["***"], method: "GET", path: "/reports""#), "{shown}");
    }

    #[test]
    fn a_forwarded_certificate_is_read_from_its_url_encoded_pem() {
        let der = b"not really DER, but PEM does not care";
        let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
        let escaped: String = percent_encoding::utf8_percent_encode(&pem, percent_encoding::NON_ALPHANUMERIC).collect();
        assert_eq!(certificate_from_header(&escaped).as_deref(), Some(&der[..]));
        assert_eq!(certificate_from_header(&pem).as_deref(), Some(&der[..]));
        let key = pem::encode(&pem::Pem::new("PRIVATE KEY", der.to_vec()));
        assert_eq!(certificate_from_header(&key), None, "only a certificate");
        assert_eq!(certificate_from_header("garbage%ZZ"), None);
    }
}
