//! How `#[protected]` tells that a handler's parameter is `Claims<T>` by
//! its type, where its spelling hides it (an alias, a renamed import).
//!
//! The macro reads a policy's `claim(...)` from the typed claims of the
//! handler's `Claims<T>` parameter, which it finds by name; finding none,
//! it reads them from the token's JSON, and emits, for each parameter type
//! `P`, `claims_read_as_json((&ParamProbe::<P>::new()).claims_kind())`.
//! Method resolution picks [`ClaimsParam`] when `P` is `Claims<T>` (or an
//! `Option`, `Result` or `Outcome` of it), whatever its name, and [`NotClaimsParam`]
//! otherwise (one more autoref); only the latter's answer passes
//! [`claims_read_as_json`]. So a hidden `Claims<T>` is a compile error,
//! rather than a policy that silently skips the type's fields.

use std::marker::PhantomData;

use rocket::outcome::Outcome;

use super::request_guards::Claims;

/// The type `P` of a handler's parameter, probed.
#[doc(hidden)]
pub struct ParamProbe<P>(PhantomData<P>);

impl<P> ParamProbe<P> {
    /// The probe of `P`.
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// The answer for a parameter that is no `Claims<T>`.
#[doc(hidden)]
pub struct JsonClaims;

/// The answer for a parameter that is `Claims<T>`.
#[doc(hidden)]
pub struct TypedClaims<T>(PhantomData<T>);

/// What any parameter answers, one autoref away.
#[doc(hidden)]
pub trait NotClaimsParam {
    /// Not `Claims<T>`.
    fn claims_kind(&self) -> JsonClaims {
        JsonClaims
    }
}

impl<P> NotClaimsParam for &ParamProbe<P> {}

/// What a `Claims<T>` parameter answers, before any autoref.
#[doc(hidden)]
pub trait ClaimsParam {
    /// The claims type.
    type Claims;

    /// `Claims<Self::Claims>`.
    fn claims_kind(&self) -> TypedClaims<Self::Claims> {
        TypedClaims(PhantomData)
    }
}

impl<T> ClaimsParam for ParamProbe<Claims<T>> {
    type Claims = T;
}

impl<T> ClaimsParam for ParamProbe<Option<Claims<T>>> {
    type Claims = T;
}

impl<T, E> ClaimsParam for ParamProbe<Result<Claims<T>, E>> {
    type Claims = T;
}

impl<T, E, F> ClaimsParam for ParamProbe<Outcome<Claims<T>, E, F>> {
    type Claims = T;
}

/// The answer of a parameter that is no `Claims<T>`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[protected]` reads `claim(...)` from the token's JSON, but this parameter is `Claims<...>` under another name",
    label = "a `Claims<...>` behind an alias or a renamed import",
    note = "write `Claims<YourClaims>` in the handler's signature, or `claims = YourClaims` in `#[protected(...)]`, so that `claim(...)` checks the typed fields"
)]
pub trait ReadAsJson {}

#[diagnostic::do_not_recommend]
impl ReadAsJson for JsonClaims {}

/// Compiles only for the answer of a parameter that is no `Claims<T>`.
#[doc(hidden)]
pub fn claims_read_as_json<K: ReadAsJson>(_kind: K) {}
