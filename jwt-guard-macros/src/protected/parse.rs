//! Parsing a policy into its `ast`, with recovery: an option or an item
//! that cannot be read is reported, and reading resumes after the next
//! comma, so that one compile shows every mistake. Unknown, duplicate,
//! misplaced and empty options are refused here; what their values mean is
//! left to `check`.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt as _;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseBuffer, ParseStream, Parser};
use syn::{Ident, LitBool, LitInt, LitStr, Token, bracketed, parenthesized};

use super::ast::{
    Bound, ClaimName, ClaimRequirement, ClaimValue, PathSegment, Policy, Requirement, ScopeItem, Settings,
};
use crate::ctxt::{Ctxt, FirstSeen};
use crate::suggest::closest;

/// The options a policy may hold, for error messages.
const OPTIONS: [&str; 15] = [
    "scope",
    "scopes",
    "any_scope",
    "claim",
    "role",
    "any_role",
    "issuer",
    "check",
    "any",
    "all",
    "bound",
    "acr",
    "max_age",
    "claims",
    "vocabulary",
];

/// Parses `tokens` as a policy; its mistakes go to `cx`.
pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> Policy {
    let mut settings = Settings::default();
    let parser = |input: ParseStream<'_>| Ok(options(cx, input, Some(&mut settings), Place::Top));
    let requirements = parser.parse2(tokens).unwrap_or_else(|error| {
        cx.push(error);
        Vec::new()
    });
    Policy { settings, requirements }
}

/// Where a list of options stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The policy's own list: one option of each kind (`any(...)` and
    /// `all(...)` aside), so that a policy reads at a glance.
    Top,
    /// Inside `all(...)`: options of one kind may come again, all holding,
    /// but for `issuer`, of which a token has one.
    All,
    /// Inside `any(...)`: options of one kind may come again, as
    /// alternatives.
    Any,
}

impl Place {
    /// Whether `keyword` may not come again here.
    fn refuses_again(self, keyword: &Ident) -> bool {
        match self {
            Self::Top => keyword != "any" && keyword != "all",
            Self::All => keyword == "issuer",
            Self::Any => false,
        }
    }
}

/// The comma-separated options up to the end of `input`, at `place`.
/// `settings` receives `claims = T`, `vocabulary = S` and `bound`; it is
/// `None` inside `any(...)` and `all(...)`, where they are refused.
fn options(cx: &Ctxt, input: ParseStream<'_>, mut settings: Option<&mut Settings>, place: Place) -> Vec<Requirement> {
    let mut seen = FirstSeen::default();
    let mut requirements = Vec::new();
    comma_separated(cx, input, |input| {
        let keyword: Ident =
            input.parse().map_err(|error| expected(&error, &format!("a policy option: {}", listing(&OPTIONS))))?;
        let first = seen.earlier(keyword.to_string(), keyword.span());
        if let Some(first) = first.filter(|_| place.refuses_again(&keyword)) {
            duplicate_option(cx, first, &keyword);
        }
        match keyword.to_string().as_str() {
            "claims" => {
                if holds_claim_values(input) {
                    let message = "`claims = T` names the struct of typed claims; to require a claim's value, \
                                   write `claim(role = \"admin\")`";
                    return Err(syn::Error::new(keyword.span(), message));
                }
                equals(input, &keyword, "claims = AppClaims")?;
                let what = "the struct of typed claims, as in `claims = AppClaims`";
                let claims = input.parse().map_err(|error| expected(&error, what))?;
                if let Some(settings) = top_level(cx, &keyword, settings.as_deref_mut()) {
                    settings.claims = Some(claims);
                }
            }
            "vocabulary" => {
                equals(input, &keyword, "vocabulary = Scope")?;
                let what = "the enum that derives `Scopes`, as in `vocabulary = Scope`";
                let vocabulary = input.parse().map_err(|error| expected(&error, what))?;
                if let Some(settings) = top_level(cx, &keyword, settings.as_deref_mut()) {
                    settings.vocabulary = Some(vocabulary);
                }
            }
            "acr" => {
                let what = "an `acr` value, a string such as `\"urn:example:mfa\"`";
                let values = if input.peek(Token![=]) {
                    equals(input, &keyword, "acr = \"urn:example:mfa\"")?;
                    vec![string(input, what)?]
                } else {
                    let example = "acr(\"urn:example:mfa\", \"urn:example:hwk\")";
                    let content = parenthesized_after(cx, input, &keyword, example, "at least one `acr` value")?;
                    comma_separated(cx, &content, |input| string(input, what))
                };
                if let Some(settings) = top_level(cx, &keyword, settings.as_deref_mut()) {
                    settings.acr = Some(values);
                }
            }
            "max_age" => {
                equals(input, &keyword, "max_age = 300")?;
                let what = "a whole number of seconds, such as `max_age = 300`";
                let seconds = input.parse::<LitInt>().map_err(|error| expected(&error, what))?;
                if let Some(settings) = top_level(cx, &keyword, settings.as_deref_mut()) {
                    settings.max_age = Some(seconds);
                }
            }
            "bound" => {
                let kind = if input.peek(Token![=]) {
                    equals(input, &keyword, "bound = \"dpop\"")?;
                    let what = "the kind of binding: `\"dpop\"` or `\"mtls\"`, or a bare `bound` for either";
                    Some(input.parse::<LitStr>().map_err(|error| expected(&error, what))?)
                } else {
                    None
                };
                if let Some(settings) = top_level(cx, &keyword, settings.as_deref_mut()) {
                    settings.bound = Some(Bound { kind });
                }
            }
            _ => requirements.push(requirement(cx, input, &keyword)?),
        }
        Ok(())
    });
    requirements
}

/// The settings, if `keyword` is at the top level; elsewhere, an error.
fn top_level<'s>(cx: &Ctxt, keyword: &Ident, settings: Option<&'s mut Settings>) -> Option<&'s mut Settings> {
    if settings.is_none() {
        cx.error(keyword.span(), format!("`{keyword}` applies to the whole policy: put it at the top level"));
    }
    settings
}

/// Reports an option written a second time, and where it was first.
fn duplicate_option(cx: &Ctxt, first: Span, keyword: &Ident) {
    let hint = match keyword.to_string().as_str() {
        "scope" => "; several scopes go in one `scope = \"a b\"` or `scopes(\"a\", \"b\")`",
        "claim" => "; several claims go in one `claim(a = 1, b = 2)`",
        "bound" => "; a policy names one binding: `bound`, `bound = \"dpop\"` or `bound = \"mtls\"`",
        "issuer" => "; a token has one issuer: to accept either, write both in `any(...)`",
        "acr" => "; several classes go in one `acr(\"a\", \"b\")`",
        "max_age" | "claims" | "vocabulary" => "; a policy has one",
        _ => "; to need both, write them in `all(...)`",
    };
    cx.duplicate(
        first,
        keyword.span(),
        format!("`{keyword}` specified more than once{hint}"),
        format!("`{keyword}` first specified here"),
    );
}

/// The requirement that `keyword` introduces.
fn requirement(cx: &Ctxt, input: ParseStream<'_>, keyword: &Ident) -> syn::Result<Requirement> {
    Ok(match keyword.to_string().as_str() {
        "scope" => {
            equals(input, keyword, "scope = \"read\"")?;
            if input.peek(syn::token::Bracket) {
                return Err(input.error(
                    "for several scopes, write `scopes(\"a\", \"b\")` (all of them) or `any_scope(\"a\", \"b\")` (any one)",
                ));
            }
            Requirement::Scope(input.parse()?)
        }
        "scopes" => {
            let content = parenthesized_after(cx, input, keyword, "scopes(\"read\", \"write\")", "at least one scope")?;
            Requirement::Scopes(comma_separated(cx, &content, ScopeItem::parse))
        }
        "any_scope" => {
            let example = "any_scope(\"read\", \"admin\")";
            let content = parenthesized_after(cx, input, keyword, example, "at least one scope")?;
            Requirement::AnyScope(comma_separated(cx, &content, ScopeItem::parse))
        }
        "claim" => {
            if input.peek(Token![=]) {
                let message = "`claim(...)` requires claims' values, as in `claim(role = \"admin\")`; to name the \
                               struct of typed claims, write `claims = AppClaims`";
                return Err(syn::Error::new(keyword.span(), message));
            }
            let example = "claim(role = \"admin\")";
            let content = parenthesized_after(cx, input, keyword, example, "at least one `name = value`")?;
            Requirement::Claim(comma_separated(cx, &content, |input| claim_requirement(cx, input)))
        }
        "role" => {
            if input.peek(syn::token::Paren) {
                return Err(syn::Error::new(keyword.span(), SEVERAL_ROLES));
            }
            equals(input, keyword, "role = \"admin\"")?;
            if input.peek(syn::token::Bracket) {
                return Err(input.error(SEVERAL_ROLES));
            }
            Requirement::Role(string(input, "a role, a string such as `role = \"admin\"`")?)
        }
        "any_role" => {
            let content =
                parenthesized_after(cx, input, keyword, "any_role(\"admin\", \"owner\")", "at least one role")?;
            Requirement::AnyRole(comma_separated(cx, &content, |input| {
                string(input, "a role, a string such as `\"admin\"`")
            }))
        }
        "issuer" => {
            equals(input, keyword, "issuer = \"auth0\"")?;
            let what = "the name of a configured issuer, such as `issuer = \"auth0\"`";
            Requirement::Issuer(input.parse().map_err(|error| expected(&error, what))?)
        }
        "check" => {
            equals(input, keyword, "check = my_check")?;
            let what = "the path of a function `fn(&Token) -> bool`, or an async one";
            Requirement::Check(input.parse().map_err(|error| expected(&error, what))?)
        }
        "any" | "all" => {
            let example = format!("{keyword}(scope = \"admin\", claim(role = \"owner\"))");
            let listed = parenthesized_after(cx, input, keyword, &example, "at least one option")?;
            let nested = options(cx, &listed, None, if keyword == "any" { Place::Any } else { Place::All });
            if keyword == "any" { Requirement::Any(nested) } else { Requirement::All(nested) }
        }
        unknown => {
            let hint = match unknown {
                "and" => "; did you mean `all`?".to_owned(),
                "or" => "; did you mean `any`?".to_owned(),
                "not" => "; a policy names what a token must hold, never what it must not".to_owned(),
                "roles" => format!("; {SEVERAL_ROLES}"),
                _ => closest(unknown, OPTIONS).map(|near| format!("; did you mean `{near}`?")).unwrap_or_default(),
            };
            let message = format!("unknown policy option `{unknown}`{hint}\nexpected one of {}", listing(&OPTIONS));
            return Err(syn::Error::new(keyword.span(), message));
        }
    })
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

/// `name = value` or `name = [values]`, inside `claim(...)`.
fn claim_requirement(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<ClaimRequirement> {
    let mut segments = vec![path_segment(input)?];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        segments.push(path_segment(input)?);
    }
    let name = match (segments.pop(), segments.is_empty()) {
        (Some(PathSegment::Field(field)), true) => ClaimName::Field(field),
        (Some(PathSegment::Json(name)), true) => ClaimName::Json(name),
        (last, _) => ClaimName::Path(segments.into_iter().chain(last).collect()),
    };
    input
        .parse::<Token![=]>()
        .map_err(|error| expected(&error, "`=` and the claim's value, as in `claim(role = \"admin\")`"))?;
    if !input.peek(syn::token::Bracket) {
        return Ok(ClaimRequirement { name, values: vec![input.parse()?] });
    }
    let content;
    let brackets = bracketed!(content in input);
    if content.is_empty() {
        cx.error(brackets.span.join(), "list at least one accepted value inside `[...]`");
    }
    Ok(ClaimRequirement { name, values: comma_separated(cx, &content, ClaimValue::parse) })
}

/// One member of a claim path: a name, or a string for a JSON name.
fn path_segment(input: ParseStream<'_>) -> syn::Result<PathSegment> {
    if input.peek(LitStr) {
        return Ok(PathSegment::Json(input.parse()?));
    }
    if !input.peek(Ident) && input.peek(Ident::peek_any) {
        let keyword = input.call(Ident::parse_any)?;
        // `self`, `Self`, `super` and `crate` have no raw form.
        let raw = if ["self", "Self", "super", "crate"].contains(&keyword.to_string().as_str()) {
            String::new()
        } else {
            format!(", or a field of typed claims as `r#{keyword}`")
        };
        let message = format!("`{keyword}` is a Rust keyword: write it as a string, `\"{keyword}\"`{raw}");
        return Err(syn::Error::new(keyword.span(), message));
    }
    let what = "a claim name, such as `role`, `realm_access.roles` or `\"https://example.com/roles\"`";
    Ok(PathSegment::Field(input.parse().map_err(|error| expected(&error, what))?))
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
            Err(input
                .error("expected a claim value: a string, `true`, `false` or an integer, or a list of them in `[...]`"))
        }
    }
}

/// Whether `input` starts with parentheses that hold `name = value` or a
/// claim path: `claim(...)`'s contents.
fn holds_claim_values(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    let contents = |fork: ParseStream<'_>| -> syn::Result<bool> {
        let content;
        parenthesized!(content in fork);
        Ok(content.peek2(Token![=]) || content.peek2(Token![.]))
    };
    contents(&fork).unwrap_or(false)
}

/// Several roles given to `role`, which takes one.
const SEVERAL_ROLES: &str =
    "for any of several roles, write `any_role(\"a\", \"b\")`; to need each, `all(role = \"a\", role = \"b\")`";

/// A string literal, or an error that says it is `what`.
fn string(input: ParseStream<'_>, what: &str) -> syn::Result<LitStr> {
    input.parse().map_err(|error| expected(&error, what))
}

/// `=` after `keyword`, or an error that shows `example`.
fn equals(input: ParseStream<'_>, keyword: &Ident, example: &str) -> syn::Result<()> {
    match input.parse::<Token![=]>() {
        Ok(_) => Ok(()),
        Err(_) => Err(syn::Error::new(keyword.span(), format!("expected `=` after `{keyword}`, as in `{example}`"))),
    }
}

/// `error`'s place, and a message that says what was expected there.
fn expected(error: &syn::Error, what: &str) -> syn::Error {
    syn::Error::new(error.span(), format!("expected {what}"))
}

/// The contents of the parentheses after `keyword`; empty ones are
/// reported as needing `what`.
fn parenthesized_after<'a>(
    cx: &Ctxt,
    input: ParseStream<'a>,
    keyword: &Ident,
    example: &str,
    what: &str,
) -> syn::Result<ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        let message = format!("expected parentheses after `{keyword}`, as in `{example}`");
        return Err(syn::Error::new(keyword.span(), message));
    }
    let content;
    parenthesized!(content in input);
    if content.is_empty() {
        cx.error(keyword.span(), format!("`{keyword}()` is empty: list {what} inside the parentheses"));
    }
    Ok(content)
}

/// The comma-separated items up to the end of `input`, each read by `item`.
/// An item that cannot be read is reported and skipped up to the next
/// comma, where reading resumes.
fn comma_separated<T>(
    cx: &Ctxt,
    input: ParseStream<'_>,
    mut item: impl FnMut(ParseStream<'_>) -> syn::Result<T>,
) -> Vec<T> {
    let mut items = Vec::new();
    while !input.is_empty() {
        // Read on a fork: an item that fails leaves nothing half-read in
        // `input`, where syn would report its unread tokens once more.
        let fork = input.fork();
        match item(&fork) {
            Ok(parsed) => {
                input.advance_to(&fork);
                items.push(parsed);
                if !input.is_empty() && !input.peek(Token![,]) {
                    cx.push(input.error("expected `,`"));
                }
            }
            Err(error) => cx.push(error),
        }
        skip_past_comma(input);
    }
    items
}

/// Skips the tokens up to the next comma of `input`, and the comma.
fn skip_past_comma(input: ParseStream<'_>) {
    let skipped = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((token, next)) = rest.token_tree() {
            rest = next;
            if matches!(token, TokenTree::Punct(punct) if punct.as_char() == ',') {
                break;
            }
        }
        Ok(((), rest))
    });
    skipped.expect("skipping tokens cannot fail");
}

/// `` `a`, `b` or `c` ``.
fn listing(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}
