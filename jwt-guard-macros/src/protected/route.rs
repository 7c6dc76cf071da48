//! The route a handler's Rocket attribute declares: its method and path,
//! as `#[get("/path")]` or `#[route(GET, uri = "/path")]` write them, so
//! that the policy can name the route it protects.

use syn::parse::ParseStream;
use syn::{Attribute, Ident, LitStr, Token};

/// The names of Rocket's route attributes.
pub(crate) const ROUTE_ATTRIBUTES: [&str; 8] = ["get", "put", "post", "delete", "head", "patch", "options", "route"];

/// A route's method and path, as its attribute writes them.
#[derive(Default)]
pub(crate) struct DeclaredRoute {
    /// The method, upper case: `GET`.
    pub(crate) method: String,
    /// The path and query, as written: `/items/<id>?<q>`.
    pub(crate) path: String,
}

/// The route attribute among `attrs`, if there is one.
pub(crate) fn route_attribute(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().find(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| ROUTE_ATTRIBUTES.contains(&segment.ident.to_string().as_str()))
    })
}

/// The route that `attr` declares; empty where it cannot be read (Rocket
/// reports a malformed attribute itself).
pub(crate) fn declared_route(attr: &Attribute) -> DeclaredRoute {
    let name = attr.path().segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
    let read = |input: ParseStream<'_>| {
        let declared = if name == "route" {
            let method: Ident = input.parse()?;
            let mut path = String::new();
            while !input.is_empty() {
                input.parse::<Token![,]>()?;
                if input.is_empty() {
                    break;
                }
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                if key == "uri" {
                    path = input.parse::<LitStr>()?.value();
                } else {
                    input.parse::<syn::Expr>()?;
                }
            }
            DeclaredRoute { method: method.to_string().to_uppercase(), path }
        } else {
            DeclaredRoute { method: name.to_uppercase(), path: input.parse::<LitStr>()?.value() }
        };
        input.parse::<proc_macro2::TokenStream>()?;
        Ok(declared)
    };
    attr.parse_args_with(read).unwrap_or_default()
}
