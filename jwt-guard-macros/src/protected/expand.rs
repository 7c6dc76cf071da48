//! Code generation: a checked policy becomes a unit struct that implements
//! `jwt_guard::RoutePolicy`, whose `evaluate` is plain Rust comparing the
//! token's scopes and claims with the policy's literals.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Ident, Type, Visibility};

use super::parse::{ClaimName, ClaimRequirement, ClaimValue, Opt, OptKind, Policy, ScopeItem};

/// What the evaluation code of one policy shares.
struct Names<'a> {
    token: Ident,
    claims: Ident,
    /// The typed claims struct that claim names refer to, if any.
    typed: Option<&'a Type>,
    labels: std::cell::Cell<usize>,
}

impl<'a> Names<'a> {
    fn new(typed: Option<&'a Type>) -> Self {
        Self {
            token: Ident::new("__jwt_guard_token", Span::call_site()),
            claims: Ident::new("__jwt_guard_claims", Span::mixed_site()),
            typed,
            labels: std::cell::Cell::new(0),
        }
    }

    /// A fresh block label.
    fn label(&self) -> syn::Lifetime {
        let n = self.labels.get();
        self.labels.set(n + 1);
        syn::Lifetime::new(&format!("'__jwt_guard_{n}"), Span::mixed_site())
    }
}

/// The policy's struct and its `RoutePolicy` impl.
pub(crate) fn policy_impl(
    policy: &Policy,
    claims_type: Option<&Type>,
    name: &Ident,
    vis: &Visibility,
    route: &str,
) -> TokenStream {
    let names = Names::new(claims_type);
    let Names { token, claims, .. } = &names;
    let body = all(&policy.options, &names);
    let description = describe_all(&policy.options);
    let issuers = issuers(&policy.options);
    let vocabulary_checks = vocabulary_checks(&policy.options);
    let typed_claims = match claims_type {
        Some(ty) if uses_claims(&policy.options) => quote! {
            let #claims: #ty = #token.deserialize_claims().map_err(::jwt_guard::AuthError::InvalidToken)?;
        },
        _ => TokenStream::new(),
    };
    quote! {
        #vocabulary_checks

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name;

        impl ::jwt_guard::__private::Sealed for #name {}

        impl ::jwt_guard::RoutePolicy for #name {
            const ROUTE: &'static str = #route;
            const DESCRIPTION: &'static str = #description;
            const ISSUERS: &'static [&'static str] = &[#(#issuers),*];

            #[allow(unused_imports, clippy::all)]
            async fn evaluate(#token: &::jwt_guard::Token) -> ::core::result::Result<(), ::jwt_guard::AuthError> {
                use ::jwt_guard::__private::{AsyncCheck as _, ClaimContains as _, ClaimEquals as _, SyncCheck as _};
                #typed_claims
                let outcome: ::core::result::Result<(), ::jwt_guard::Denial> = #body;
                outcome.map_err(::jwt_guard::AuthError::Forbidden)
            }
        }
    }
}

fn uses_claims(options: &[Opt]) -> bool {
    options.iter().any(|option| match &option.kind {
        OptKind::Claim(_) => true,
        OptKind::Any(nested) | OptKind::All(nested) => uses_claims(nested),
        _ => false,
    })
}

fn issuers(options: &[Opt]) -> Vec<String> {
    let mut found = Vec::new();
    for option in options {
        match &option.kind {
            OptKind::Issuer(name) => found.push(name.value()),
            OptKind::Any(nested) | OptKind::All(nested) => found.extend(issuers(nested)),
            _ => {}
        }
    }
    found
}

/// Every option must hold; the first that fails gives the denial.
fn all(options: &[Opt], names: &Names<'_>) -> TokenStream {
    let parts: Vec<TokenStream> = options.iter().filter_map(|option| requirement(option, names)).collect();
    every(&parts, names)
}

/// Every requirement must hold; the first that fails gives the denial.
fn every(parts: &[TokenStream], names: &Names<'_>) -> TokenStream {
    match parts {
        [] => quote!(::core::result::Result::Ok(())),
        [one] => one.clone(),
        _ => {
            let label = names.label();
            quote! {
                #label: {
                    #( if let ::core::result::Result::Err(denial) = #parts {
                        break #label ::core::result::Result::Err(denial);
                    } )*
                    ::core::result::Result::Ok(())
                }
            }
        }
    }
}

/// One option must hold; if none does, the first one's denial is given.
fn any(options: &[Opt], names: &Names<'_>) -> TokenStream {
    let parts: Vec<TokenStream> = options.iter().filter_map(|option| requirement(option, names)).collect();
    let Some((first, rest)) = parts.split_first() else {
        return quote!(::core::result::Result::Ok(()));
    };
    let label = names.label();
    quote! {
        #label: {
            let first = match #first {
                ::core::result::Result::Ok(()) => break #label ::core::result::Result::Ok(()),
                ::core::result::Result::Err(denial) => denial,
            };
            #( if #rest.is_ok() { break #label ::core::result::Result::Ok(()); } )*
            ::core::result::Result::Err(first)
        }
    }
}

/// The expression that evaluates one option, if it is a requirement.
fn requirement(option: &Opt, names: &Names<'_>) -> Option<TokenStream> {
    let token = &names.token;
    Some(match &option.kind {
        OptKind::Scope(items) | OptKind::Scopes(items) => scopes(items, quote!(all_scopes), token),
        OptKind::AnyScope(items) => scopes(items, quote!(any_scope), token),
        OptKind::Claim(requirements) => {
            let checks: Vec<TokenStream> = requirements.iter().map(|claim| claim_check(claim, names)).collect();
            every(&checks, names)
        }
        OptKind::Issuer(name) => quote!(::jwt_guard::__private::issuer(#token, #name)),
        OptKind::Check(path) => {
            let label = path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
            // The argument carries the path's span, so that rustc's errors
            // about the function's signature point at its name.
            let argument = Ident::new(&token.to_string(), path_span(path));
            let call = quote_spanned!(path_span(path)=> #path(#argument));
            quote! {
                ::jwt_guard::__private::check(
                    ::jwt_guard::__private::CheckOutcome(#call).into_check().await,
                    #label,
                )
            }
        }
        OptKind::Any(nested) => any(nested, names),
        OptKind::All(nested) => all(nested, names),
        OptKind::Claims(_) | OptKind::Vocabulary(_) => return None,
    })
}

fn path_span(path: &syn::Path) -> Span {
    path.segments.first().map_or_else(Span::call_site, |segment| segment.ident.span())
}

/// `all_scopes` or `any_scope` over a const slice of the scope names.
fn scopes(items: &[ScopeItem], function: TokenStream, token: &Ident) -> TokenStream {
    let names = items.iter().flat_map(|item| match item {
        ScopeItem::Literal(literal) => literal.value().split(' ').map(|scope| quote!(#scope)).collect::<Vec<_>>(),
        ScopeItem::Path(path) => vec![quote_spanned!(path_span(path)=> #path.as_str())],
    });
    quote! {{
        const SCOPES: &[&str] = &[#(#names),*];
        ::jwt_guard::__private::#function(#token, SCOPES)
    }}
}

/// The check of one `name = value(s)` requirement.
fn claim_check(claim: &ClaimRequirement, names: &Names<'_>) -> TokenStream {
    let Names { token, claims, .. } = names;
    let typed_check = |field: TokenStream, label: String| {
        let probes = claim.values.iter().map(|value| {
            let literal = value.tokens();
            quote_spanned!(value.span()=> (&::jwt_guard::__private::ClaimProbe(#field, #literal)).claim_matches())
        });
        quote!(::jwt_guard::__private::claim(#(#probes)||*, #label))
    };
    match (&claim.name, names.typed) {
        (ClaimName::Field(field), Some(_)) => typed_check(quote!(&#claims.#field), field.unraw().to_string()),
        (ClaimName::Json(name), Some(_)) => {
            let field = quote_spanned! {name.span()=>
                ::jwt_guard::__private::claim_by_name::<_, { ::jwt_guard::__private::claim_name_hash(#name) }>(&#claims)
            };
            typed_check(field, name.value())
        }
        (ClaimName::Json(name), None) => json_claim(&name.value(), &claim.values, token),
        (ClaimName::Field(field), None) => json_claim(&field.unraw().to_string(), &claim.values, token),
    }
}

fn json_claim(name: &str, values: &[ClaimValue], token: &Ident) -> TokenStream {
    let literals = values.iter().map(|value| match value {
        ClaimValue::Str(literal) => quote!(::jwt_guard::__private::ClaimLiteral::Str(#literal)),
        ClaimValue::Bool(literal) => quote!(::jwt_guard::__private::ClaimLiteral::Bool(#literal)),
        ClaimValue::Int { .. } => {
            let literal = value.tokens();
            quote!(::jwt_guard::__private::ClaimLiteral::Int(#literal))
        }
    });
    quote!(::jwt_guard::__private::json_claim(#token, #name, &[#(#literals),*]))
}

impl ClaimValue {
    /// The literal as Rust tokens, a minus sign included.
    fn tokens(&self) -> TokenStream {
        match self {
            Self::Str(literal) => quote!(#literal),
            Self::Bool(literal) => quote!(#literal),
            Self::Int { literal, negative: false } => quote!(#literal),
            Self::Int { literal, negative: true } => quote_spanned!(literal.span()=> -#literal),
        }
    }

    fn span(&self) -> Span {
        match self {
            Self::Str(literal) => literal.span(),
            Self::Bool(literal) => literal.span,
            Self::Int { literal, .. } => literal.span(),
        }
    }
}

/// The policy in words, for log lines.
fn describe_all(options: &[Opt]) -> String {
    let parts: Vec<String> = options.iter().filter_map(describe).collect();
    if parts.is_empty() { "a valid token".into() } else { parts.join(" and ") }
}

fn describe(option: &Opt) -> Option<String> {
    let scope_names = |items: &[ScopeItem]| -> Vec<String> {
        items
            .iter()
            .map(|item| match item {
                ScopeItem::Literal(literal) => format!("`{}`", literal.value()),
                ScopeItem::Path(path) => format!("`{}`", quote!(#path).to_string().replace(' ', "")),
            })
            .collect()
    };
    Some(match &option.kind {
        OptKind::Scope(items) | OptKind::Scopes(items) => format!("scopes {}", scope_names(items).join(" ")),
        OptKind::AnyScope(items) => format!("one of the scopes {}", scope_names(items).join(", ")),
        OptKind::Claim(requirements) => requirements
            .iter()
            .map(|claim| {
                let name = match &claim.name {
                    ClaimName::Field(field) => field.unraw().to_string(),
                    ClaimName::Json(name) => name.value(),
                };
                format!("claim `{name}`")
            })
            .collect::<Vec<_>>()
            .join(" and "),
        OptKind::Issuer(name) => format!("issuer `{}`", name.value()),
        OptKind::Check(path) => format!("check `{}`", quote!(#path).to_string().replace(' ', "")),
        OptKind::Any(nested) => {
            format!("any of ({})", nested.iter().filter_map(describe).collect::<Vec<_>>().join(", "))
        }
        OptKind::All(nested) => format!("({})", describe_all(nested)),
        OptKind::Claims(_) | OptKind::Vocabulary(_) => return None,
    })
}

/// The scope vocabulary of a policy: `vocabulary = T`, or else the enum of
/// its first declared scope (`T` of `T::Variant`).
fn vocabulary(options: &[Opt]) -> Option<syn::Path> {
    let explicit = options.iter().find_map(|option| match &option.kind {
        OptKind::Vocabulary(path) => Some(path.clone()),
        _ => None,
    });
    explicit.or_else(|| first_declared_scope(options))
}

fn first_declared_scope(options: &[Opt]) -> Option<syn::Path> {
    options.iter().find_map(|option| match &option.kind {
        OptKind::Scope(items) | OptKind::Scopes(items) | OptKind::AnyScope(items) => {
            items.iter().find_map(|item| match item {
                ScopeItem::Path(path) if path.segments.len() > 1 => {
                    let mut parent = path.clone();
                    parent.segments.pop();
                    parent.segments.pop_punct();
                    Some(parent)
                }
                _ => None,
            })
        }
        OptKind::Any(nested) | OptKind::All(nested) => first_declared_scope(nested),
        _ => None,
    })
}

/// The string scopes of a policy.
fn scope_literals(options: &[Opt]) -> Vec<&syn::LitStr> {
    options
        .iter()
        .flat_map(|option| match &option.kind {
            OptKind::Scope(items) | OptKind::Scopes(items) | OptKind::AnyScope(items) => items
                .iter()
                .filter_map(|item| match item {
                    ScopeItem::Literal(literal) => Some(literal),
                    ScopeItem::Path(_) => None,
                })
                .collect(),
            OptKind::Any(nested) | OptKind::All(nested) => scope_literals(nested),
            _ => Vec::new(),
        })
        .collect()
}

/// Compile-time checks that every string scope belongs to the policy's
/// vocabulary, each failing on the literal it checks.
fn vocabulary_checks(options: &[Opt]) -> TokenStream {
    let Some(vocabulary) = vocabulary(options) else { return TokenStream::new() };
    scope_literals(options)
        .into_iter()
        .flat_map(|literal| {
            let vocabulary = &vocabulary;
            literal.value().split(' ').map(str::to_owned).collect::<Vec<_>>().into_iter().map(move |scope| {
                quote_spanned! {literal.span()=>
                    const _: () = match #vocabulary::__jwt_guard_check_scope(#scope) {
                        ::core::result::Result::Ok(()) => (),
                        ::core::result::Result::Err(message) => ::core::panic!("{}", message),
                    };
                }
            })
        })
        .collect()
}

/// The name of the policy struct of the handler `handler`.
pub(crate) fn policy_name(handler: &Ident) -> Ident {
    format_ident!("__jwt_guard_policy_{}", handler)
}
