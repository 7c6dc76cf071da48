//! The registered claims (RFC 7519 section 4.1) read again after
//! verification, by revocations and bindings: a view of a token's claims,
//! in a module of its own, which imports nothing, so that the token, the
//! verifier and the store's revocations all read the same one.

/// The registered claims read again after verification, each of the
/// JSON type its RFC gives it: those of a payload, or of claims being
/// verified.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Registered<'a> {
    pub(crate) iss: Option<&'a str>,
    pub(crate) sub: Option<&'a str>,
    pub(crate) jti: Option<&'a str>,
    pub(crate) sid: Option<&'a str>,
    pub(crate) iat: Option<f64>,
    /// `cnf.jkt` (RFC 9449 section 6.1).
    pub(crate) cnf_jkt: Option<&'a str>,
    /// `cnf["x5t#S256"]` (RFC 8705 section 3.1).
    pub(crate) cnf_x5t_s256: Option<&'a str>,
}
