//! `#[derive(Scopes)]`: an app's scope vocabulary, declared once as an enum
//! whose variants name their scopes. Policies name scopes by variant
//! (checked by rustc); string scopes in a policy that names the enum are
//! checked against it at compile time, and an undeclared one is shown the
//! declared scopes.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::protected::scope_token_problem;

/// Expands the derive, or the errors that make it impossible.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    expand(input).unwrap_or_else(|error| error.to_compile_error())
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(&input.ident, "`Scopes` is derived on an enum whose variants name scopes"));
    };
    let mut variants = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(&variant.fields, "scope variants carry no fields"));
        }
        let attr = variant.attrs.iter().find(|attr| attr.path().is_ident("scope")).ok_or_else(|| {
            syn::Error::new_spanned(&variant.ident, "name the variant's scope: `#[scope(\"read:reports\")]`")
        })?;
        let scope: LitStr = attr.parse_args()?;
        let value = scope.value();
        if let Some(problem) = scope_token_problem(&value).or_else(|| value.is_empty().then(|| "empty scope".into())) {
            return Err(syn::Error::new(scope.span(), problem));
        }
        if names.contains(&value) {
            return Err(syn::Error::new(scope.span(), format!("scope {value:?} is declared more than once")));
        }
        names.push(value);
        variants.push((variant.ident.clone(), scope));
    }
    let name = &input.ident;
    let declared = names.iter().map(|scope| format!("`{scope}`")).collect::<Vec<_>>().join(", ");
    let undeclared = format!("this scope is not declared by `{name}`\ndeclared scopes: {declared}");
    let (idents, literals): (Vec<_>, Vec<_>) = variants.into_iter().unzip();
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
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
            pub const fn __jwt_guard_check_scope(scope: &str) -> ::core::result::Result<(), &'static str> {
                ::jwt_guard::__private::check_declared_scope(scope, &[#(#literals),*], #undeclared)
            }
        }

        impl #impl_generics ::core::fmt::Display for #name #type_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    })
}
