//! `#[protected(...)]` and `policy!(...)`: `parse` reads the policy into
//! its `ast`, `check` checks it and resolves it into the `model`, and
//! `expand` writes the code of the model: a `RoutePolicy` and, for a route,
//! a hidden guard parameter that enforces it before any other guard runs.
//!
//! **Invariant:** one `Ctxt` gathers the errors of every step; if there
//! are any, nothing is expanded, and the handler is emitted unchanged
//! beside them, so that rustc reports nothing else.

mod ast;
mod check;
mod expand;
mod model;
mod parse;
mod route;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type};

use crate::ctxt::Ctxt;

pub(crate) use check::scope_token_problem;

/// Expands `#[protected(attr)] item`.
pub(crate) fn protected(attr: TokenStream, item: TokenStream) -> TokenStream {
    let Ok(mut handler) = syn::parse2::<ItemFn>(item.clone()) else {
        let error = syn::Error::new(
            Span::call_site(),
            "`#[protected]` goes on a route handler: a function with a route attribute such as `#[get(\"/path\")]` below it",
        );
        return with_item(error, item);
    };
    let cx = Ctxt::new();
    let declared = route::route_attribute(&handler.attrs).map(route::declared_route);
    if declared.is_none() {
        // On `#[protected]` itself: that is the attribute to move.
        cx.error(
            Span::call_site(),
            "`#[protected]` needs a route attribute below it: write `#[protected(...)]` above `#[get(...)]`, \
             `#[post(...)]` or `#[route(...)]`, not under it",
        );
    }
    let again = handler.attrs.iter().find(|attr| is_protected(attr.path()));
    if let Some(again) = again {
        cx.error_spanned_by(
            again,
            "a route has one `#[protected]`: merge the two into one, whose options must all hold",
        );
    }
    let policy = check::check(&cx, parse::parse(&cx, attr), handler_claims_type(&handler));
    match cx.check() {
        Ok(()) => {
            let items = expand::route(&policy, &declared.unwrap_or_default(), &mut handler);
            quote!(#items #handler)
        }
        Err(error) => with_item(error, quote!(#handler)),
    }
}

/// Expands `policy!(input)` into a `jwt_guard::Policy` value.
pub(crate) fn policy(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let policy = check::check(&cx, parse::parse(&cx, input), None);
    match cx.check() {
        Ok(()) => expand::group(&policy),
        Err(error) => {
            // In braces: the errors are several macro calls, and `policy!`
            // stands for one expression.
            let errors = error.to_compile_error();
            quote!({ #errors })
        }
    }
}

/// Whether `path` names this attribute: `protected`, as imported, or
/// `jwt_guard::protected`.
fn is_protected(path: &syn::Path) -> bool {
    let mut names = path.segments.iter().map(|segment| segment.ident.to_string());
    match (names.next(), names.next(), names.next()) {
        (Some(only), None, None) => only == "protected",
        (Some(krate), Some(name), None) => krate == "jwt_guard" && name == "protected",
        _ => false,
    }
}

/// `T` of the handler's first `Claims<T>` parameter, taken as it is or
/// in an `Option`, a `Result` or an `Outcome`.
fn handler_claims_type(handler: &ItemFn) -> Option<Type> {
    handler.sig.inputs.iter().find_map(|input| {
        let FnArg::Typed(typed) = input else { return None };
        claims_type(&typed.ty)
    })
}

/// `T` of `Claims<T>`, `Option<Claims<T>>`, `Result<Claims<T>, E>` or
/// Rocket's `Outcome<Claims<T>, ...>`.
fn claims_type(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(arguments) = &last.arguments else { return None };
    let GenericArgument::Type(first) = arguments.args.first()? else { return None };
    match last.ident.to_string().as_str() {
        "Claims" => Some(first.clone()),
        "Option" | "Result" | "Outcome" => claims_type(first),
        _ => None,
    }
}

/// The errors, and the item unchanged, so that rustc reports nothing else.
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}
