//! Finding the bearer token of a request (RFC 6750 section 2.1): one
//! `Authorization` header, `<scheme> <token>`, the scheme compared
//! case-insensitively and the token in `b64token` syntax.

use crate::error::{AuthError, RequestProblem};

/// The bearer token among a request's `Authorization` header values.
///
/// `token_in_uri` says whether the query string carries an `access_token`:
/// such a request is refused, as tokens in URIs end up in logs.
///
/// Another scheme (`Basic ...`) means the request has no bearer token.
pub fn extract<'a>(
    mut authorization: impl Iterator<Item = &'a str>,
    token_in_uri: bool,
    scheme: &str,
) -> Result<&'a str, AuthError> {
    let first = authorization.next();
    if authorization.next().is_some() {
        return Err(RequestProblem::SeveralAuthorizationHeaders.into());
    }
    if token_in_uri {
        return Err(RequestProblem::TokenInUri.into());
    }
    let value = first.ok_or(AuthError::MissingToken)?;
    let (sent_scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !sent_scheme.eq_ignore_ascii_case(scheme) {
        return Err(AuthError::MissingToken);
    }
    let token = credentials.trim_start_matches(' ');
    if is_b64token(token) { Ok(token) } else { Err(RequestProblem::MalformedAuthorization.into()) }
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract_from(values: &[&'static str]) -> Result<&'static str, AuthError> {
        extract(values.iter().copied(), false, "Bearer")
    }

    #[test]
    fn accepts_one_bearer_token_in_any_scheme_casing() {
        assert_eq!(extract_from(&["Bearer abc.def.ghi"]), Ok("abc.def.ghi"));
        assert_eq!(extract_from(&["bearer abc.def.ghi"]), Ok("abc.def.ghi"));
        assert_eq!(extract_from(&["BEARER  a-b_c~d+e/f=="]), Ok("a-b_c~d+e/f=="));
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
    fn several_headers_or_a_token_in_the_uri_are_invalid_requests() {
        assert_eq!(extract_from(&["Bearer a", "Bearer b"]), Err(RequestProblem::SeveralAuthorizationHeaders.into()));
        assert_eq!(extract(["Bearer a"].into_iter(), true, "Bearer"), Err(RequestProblem::TokenInUri.into()));
        assert_eq!(extract([].into_iter(), true, "Bearer"), Err(RequestProblem::TokenInUri.into()));
    }
}
