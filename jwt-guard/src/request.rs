//! What a request presents and what it is answered: finding its token in
//! the `Authorization` header, and the `WWW-Authenticate` challenges of a
//! refusal. Free of any web framework.

pub(crate) mod bearer;
pub(crate) mod challenge;
