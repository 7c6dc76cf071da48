//! `#[derive(ClaimNames)]`: lets policies name a typed claims struct's
//! fields by their JSON names (serde's `rename`), such as Auth0's
//! namespaced `https://example.com/roles`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::{self, Ctxt};
use crate::exports::{_ClaimByName, _claim_name_hash};

/// Expands the derive, or the errors that make it impossible.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    ctxt::derive(input, expand)
}

/// One `ClaimByName` impl per field, keyed by the hash of its JSON name.
fn expand(cx: &Ctxt, input: &DeriveInput) -> TokenStream {
    let Data::Struct(data) = &input.data else {
        cx.error_spanned_by(&input.ident, "`ClaimNames` is derived on a struct of named claims");
        return TokenStream::new();
    };
    let Fields::Named(fields) = &data.fields else {
        cx.error_spanned_by(&input.ident, "`ClaimNames` is derived on a struct with named fields");
        return TokenStream::new();
    };
    for rename_all in serde_attrs(&input.attrs).filter(|meta| meta.path.is_ident("rename_all")) {
        cx.error_spanned_by(
            rename_all.path,
            "`ClaimNames` reads each field's `#[serde(rename = \"...\")]`, not `rename_all`: rename the fields one by one",
        );
    }
    let name = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    // A field that is not read from a claim of its own (skipped, or
    // flattened from several) has no JSON name for policies to use.
    let read_alone = |field: &&syn::Field| {
        !serde_attrs(&field.attrs)
            .any(|meta| ["skip", "skip_deserializing", "flatten"].iter().any(|word| meta.path.is_ident(word)))
    };
    let impls = fields.named.iter().filter(read_alone).map(|field| {
        let ident = field.ident.as_ref().expect("named fields have names");
        let json_name = serde_attrs(&field.attrs)
            .find_map(|meta| meta.path.is_ident("rename").then_some(meta.value).flatten())
            .unwrap_or_else(|| syn::ext::IdentExt::unraw(ident).to_string());
        let ty = &field.ty;
        quote! {
            #[automatically_derived]
            impl #impl_generics #_ClaimByName<{ #_claim_name_hash(#json_name) }> for #name #type_generics #where_clause {
                type Field = #ty;
                fn claim_field(&self) -> &#ty {
                    &self.#ident
                }
            }
        }
    });
    quote!(#(#impls)*)
}

/// A `#[serde(...)]` item: its name and, for `name = "..."`, its value;
/// for `rename(deserialize = "...")`, the name it is read by.
struct SerdeItem {
    path: syn::Path,
    value: Option<String>,
}

/// The items of every `#[serde(...)]` attribute; the ones that cannot be
/// read are left to serde to report.
fn serde_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = SerdeItem> + '_ {
    attrs.iter().filter(|attr| attr.path().is_ident("serde")).flat_map(|attr| {
        let mut items = Vec::new();
        let _ = attr.parse_nested_meta(|meta| {
            let mut value = match meta.value() {
                Ok(value) => value.parse::<LitStr>().ok().map(|literal| literal.value()),
                Err(_) => None,
            };
            if meta.input.peek(syn::token::Paren) {
                let _ = meta.parse_nested_meta(|nested| {
                    let nested_value = nested.value().and_then(|value| value.parse::<LitStr>());
                    if let Ok(literal) = nested_value
                        && nested.path.is_ident("deserialize")
                    {
                        value = Some(literal.value());
                    }
                    Ok(())
                });
            }
            items.push(SerdeItem { path: meta.path, value });
            Ok(())
        });
        items
    })
}
