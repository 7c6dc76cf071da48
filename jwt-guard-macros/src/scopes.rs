//! `#[derive(Scopes)]`: an app's scope vocabulary, declared once as an enum
//! whose variants name their scopes, and the scopes each implies
//! (`#[scope("files:write", implies = "files:read")]`, or `implies = "*"`
//! for every other). Policies name scopes by variant (checked by rustc);
//! string scopes in a policy that names the enum are checked against it at
//! compile time, and an undeclared one is shown the declared scopes. The
//! implications are closed over at compile time: a scope is met by every
//! scope that implies it, directly or not; an implied scope that is not
//! declared, and a cycle, are errors.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Token};

use crate::ctxt::{self, Ctxt, FirstSeen};
use crate::exports::{_Display, _FmtResult, _Formatter, _ScopeVocabulary, _Sealed};
use crate::protected::scope_token_problem;
use crate::suggest::closest;

/// Expands the derive, or the errors that make it impossible.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    ctxt::derive(input, expand)
}

fn expand(cx: &Ctxt, input: &DeriveInput) -> TokenStream {
    let scopes = declared_scopes(cx, input);
    let name = &input.ident;
    let listed: Vec<String> = scopes.iter().map(|scope| format!("`{}`", scope.name.value())).collect();
    let undeclared = format!("this scope is not declared by `{name}`\ndeclared scopes: {}", listed.join(", "));
    let table = satisfier_table(cx, &scopes);
    let (idents, literals): (Vec<_>, Vec<_>) = scopes.into_iter().map(|scope| (scope.variant, scope.name)).unzip();
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let formatter = Ident::new("f", Span::mixed_site());
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
        }

        #[automatically_derived]
        impl #impl_generics #_Sealed for #name #type_generics #where_clause {}

        #[automatically_derived]
        impl #impl_generics #_ScopeVocabulary for #name #type_generics #where_clause {
            const NAMES: &'static [&'static str] = &[#(#literals),*];
            const SATISFIERS: &'static [(&'static str, &'static [&'static str])] = &[#table];
            const UNDECLARED: &'static str = #undeclared;
        }

        #[automatically_derived]
        impl #impl_generics #_Display for #name #type_generics #where_clause {
            fn fmt(&self, #formatter: &mut #_Formatter<'_>) -> #_FmtResult {
                #formatter.write_str(self.as_str())
            }
        }
    }
}

/// A declared scope.
struct Declared {
    variant: Ident,
    name: LitStr,
    /// The scopes it implies, as written; `*` for every other.
    implies: Vec<LitStr>,
}

/// What `#[scope(...)]` holds: the scope, then `implies = "..."` or
/// `implies("...", ...)`.
struct ScopeAttribute {
    name: LitStr,
    implies: Vec<LitStr>,
}

impl Parse for ScopeAttribute {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name = input.parse()?;
        let mut implies = Vec::new();
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let keyword: Ident = input.parse()?;
            if keyword != "implies" {
                return Err(syn::Error::new(
                    keyword.span(),
                    "expected `implies = \"scope\"` or `implies(\"a\", \"b\")`",
                ));
            }
            if input.parse::<Option<Token![=]>>()?.is_some() {
                implies.push(input.parse()?);
            } else {
                let content;
                let parens = syn::parenthesized!(content in input);
                implies.extend(content.parse_terminated(<LitStr as Parse>::parse, Token![,])?);
                if implies.is_empty() {
                    return Err(syn::Error::new(
                        parens.span.join(),
                        "`implies()` names no scope: list the scopes it implies, or leave it out",
                    ));
                }
            }
        }
        Ok(Self { name, implies })
    }
}

/// The table of each scope with the scopes that meet it, as tokens:
/// `("files:read", &["files:read", "files:write"]), ...`. An implied scope
/// that is not declared, and a cycle of implications, are errors.
fn satisfier_table(cx: &Ctxt, scopes: &[Declared]) -> TokenStream {
    let edges = implications(cx, scopes);
    let wildcards: Vec<bool> =
        scopes.iter().map(|scope| scope.implies.iter().any(|implied| implied.value() == "*")).collect();
    // A cycle among explicit implications (a wildcard implies every other
    // scope by design, and is left out); and a scope that implies a
    // wildcard scope, which implies it again.
    for (start, scope) in scopes.iter().enumerate().filter(|(index, _)| !wildcards[*index]) {
        if let Some(path) = cycle_from(&edges, &wildcards, start) {
            let mut chain = format!("`{}`", scope.variant);
            for (index, step) in path.iter().skip(1).enumerate() {
                let verb = if index == 0 { " implies" } else { ", which implies" };
                chain.push_str(&format!("{verb} `{}`", scopes[*step].variant));
            }
            let last = path.last().copied().unwrap_or(start);
            if wildcards[last] {
                chain.push_str(&format!(", which implies every scope, `{}` included", scope.variant));
            }
            cx.error(scope.name.span(), format!("{chain}: implications cannot form a cycle"));
        }
    }
    let rows = scopes.iter().enumerate().map(|(target, scope)| {
        let satisfiers = (0..scopes.len()).filter(|from| *from == target || reaches(&edges, *from, target));
        let names = satisfiers.map(|from| &scopes[from].name);
        let name = &scope.name;
        quote!((#name, &[#(#names),*]))
    });
    quote!(#(#rows),*)
}

/// `edges[a]`: the scopes that `a` implies directly, `*` meaning every
/// other one; an implied scope that is not declared is an error.
fn implications(cx: &Ctxt, scopes: &[Declared]) -> Vec<Vec<usize>> {
    let names: Vec<String> = scopes.iter().map(|scope| scope.name.value()).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); scopes.len()];
    for (from, scope) in scopes.iter().enumerate() {
        for implied in &scope.implies {
            match implied.value().as_str() {
                "*" => edges[from].extend((0..scopes.len()).filter(|to| *to != from)),
                name => match names.iter().position(|declared| declared == name) {
                    Some(to) => edges[from].push(to),
                    None => {
                        let hint = closest(name, names.iter().map(String::as_str))
                            .map(|near| format!("; did you mean {near:?}?"))
                            .unwrap_or_default();
                        cx.error(implied.span(), format!("{name:?} is implied but not declared{hint}"));
                    }
                },
            }
        }
    }
    edges
}

/// A chain of implications from `start` back to it, or to a wildcard
/// scope (which implies it again): `start`, each scope on the way, and the
/// last one; `None` if there is none. Wildcards are not walked through.
fn cycle_from(edges: &[Vec<usize>], wildcards: &[bool], start: usize) -> Option<Vec<usize>> {
    // `via[b] = Some(a)`: the search reached `b` from `a`.
    let mut via: Vec<Option<usize>> = vec![None; edges.len()];
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        for &next in &edges[at] {
            if next == start || wildcards[next] {
                let mut path = vec![next, at];
                while let Some(before) = path.last().and_then(|last| via[*last]) {
                    path.push(before);
                }
                path.reverse();
                return Some(path);
            }
            if via[next].is_none() {
                via[next] = Some(at);
                stack.push(next);
            }
        }
    }
    None
}

/// Whether `from` implies `to`, directly or not.
fn reaches(edges: &[Vec<usize>], from: usize, to: usize) -> bool {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![from];
    while let Some(at) = stack.pop() {
        for &next in &edges[at] {
            if next == to {
                return true;
            }
            if !seen[next] {
                seen[next] = true;
                stack.push(next);
            }
        }
    }
    false
}

/// Each variant with the scope it declares; every problem goes to `cx`.
fn declared_scopes(cx: &Ctxt, input: &DeriveInput) -> Vec<Declared> {
    let Data::Enum(data) = &input.data else {
        cx.error_spanned_by(&input.ident, "`Scopes` is derived on an enum whose variants name scopes");
        return Vec::new();
    };
    if data.variants.is_empty() {
        cx.error_spanned_by(&input.ident, "declare at least one scope: a variant with `#[scope(\"read:reports\")]`");
    }
    let mut seen = FirstSeen::default();
    let mut scopes = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(&variant.fields, "scope variants carry no fields");
        }
        let mut attrs = variant.attrs.iter().filter(|attr| attr.path().is_ident("scope"));
        let Some(attr) = attrs.next() else {
            cx.error_spanned_by(&variant.ident, "name the variant's scope: `#[scope(\"read:reports\")]`");
            continue;
        };
        for again in attrs {
            cx.error_spanned_by(again, "a variant names one scope: merge its `#[scope(...)]` attributes into one");
        }
        let ScopeAttribute { name: scope, implies } = match attr.parse_args() {
            Ok(parsed) => parsed,
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
        scopes.push(Declared { variant: variant.ident.clone(), name: scope, implies });
    }
    scopes
}
