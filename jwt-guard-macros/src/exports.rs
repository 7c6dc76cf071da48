//! The absolute paths that generated code names, each spelt once, as in
//! Rocket's `core/codegen/src/exports.rs`.
//!
//! **Invariant:** expansions name items of `::jwt_guard::__private` and
//! `::core` only (besides the paths the user wrote), so that a user's own
//! `Result` or `Token` cannot change what they mean, and the runtime crate
//! decides alone what its `__private` module re-exports.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::Ident;

/// `::jwt_guard::__private`: all of jwt-guard that expansions name.
const PRIVATE: &[&str] = &["jwt_guard", "__private"];

/// `::core`: the standard items that expansions name.
const CORE: &[&str] = &["core"];

/// An absolute path that generated code names.
#[derive(Clone, Copy)]
pub(crate) struct Export {
    /// The crate-rooted module that holds the item.
    module: &'static [&'static str],
    /// The item's path inside that module.
    item: &'static [&'static str],
    /// The span of the path's tokens: the macro's call site if `None`.
    span: Option<Span>,
}

impl Export {
    /// The path spanned at `span`, for `quote_spanned!`: rustc's errors
    /// about the code then point at the user's tokens.
    pub(crate) fn at(self, span: Span) -> Self {
        Self { span: Some(span), ..self }
    }
}

impl ToTokens for Export {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let span = self.span.unwrap_or_else(Span::call_site);
        for segment in self.module.iter().chain(self.item) {
            let segment = Ident::new(segment, span);
            tokens.extend(quote_spanned!(span=> :: #segment));
        }
    }
}

/// One `Export` const a line: `name => path::in::the::module`.
macro_rules! exports {
    ($($module:ident { $($name:ident => $($segment:ident)::+,)* })*) => {$($(
        #[allow(non_upper_case_globals)]
        pub(crate) const $name: Export =
            Export { module: $module, item: &[$(stringify!($segment)),+], span: None };
    )*)*};
}

exports! {
    PRIVATE {
        _AuthError => AuthError,
        _Denial => Denial,
        _Policy => Policy,
        _RoutePolicy => RoutePolicy,
        _PolicyWay => PolicyWay,
        _Bound => Bound,
        _require_binding => require_binding,
        _require_authentication => require_authentication,
        _any_role => any_role,
        _all_scope_sets => all_scope_sets,
        _any_scope_set => any_scope_set,
        _json_claim_path => json_claim_path,
        _Sealed => Sealed,
        _Token => Token,
        _Protected => Protected,
        _ClaimLiteral => ClaimLiteral,
        _all_scopes => all_scopes,
        _any_scope => any_scope,
        _json_claim => json_claim,
        _issuer => issuer,
        _check => check,
        _claim => claim,
        _ClaimProbe => ClaimProbe,
        _ClaimContains => ClaimContains,
        _ClaimEquals => ClaimEquals,
        _CheckOutcome => CheckOutcome,
        _AsyncCheck => AsyncCheck,
        _SyncCheck => SyncCheck,
        _ClaimByName => ClaimByName,
        _claim_by_name => claim_by_name,
        _claim_name_hash => claim_name_hash,
        _ScopeVocabulary => ScopeVocabulary,
        _check_vocabulary_scope => check_vocabulary_scope,
        _vocabulary_satisfiers => vocabulary_satisfiers,
        _variant_satisfiers => variant_satisfiers,
        _check_issuer_name => check_issuer_name,
        _ParamProbe => ParamProbe,
        _ClaimsParam => ClaimsParam,
        _NotClaimsParam => NotClaimsParam,
        _claims_read_as_json => claims_read_as_json,
    }
    CORE {
        _Result => result::Result,
        _Ok => result::Result::Ok,
        _Err => result::Result::Err,
        _Some => option::Option::Some,
        _None => option::Option::None,
        _panic => panic,
        _Display => fmt::Display,
        _Formatter => fmt::Formatter,
        _FmtResult => fmt::Result,
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::{_Ok, _Token};

    #[test]
    fn paths_are_absolute() {
        assert_eq!(_Ok.to_token_stream().to_string(), ":: core :: result :: Result :: Ok");
        assert_eq!(_Token.to_token_stream().to_string(), ":: jwt_guard :: __private :: Token");
    }
}
