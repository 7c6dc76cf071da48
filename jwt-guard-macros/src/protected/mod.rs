//! `#[protected(...)]` and `policy!(...)`: parse the policy, check it, then
//! expand it into a `RoutePolicy` and, for a route, a hidden guard
//! parameter that enforces it before any other guard runs.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type};

use parse::{OptKind, Policy};

pub(crate) use check::scope_token_problem;

/// The names of Rocket's route attributes.
const ROUTE_ATTRIBUTES: [&str; 8] = ["get", "put", "post", "delete", "head", "patch", "options", "route"];

/// Expands `#[protected(attr)] item`.
pub(crate) fn protected(attr: TokenStream, item: TokenStream) -> TokenStream {
    let Ok(mut handler) = syn::parse2::<ItemFn>(item.clone()) else {
        let error = syn::Error::new(
            proc_macro2::Span::call_site(),
            "`#[protected]` goes on a route handler: a function with a route attribute such as `#[get(\"/path\")]` below it",
        );
        return with_item(error, item);
    };
    match protect_handler(attr, &mut handler) {
        Ok(policy) => quote!(#policy #handler),
        Err(error) => with_item(error, quote!(#handler)),
    }
}

/// Parses and checks the policy, adds the guard parameter to `handler`,
/// and returns the policy's items.
fn protect_handler(attr: TokenStream, handler: &mut ItemFn) -> syn::Result<TokenStream> {
    let has_route = handler.attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| ROUTE_ATTRIBUTES.contains(&segment.ident.to_string().as_str()))
    });
    if !has_route {
        return Err(syn::Error::new(
            handler.sig.ident.span(),
            "`#[protected]` needs a route attribute below it: write `#[protected(...)]` above `#[get(...)]`, \
             `#[post(...)]` or `#[route(...)]`, not under it",
        ));
    }
    let policy: Policy = syn::parse2(attr)?;
    let claims_type = declared_claims_type(&policy).or_else(|| handler_claims_type(handler));
    check::check(&policy)?;
    let name = expand::policy_name(&handler.sig.ident);
    let route = handler.sig.ident.to_string();
    let items = expand::policy_impl(&policy, claims_type.as_ref(), &name, &handler.vis, &route);
    let parameter = format_ident!("__jwt_guard_policy");
    handler.sig.inputs.insert(0, syn::parse_quote!(#parameter: ::jwt_guard::__private::Protected<#name>));
    Ok(items)
}

/// Expands `policy!(input)` into a `jwt_guard::Policy` value.
pub(crate) fn policy(input: TokenStream) -> TokenStream {
    let expand = || -> syn::Result<TokenStream> {
        let policy: Policy = syn::parse2(input)?;
        let claims_type = declared_claims_type(&policy);
        check::check(&policy)?;
        let name = format_ident!("__JwtGuardGroupPolicy");
        let items = expand::policy_impl(&policy, claims_type.as_ref(), &name, &syn::Visibility::Inherited, "group");
        Ok(quote! {{
            #items
            ::jwt_guard::Policy::<#name>::new()
        }})
    };
    expand().unwrap_or_else(|error| error.to_compile_error())
}

/// The type of `claims = T`, if the policy says it.
fn declared_claims_type(policy: &Policy) -> Option<Type> {
    policy.options.iter().find_map(|option| match &option.kind {
        OptKind::Claims(ty) => Some((**ty).clone()),
        _ => None,
    })
}

/// `T` of the handler's first `Claims<T>` parameter.
fn handler_claims_type(handler: &ItemFn) -> Option<Type> {
    handler.sig.inputs.iter().find_map(|input| {
        let FnArg::Typed(typed) = input else { return None };
        let Type::Path(path) = &*typed.ty else { return None };
        let last = path.path.segments.last()?;
        if last.ident != "Claims" {
            return None;
        }
        let PathArguments::AngleBracketed(arguments) = &last.arguments else { return None };
        match arguments.args.first()? {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }
    })
}

/// The errors, and the item unchanged, so that rustc reports nothing else.
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}
