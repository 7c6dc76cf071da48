//! The parsed form of a policy: the options of `#[protected(...)]` and
//! `policy!(...)`, with the tokens that errors point at.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitBool, LitInt, LitStr, Path, Token, Type, bracketed, parenthesized};

use crate::suggest::closest;

/// The options a policy may hold, for error messages.
pub(crate) const OPTIONS: [&str; 10] =
    ["scope", "scopes", "any_scope", "claim", "issuer", "check", "any", "all", "claims", "vocabulary"];

/// A whole policy: its options, all of which must hold.
pub(crate) struct Policy {
    pub(crate) options: Vec<Opt>,
}

/// One option, with the keyword that introduced it.
pub(crate) struct Opt {
    /// The option's name, for duplicate and placement errors.
    pub(crate) keyword: Ident,
    pub(crate) kind: OptKind,
}

pub(crate) enum OptKind {
    /// `scope = "a b"` or `scope = Scope::A`: every one.
    Scope(Vec<ScopeItem>),
    /// `scopes("a", "b")`: every one.
    Scopes(Vec<ScopeItem>),
    /// `any_scope("a", "b")`: at least one.
    AnyScope(Vec<ScopeItem>),
    /// `claim(name = value, ...)`: every requirement.
    Claim(Vec<ClaimRequirement>),
    /// `issuer = "name"`.
    Issuer(LitStr),
    /// `check = path`.
    Check(Path),
    /// `any(...)`: at least one option.
    Any(Vec<Opt>),
    /// `all(...)`: every option.
    All(Vec<Opt>),
    /// `claims = Type`: the typed claims that claim names refer to.
    Claims(Box<Type>),
    /// `vocabulary = Scope`: the `#[derive(Scopes)]` enum that string
    /// scopes must belong to.
    Vocabulary(Path),
}

/// A scope named by a string or by a path to a declared scope.
pub(crate) enum ScopeItem {
    Literal(LitStr),
    Path(Path),
}

/// `name = value` or `name = [values]` inside `claim(...)`.
pub(crate) struct ClaimRequirement {
    pub(crate) name: ClaimName,
    pub(crate) values: Vec<ClaimValue>,
    /// The value, or the brackets of a list of them.
    pub(crate) values_span: Span,
}

/// A claim named by a Rust field or a JSON member name.
pub(crate) enum ClaimName {
    Field(Ident),
    Json(LitStr),
}

pub(crate) enum ClaimValue {
    Str(LitStr),
    Bool(LitBool),
    Int { literal: LitInt, negative: bool },
}

impl Parse for Policy {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Self { options: parse_options(input)? })
    }
}

/// Comma-separated options, up to the end of `input`.
fn parse_options(input: ParseStream<'_>) -> syn::Result<Vec<Opt>> {
    Ok(Punctuated::<Opt, Token![,]>::parse_terminated(input)?.into_iter().collect())
}

impl Parse for Opt {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let keyword: Ident = input.parse().map_err(|error| {
            syn::Error::new(error.span(), format!("expected a policy option: {}", listing(&OPTIONS)))
        })?;
        let kind = match keyword.to_string().as_str() {
            "scope" => {
                equals(input, &keyword, "scope = \"read\"")?;
                OptKind::Scope(vec![input.parse()?])
            }
            "scopes" => OptKind::Scopes(list(input, &keyword, "scopes(\"read\", \"write\")")?),
            "any_scope" => OptKind::AnyScope(list(input, &keyword, "any_scope(\"read\", \"admin\")")?),
            "claim" => OptKind::Claim(list(input, &keyword, "claim(role = \"admin\")")?),
            "issuer" => {
                equals(input, &keyword, "issuer = \"auth0\"")?;
                OptKind::Issuer(string(input, "the name of a configured issuer, such as `issuer = \"auth0\"`")?)
            }
            "check" => {
                equals(input, &keyword, "check = my_check")?;
                OptKind::Check(input.parse().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "expected the path of a function `fn(&Token) -> bool`, or an async one",
                    )
                })?)
            }
            "any" | "all" => {
                let content =
                    parenthesized_after(input, &keyword, &format!("{keyword}(scope = \"a\", scope = \"b\")"))?;
                let options = parse_options(&content)?;
                if keyword == "any" { OptKind::Any(options) } else { OptKind::All(options) }
            }
            "claims" => {
                equals(input, &keyword, "claims = AppClaims")?;
                OptKind::Claims(Box::new(input.parse()?))
            }
            "vocabulary" => {
                equals(input, &keyword, "vocabulary = Scope")?;
                OptKind::Vocabulary(input.parse()?)
            }
            unknown => {
                let hint =
                    closest(unknown, OPTIONS).map(|near| format!("; did you mean `{near}`?")).unwrap_or_default();
                return Err(syn::Error::new(
                    keyword.span(),
                    format!("unknown policy option `{unknown}`{hint}\nexpected one of {}", listing(&OPTIONS)),
                ));
            }
        };
        Ok(Self { keyword, kind })
    }
}

impl Parse for ScopeItem {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Self::Literal(input.parse()?));
        }
        if input.peek(Ident) || input.peek(Token![::]) || input.peek(Token![crate]) || input.peek(Token![self]) {
            return Ok(Self::Path(input.parse()?));
        }
        Err(input.error(
            "expected a scope: a string such as `\"read:reports\"`, or a declared scope such as `Scope::ReadReports`",
        ))
    }
}

impl Parse for ClaimRequirement {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name = if input.peek(LitStr) {
            ClaimName::Json(input.parse()?)
        } else {
            ClaimName::Field(input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected a claim name, such as `role` or `\"https://example.com/roles\"`",
                )
            })?)
        };
        let example = "claim(role = \"admin\")";
        input.parse::<Token![=]>().map_err(|error| {
            syn::Error::new(error.span(), format!("expected `=` and the claim's value, as in `{example}`"))
        })?;
        if input.peek(syn::token::Bracket) {
            let content;
            let brackets = bracketed!(content in input);
            let values = Punctuated::<ClaimValue, Token![,]>::parse_terminated(&content)?.into_iter().collect();
            Ok(Self { name, values, values_span: brackets.span.join() })
        } else {
            let values_span = input.span();
            Ok(Self { name, values: vec![input.parse()?], values_span })
        }
    }
}

impl Parse for ClaimValue {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            Ok(Self::Str(input.parse()?))
        } else if lookahead.peek(LitBool) {
            Ok(Self::Bool(input.parse()?))
        } else if lookahead.peek(LitInt) {
            Ok(Self::Int { literal: input.parse()?, negative: false })
        } else if lookahead.peek(Token![-]) && input.peek2(LitInt) {
            input.parse::<Token![-]>()?;
            Ok(Self::Int { literal: input.parse()?, negative: true })
        } else {
            Err(syn::Error::new(
                input.span(),
                "expected a claim value: a string, `true`, `false` or an integer, or a list of them in `[...]`",
            ))
        }
    }
}

/// `= ` after `keyword`, or an error that shows `example`.
fn equals(input: ParseStream<'_>, keyword: &Ident, example: &str) -> syn::Result<()> {
    input
        .parse::<Token![=]>()
        .map(drop)
        .map_err(|_| syn::Error::new(keyword.span(), format!("expected `=` after `{keyword}`, as in `{example}`")))
}

/// A string literal, or an error that says what was expected.
fn string(input: ParseStream<'_>, expected: &str) -> syn::Result<LitStr> {
    input.parse().map_err(|error| syn::Error::new(error.span(), format!("expected {expected}")))
}

/// The contents of the parentheses after `keyword`.
fn parenthesized_after<'a>(
    input: ParseStream<'a>,
    keyword: &Ident,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            keyword.span(),
            format!("expected parentheses after `{keyword}`, as in `{example}`"),
        ));
    }
    let content;
    parenthesized!(content in input);
    Ok(content)
}

/// The comma-separated items in the parentheses after `keyword`.
fn list<T: Parse>(input: ParseStream<'_>, keyword: &Ident, example: &str) -> syn::Result<Vec<T>> {
    let content = parenthesized_after(input, keyword, example)?;
    Ok(Punctuated::<T, Token![,]>::parse_terminated(&content)?.into_iter().collect())
}

/// `` `a`, `b` or `c` ``.
pub(crate) fn listing(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}
