//! Code generation from a checked policy: a unit struct that implements
//! `RoutePolicy`, whose `evaluate` is plain Rust comparing the token's
//! scopes and claims with the policy's literals; a const check of each
//! issuer name, and of each string scope against the vocabulary; and, for a
//! route, the hidden guard parameter that enforces the policy.
//!
//! **Invariant:** nothing here reports an error or looks anything up: the
//! code follows the `model`. Every local the code introduces is
//! mixed-site, so the user's code can neither see it nor clash with it.

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{FnArg, Ident, ItemFn, Lifetime, LitStr, Path, Type, Visibility, parse_quote};

use super::ast::ClaimValue;
use super::model::{Claim, ClaimAccess, Requirement, ResolvedPolicy, Scope, Way};
use super::route::DeclaredRoute;
use crate::exports::{
    _AsyncCheck, _AuthError, _Bound, _CheckOutcome, _ClaimContains, _ClaimEquals, _ClaimLiteral, _ClaimProbe,
    _ClaimsParam, _Denial, _Err, _None, _NotClaimsParam, _Ok, _ParamProbe, _Policy, _PolicyWay, _Protected, _Result,
    _RoutePolicy, _Sealed, _Some, _SyncCheck, _Token, _all_scope_sets, _all_scopes, _any_role, _any_scope,
    _any_scope_set, _check, _check_issuer_name, _check_vocabulary_scope, _claim, _claim_by_name, _claim_name_hash,
    _claims_read_as_json, _issuer, _json_claim, _json_claim_path, _panic, _require_authentication, _require_binding,
    _variant_satisfiers, _vocabulary_satisfiers,
};

/// The items of `policy` for the route `handler`, which `declared`
/// declares, to which it adds the guard parameter that enforces them.
pub(crate) fn route(policy: &ResolvedPolicy, declared: &DeclaredRoute, handler: &mut ItemFn) -> TokenStream {
    let name = format_ident!("__jwt_guard_policy_{}", handler.sig.ident);
    let route = RouteNames { handler: handler.sig.ident.to_string(), method: &declared.method, path: &declared.path };
    let items = policy_items(policy, &name, &handler.vis, &route);
    let claims_seen = policy.reads_json_claims().then(|| no_hidden_claims(handler));
    // Mixed-site, so that the handler's body cannot name it; Rocket's
    // codegen declares the guard and passes it with this very ident, which
    // therefore resolves all the same.
    let parameter = Ident::new("__jwt_guard_policy", Span::mixed_site());
    handler.sig.inputs.insert(0, parse_quote!(#parameter: #_Protected<#name>));
    quote!(#items #claims_seen)
}

/// A function, never called, that compiles only if no parameter of
/// `handler` is a `Claims<T>` hidden by its spelling (an alias, a renamed
/// import): the policy reads claims from the token's JSON, for it saw
/// none, and would skip the typed fields. Each probe is spanned on its
/// parameter's type, where the error points.
fn no_hidden_claims(handler: &ItemFn) -> TokenStream {
    let name = format_ident!("__jwt_guard_claims_seen_{}", handler.sig.ident, span = Span::mixed_site());
    let generics = &handler.sig.generics;
    let where_clause = &generics.where_clause;
    let probes = handler.sig.inputs.iter().filter_map(|input| match input {
        FnArg::Typed(typed) if !matches!(*typed.ty, Type::ImplTrait(_) | Type::Infer(_)) => {
            let ty = &typed.ty;
            let span = ty.span();
            let (probe, read_as_json) = (_ParamProbe.at(span), _claims_read_as_json.at(span));
            Some(quote_spanned!(span=> #read_as_json((&#probe::<#ty>::new()).claims_kind());))
        }
        _ => None,
    });
    quote! {
        #[allow(dead_code)]
        fn #name #generics () #where_clause {
            use #_ClaimsParam as _;
            use #_NotClaimsParam as _;
            #(#probes)*
        }
    }
}

/// A `jwt_guard::Policy` of `policy`, for `protect`.
pub(crate) fn group(policy: &ResolvedPolicy) -> TokenStream {
    let name = Ident::new("__JwtGuardGroupPolicy", Span::mixed_site());
    let route = RouteNames { handler: "group".into(), method: "", path: "" };
    let items = policy_items(policy, &name, &Visibility::Inherited, &route);
    quote!({
        #items
        #_Policy::<#name>::new()
    })
}

/// What a policy says of the route it protects: the handler's name (or
/// `group`), and the method and path its attribute declares (empty for a
/// group).
struct RouteNames<'a> {
    handler: String,
    method: &'a str,
    path: &'a str,
}

/// A scope's name, as a `&'static str` in const evaluation.
fn scope_name(scope: &Scope) -> TokenStream {
    match scope {
        Scope::Named(name) => quote!(#name),
        Scope::Declared(path) => quote_spanned!(path_span(path)=> #path.as_str()),
    }
}

/// The const checks, the policy's struct `name` and its `RoutePolicy` impl.
fn policy_items(policy: &ResolvedPolicy, name: &Ident, vis: &Visibility, route: &RouteNames<'_>) -> TokenStream {
    let locals = Locals::new(policy.vocabulary.as_ref().map(|vocabulary| vocabulary.path.clone()));
    let Locals { token, claims, outcome, .. } = &locals;
    let body = locals.every(locals.requirements(&policy.requirements));
    let const_checks = const_checks(policy);
    let ResolvedPolicy { description, issuers, .. } = policy;
    let RouteNames { handler, method, path } = route;
    let ways = policy.ways().into_iter().map(|Way { issuer, scopes }| {
        let issuer = match issuer {
            Some(name) => quote!(#_Some(#name)),
            None => quote!(#_None),
        };
        let scopes = scopes.into_iter().map(scope_name);
        quote!(#_PolicyWay { issuer: #issuer, scopes: &[#(#scopes),*] })
    });
    let binding = policy.bound.map(|kind| {
        let variant = Ident::new(kind.variant(), Span::call_site());
        quote!(#_require_binding(#token, #_Bound::#variant)?;)
    });
    let step_up = (!policy.acr.is_empty() || policy.max_age.is_some()).then(|| {
        let acr = &policy.acr;
        let max_age = match policy.max_age {
            Some(seconds) => quote!(#_Some(#seconds)),
            None => quote!(#_None),
        };
        quote!(#_require_authentication(#token, &[#(#acr),*], #max_age)?;)
    });
    let typed_claims = policy
        .claims
        .as_ref()
        .map(|ty| quote!(let #claims: #ty = #token.deserialize_claims().map_err(#_AuthError::InvalidToken)?;));
    quote! {
        #const_checks

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #name;

        impl #_Sealed for #name {}

        impl #_RoutePolicy for #name {
            const ROUTE: &'static str = #handler;
            const METHOD: &'static str = #method;
            const PATH: &'static str = #path;
            const DESCRIPTION: &'static str = #description;
            const ISSUERS: &'static [&'static str] = &[#(#issuers),*];
            const WAYS: &'static [#_PolicyWay] = &[#(#ways),*];

            #[allow(unused_imports, clippy::all)]
            async fn evaluate(#token: &#_Token) -> #_Result<(), #_AuthError> {
                use #_AsyncCheck as _;
                use #_ClaimContains as _;
                use #_ClaimEquals as _;
                use #_SyncCheck as _;
                #binding
                #typed_claims
                let #outcome: #_Result<(), #_Denial> = #body;
                #outcome.map_err(#_AuthError::Forbidden)?;
                // Last: a new login would not meet the rest of the policy.
                #step_up
                #_Ok(())
            }
        }
    }
}

/// Const items that fail the build, on the literal they check, for an
/// issuer name that no `[jwt_guard.issuers.<name>]` can have, and for a
/// string scope that the vocabulary does not declare.
fn const_checks(policy: &ResolvedPolicy) -> TokenStream {
    let issuers = policy.issuers.iter().map(|name| const_check(_check_issuer_name.at(name.span()), name));
    let scopes = policy.vocabulary.iter().flat_map(|vocabulary| {
        let path = &vocabulary.path;
        vocabulary
            .scopes
            .iter()
            .map(move |scope| const_check(quote_spanned!(scope.span()=> #_check_vocabulary_scope::<#path>), scope))
    });
    issuers.chain(scopes).collect()
}

/// `const _: () = match check(literal) { Ok(()) => (), Err(message) => panic!(...) };`,
/// spanned on `literal`; `check` is a `const fn(&str) -> Result<(), &str>`.
fn const_check(check: impl quote::ToTokens, literal: &LitStr) -> TokenStream {
    let span = literal.span();
    let (ok, err, panic) = (_Ok.at(span), _Err.at(span), _panic.at(span));
    let message = Ident::new("message", Span::mixed_site().located_at(span));
    quote_spanned! {span=>
        const _: () = match #check(#literal) {
            #ok(()) => (),
            #err(#message) => #panic!("{}", #message),
        };
    }
}

/// The locals of one policy's `evaluate`, all mixed-site.
struct Locals {
    /// The `&Token` parameter.
    token: Ident,
    /// The typed claims, deserialized once.
    claims: Ident,
    /// What the requirements decided.
    outcome: Ident,
    /// A denial passed on.
    denial: Ident,
    /// The first denial of an `any(...)`.
    first: Ident,
    /// The const slice of a scope requirement's scopes.
    scopes: Ident,
    /// The const slice of the scopes that meet each of them.
    sets: Ident,
    /// The policy's scope vocabulary, whose implications apply.
    vocabulary: Option<Path>,
    /// How many block labels are taken.
    labels: Cell<usize>,
}

impl Locals {
    fn new(vocabulary: Option<Path>) -> Self {
        let local = |name| Ident::new(name, Span::mixed_site());
        Self {
            sets: local("SETS"),
            vocabulary,
            token: local("token"),
            claims: local("claims"),
            outcome: local("outcome"),
            denial: local("denial"),
            first: local("first"),
            scopes: local("SCOPES"),
            labels: Cell::new(0),
        }
    }

    /// A fresh block label.
    fn label(&self) -> Lifetime {
        let n = self.labels.replace(self.labels.get() + 1);
        Lifetime::new(&format!("'requirements_{n}"), Span::mixed_site())
    }

    /// The expressions of `requirements`, each a `Result<(), Denial>`.
    fn requirements(&self, requirements: &[Requirement]) -> Vec<TokenStream> {
        requirements.iter().map(|requirement| self.requirement(requirement)).collect()
    }

    fn requirement(&self, requirement: &Requirement) -> TokenStream {
        let token = &self.token;
        match requirement {
            Requirement::AllScopes(scopes) => self.scopes(scopes, false),
            Requirement::AnyScope(scopes) => self.scopes(scopes, true),
            Requirement::AnyRole(roles) => quote!(#_any_role(#token, &[#(#roles),*])),
            Requirement::Claims(claims) => self.every(claims.iter().map(|claim| self.claim(claim)).collect()),
            Requirement::Issuer(name) => quote!(#_issuer(#token, #name)),
            Requirement::Check(path) => self.check(path),
            Requirement::Any(nested) => self.any(self.requirements(nested)),
            Requirement::All(nested) => self.every(self.requirements(nested)),
        }
    }

    /// Every part must hold; the first that fails gives the denial.
    fn every(&self, parts: Vec<TokenStream>) -> TokenStream {
        if parts.len() < 2 {
            return parts.into_iter().next().unwrap_or_else(|| quote!(#_Ok(())));
        }
        let (label, denial) = (self.label(), &self.denial);
        // Locals: quote's repetitions bind what they interpolate, and a
        // const cannot be bound.
        let (ok, err) = (_Ok, _Err);
        quote! {
            #label: {
                #( if let #err(#denial) = #parts {
                    break #label #err(#denial);
                } )*
                #ok(())
            }
        }
    }

    /// One part must hold; if none does, the first one's denial is given.
    fn any(&self, parts: Vec<TokenStream>) -> TokenStream {
        let Some((first_part, rest)) = parts.split_first() else { return quote!(#_Ok(())) };
        let Self { first, denial, .. } = self;
        let label = self.label();
        let ok = _Ok; // a local, for the repetition
        quote! {
            #label: {
                let #first = match #first_part {
                    #ok(()) => break #label #ok(()),
                    #_Err(#denial) => #denial,
                };
                #( if #rest.is_ok() { break #label #ok(()); } )*
                #_Err(#first)
            }
        }
    }

    /// Every one of `scopes`, or `any` one, over a const slice of their
    /// names; with a vocabulary, each met by the scopes that imply it too:
    /// a variant by those of its own enum, a string by the vocabulary's.
    fn scopes(&self, scopes: &[Scope], any: bool) -> TokenStream {
        let names: Vec<TokenStream> = scopes.iter().map(scope_name).collect();
        let Self { token, scopes: slice, sets, .. } = self;
        let Some(vocabulary) = &self.vocabulary else {
            let function = if any { _any_scope } else { _all_scopes };
            return quote!({
                const #slice: &[&str] = &[#(#names),*];
                #function(#token, #slice)
            });
        };
        let met_by = scopes.iter().map(|scope| match scope {
            Scope::Named(name) => quote!(#_vocabulary_satisfiers::<#vocabulary>(#name)),
            Scope::Declared(path) => quote_spanned!(path_span(path)=> #_variant_satisfiers(&#path, #path.as_str())),
        });
        let function = if any { _any_scope_set } else { _all_scope_sets };
        quote!({
            const #slice: &[&str] = &[#(#names),*];
            const #sets: &[&[&str]] = &[#(#met_by),*];
            #function(#token, #slice, #sets)
        })
    }

    /// The app's function `path`, called on the token and awaited if async.
    fn check(&self, path: &Path) -> TokenStream {
        let label = path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
        // Located at the path, so that rustc's errors about the function's
        // signature point at its name.
        let argument = Ident::new(&self.token.to_string(), self.token.span().located_at(path_span(path)));
        let call = quote_spanned!(path_span(path)=> #path(#argument));
        quote!(#_check(#_CheckOutcome(#call).into_check().await, #label))
    }

    /// One claim matches one of its values.
    fn claim(&self, claim: &Claim) -> TokenStream {
        let Self { token, claims, .. } = self;
        let Claim { label, values, .. } = claim;
        let typed = |field: TokenStream| {
            let probes = values.iter().map(|value| {
                let (probe, literal) = (_ClaimProbe.at(value.span()), value.tokens());
                quote_spanned!(value.span()=> (&#probe(#field, #literal)).claim_matches())
            });
            quote!(#_claim(#(#probes)||*, #label))
        };
        match &claim.access {
            ClaimAccess::Field(field) => typed(quote!(&#claims.#field)),
            ClaimAccess::FieldByJsonName(name) => {
                let (by_name, hash) = (_claim_by_name.at(name.span()), _claim_name_hash.at(name.span()));
                typed(quote_spanned!(name.span()=> #by_name::<_, { #hash(#name) }>(&#claims)))
            }
            ClaimAccess::FieldPath(fields) => typed(quote!(&#claims #(.#fields)*)),
            ClaimAccess::Json(name) => {
                let literals = json_literals(values);
                quote!(#_json_claim(#token, #name, &[#(#literals),*]))
            }
            ClaimAccess::JsonPath(path) => {
                let literals = json_literals(values);
                quote!(#_json_claim_path(#token, &[#(#path),*], #label, &[#(#literals),*]))
            }
        }
    }
}

/// Each of `values` as a `ClaimLiteral`, for claims read from JSON.
fn json_literals(values: &[ClaimValue]) -> Vec<TokenStream> {
    values
        .iter()
        .map(|value| {
            let literal = value.tokens();
            match value {
                ClaimValue::Str(_) => quote!(#_ClaimLiteral::Str(#literal)),
                ClaimValue::Bool(_) => quote!(#_ClaimLiteral::Bool(#literal)),
                ClaimValue::Int { .. } => quote!(#_ClaimLiteral::Int(#literal)),
            }
        })
        .collect()
}

/// Where `path` starts, for the code that stands for it.
fn path_span(path: &Path) -> Span {
    path.segments.first().map_or_else(Span::call_site, |segment| segment.ident.span())
}
