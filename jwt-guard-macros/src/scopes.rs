//! `#[derive(Scopes)]`: an app's scope vocabulary, declared once as an enum
//! whose variants name their scopes. Policies name scopes by variant
//! (checked by rustc); string scopes in a policy that names the enum are
//! checked against it at compile time, and an undeclared one is shown the
//! declared scopes.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, LitStr};

use crate::ctxt::{self, Ctxt, FirstSeen};
use crate::exports::{_Display, _FmtResult, _Formatter, _Result, _check_declared_scope};
use crate::protected::scope_token_problem;

/// Expands the derive, or the errors that make it impossible.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    ctxt::derive(input, expand)
}

fn expand(cx: &Ctxt, input: &DeriveInput) -> TokenStream {
    let scopes = declared_scopes(cx, input);
    let name = &input.ident;
    let listed: Vec<String> = scopes.iter().map(|(_, scope)| format!("`{}`", scope.value())).collect();
    let undeclared = format!("this scope is not declared by `{name}`\ndeclared scopes: {}", listed.join(", "));
    let (idents, literals): (Vec<_>, Vec<_>) = scopes.into_iter().unzip();
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let (scope, formatter) = (Ident::new("scope", Span::mixed_site()), Ident::new("f", Span::mixed_site()));
    quote! {
        #[automatically_derived]
        impl #impl_generics #name #type_generics #where_clause {
            /// Every declared scope.
            pub const ALL: &'static [Self] = &[#(Self::#idents),*];

            /// The scope's name, as tokens carry it.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#idents => #literals,)*
                }
            }

            #[doc(hidden)]
            pub const fn __jwt_guard_check_scope(#scope: &str) -> #_Result<(), &'static str> {
                #_check_declared_scope(#scope, &[#(#literals),*], #undeclared)
            }
        }

        #[automatically_derived]
        impl #impl_generics #_Display for #name #type_generics #where_clause {
            fn fmt(&self, #formatter: &mut #_Formatter<'_>) -> #_FmtResult {
                #formatter.write_str(self.as_str())
            }
        }
    }
}

/// Each variant with the scope it declares; every problem goes to `cx`.
fn declared_scopes(cx: &Ctxt, input: &DeriveInput) -> Vec<(Ident, LitStr)> {
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(&input.ident, "`Scopes` is derived on an enum whose variants name scopes");
        return Vec::new();
    };
    let mut seen = FirstSeen::default();
    let mut scopes = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(&variant.fields, "scope variants carry no fields");
        }
        let Some(attr) = variant.attrs.iter().find(|attr| attr.path().is_ident("scope")) else {
            cx.error_spanned_by(&variant.ident, "name the variant's scope: `#[scope(\"read:reports\")]`");
            continue;
        };
        let scope: LitStr = match attr.parse_args() {
            Ok(scope) => scope,
            Err(error) => {
                cx.push(error);
                continue;
            }
        };
        let value = scope.value();
        if value.is_empty() {
            cx.error(scope.span(), "empty scope: name one, as in `#[scope(\"read:reports\")]`");
        } else if let Some(problem) = scope_token_problem(&value) {
            cx.error(scope.span(), problem);
        } else if let Some(first) = seen.earlier(value.clone(), scope.span()) {
            let message = format!("scope {value:?} is declared more than once");
            cx.duplicate(first, scope.span(), message, format!("scope {value:?} first declared here"));
        }
        scopes.push((variant.ident.clone(), scope));
    }
    scopes
}
