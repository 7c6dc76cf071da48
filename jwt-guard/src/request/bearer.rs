//! Finding the token of a request (RFC 6750 section 2.1, RFC 9449
//! section 7.1): one `Authorization` header, `<scheme> <token>`, the
//! scheme (the configured bearer one, or `DPoP`) compared
//! case-insensitively and the token in `b64token` syntax.

use crate::error::{AuthError, RequestProblem};

/// How a request presented its token.
#[cfg_attr(not(fuzzing), allow(unreachable_pub, reason = "public to the fuzz targets only"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// `Bearer` (or the configured `header_prefix`), or no token at all.
    #[default]
    Bearer,
    /// `DPoP`, which a proof must accompany.
    Dpop,
}

/// The token among a request's `Authorization` header values, and the
/// scheme it came with; its syntax is checked by [`check_syntax`].
///
/// `token_in_uri` says whether the query string carries an `access_token`:
/// such a request is refused, as tokens in URIs end up in logs.
///
/// Another scheme (`Basic ...`) means the request has no token.
#[cfg_attr(not(fuzzing), allow(unreachable_pub, reason = "public to the fuzz targets only"))]
pub fn locate<'a>(
    mut authorization: impl Iterator<Item = &'a str>,
    token_in_uri: bool,
    scheme: &str,
) -> Result<(Scheme, &'a str), AuthError> {
    let first = authorization.next();
    if authorization.next().is_some() {
        return Err(RequestProblem::SeveralAuthorizationHeaders.into());
    }
    if token_in_uri {
        return Err(RequestProblem::TokenInUri.into());
    }
    let value = first.ok_or(AuthError::MissingToken)?;
    let (sent_scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    let scheme = if sent_scheme.eq_ignore_ascii_case(scheme) {
        Scheme::Bearer
    } else if sent_scheme.eq_ignore_ascii_case("DPoP") {
        Scheme::Dpop
    } else {
        return Err(AuthError::MissingToken);
    };
    Ok((scheme, credentials.trim_start_matches(' ')))
}

/// Refuses a token outside the `b64token` syntax as a malformed request.
#[cfg_attr(not(fuzzing), allow(unreachable_pub, reason = "public to the fuzz targets only"))]
pub fn check_syntax(token: &str) -> Result<&str, AuthError> {
    if is_b64token(token) { Ok(token) } else { Err(RequestProblem::MalformedAuthorization.into()) }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
///
/// Runs on every request, over the whole token: the bytes are folded
/// without an early exit or branches, which the compiler turns into SIMD
/// comparisons of many bytes at a time.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty() && body.bytes().fold(true, |valid, byte| valid & is_b64token_byte(byte))
}

/// Whether `byte` may appear before a `b64token`'s padding.
fn is_b64token_byte(byte: u8) -> bool {
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    let symbol = (byte == b'-') | (byte == b'.') | (byte == b'_') | (byte == b'~') | (byte == b'+') | (byte == b'/');
    letter | digit | symbol
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract_from(values: &[&'static str]) -> Result<&'static str, AuthError> {
        locate(values.iter().copied(), false, "Bearer").and_then(|(_, token)| check_syntax(token))
    }

    #[test]
    fn accepts_one_bearer_token_in_any_scheme_casing() {
        assert_eq!(extract_from(&["Bearer abc.def.ghi"]), Ok("abc.def.ghi"));
        assert_eq!(extract_from(&["bearer abc.def.ghi"]), Ok("abc.def.ghi"));
        assert_eq!(extract_from(&["BEARER  a-b_c~d+e/f=="]), Ok("a-b_c~d+e/f=="));
    }

    #[test]
    fn the_dpop_scheme_is_told_apart() {
        assert_eq!(locate(["DPoP abc.def.ghi"].into_iter(), false, "Bearer"), Ok((Scheme::Dpop, "abc.def.ghi")));
        assert_eq!(locate(["dpop abc"].into_iter(), false, "Bearer"), Ok((Scheme::Dpop, "abc")));
        assert_eq!(locate(["Bearer abc"].into_iter(), false, "Bearer"), Ok((Scheme::Bearer, "abc")));
    }

    #[test]
    fn no_header_or_another_scheme_is_a_missing_token() {
        assert_eq!(extract_from(&[]), Err(AuthError::MissingToken));
        assert_eq!(extract_from(&["Basic dXNlcjpwYXNz"]), Err(AuthError::MissingToken));
        assert_eq!(extract_from(&["Negotiate"]), Err(AuthError::MissingToken));
    }

    #[test]
    fn malformed_values_are_invalid_requests() {
        let malformed = AuthError::InvalidRequest(RequestProblem::MalformedAuthorization);
        for value in
            ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer a\tb", "Bearer ===", "Bearer a=b", "Bearer ä"]
        {
            assert_eq!(extract_from(&[value]), Err(malformed.clone()), "{value:?}");
        }
    }

    #[test]
    fn token_bytes_are_exactly_those_of_the_b64token_grammar() {
        for byte in 0..=u8::MAX {
            let in_grammar = byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte);
            assert_eq!(is_b64token_byte(byte), in_grammar, "byte {byte:#04x}");
        }
    }

    #[test]
    fn several_headers_or_a_token_in_the_uri_are_invalid_requests() {
        assert_eq!(extract_from(&["Bearer a", "Bearer b"]), Err(RequestProblem::SeveralAuthorizationHeaders.into()));
        assert_eq!(locate(["Bearer a"].into_iter(), true, "Bearer"), Err(RequestProblem::TokenInUri.into()));
        assert_eq!(locate([].into_iter(), true, "Bearer"), Err(RequestProblem::TokenInUri.into()));
    }
}
