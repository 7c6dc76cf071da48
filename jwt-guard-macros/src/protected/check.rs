//! The checks of a parsed policy, and its resolution into the `model` that
//! `expand` reads, in one walk over the requirements. The checks: scopes
//! as RFC 6749 section 3.3 writes them, claim names that can exist, each
//! claim named once. The resolution: the claims type, the vocabulary, the
//! issuers and how each requirement is tested. Every error goes to the
//! `Ctxt`, so that one compile shows them all.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned as _;
use syn::{LitStr, Path, Type};

use super::ast::{self, ClaimName, ClaimValue, PathSegment, ScopeItem};
use super::model::{BoundKind, Claim, ClaimAccess, Requirement, ResolvedPolicy, Scope, Vocabulary};
use crate::ctxt::{Ctxt, FirstSeen};
use crate::suggest::closest;

/// Checks `policy` and resolves it. `handler_claims` is `T` of the route
/// handler's `Claims<T>` parameter, which `claims = T` overrides.
pub(crate) fn check(cx: &Ctxt, policy: ast::Policy, handler_claims: Option<Type>) -> ResolvedPolicy {
    let ast::Policy { settings, requirements } = policy;
    let bound = settings.bound.and_then(|bound| bound_kind(cx, &bound));
    let acr = settings.acr.unwrap_or_default();
    for value in &acr {
        if value.value().contains(' ') {
            cx.error(
                value.span(),
                "an `acr` value holds no spaces: the challenge's `acr_values` separates values by spaces",
            );
        } else if !value.value().is_ascii() {
            cx.error(
                value.span(),
                "an `acr` value is ASCII: the challenge's `acr_values` carries it in an HTTP header, which would \
                 garble other characters",
            );
        } else {
            check_quoted_value(cx, value, "an `acr` value");
        }
    }
    refuse_repeats(cx, acr.iter().map(|value| (value.value(), value.span())), "`acr` value");
    let max_age = settings.max_age.and_then(|seconds| match seconds.base10_parse::<u64>() {
        // `5m` would read as 5: a unit is refused, not dropped. An
        // integer type (`300u64`) is no unit.
        Ok(_)
            if !matches!(
                seconds.suffix(),
                "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
            ) =>
        {
            let message = format!(
                "`max_age` is a number of seconds, without a unit: `{}{}` is not read as such (write `max_age = 300` \
                 for five minutes)",
                seconds.base10_digits(),
                seconds.suffix()
            );
            cx.error(seconds.span(), message);
            None
        }
        Ok(0) => {
            cx.error(seconds.span(), "`max_age = 0` is never met: no authentication is younger than a second");
            None
        }
        Ok(seconds) => Some(seconds),
        Err(_) => {
            cx.error(seconds.span(), "`max_age` is a whole number of seconds");
            None
        }
    });
    let mut description = describe_all(&requirements);
    if let Some(kind) = bound {
        description = format!("{} and {description}", kind.describe());
    }
    if !acr.is_empty() {
        let values: Vec<String> = acr.iter().map(|value| format!("`{}`", value.value())).collect();
        description = format!("an authentication of {} and {description}", values.join(" or "));
    }
    if let Some(seconds) = max_age {
        description = format!("an authentication at most {seconds} s old and {description}");
    }
    let claims = settings.claims.or(handler_claims);
    let mut walk = Walk {
        cx,
        typed: claims.is_some(),
        reads_claims: false,
        issuers: Vec::new(),
        named_scopes: Vec::new(),
        first_declared: None,
        bare_variants: Vec::new(),
    };
    let requirements = walk.all(requirements);
    let vocabulary =
        settings.vocabulary.or(walk.first_declared).map(|path| Vocabulary { path, scopes: walk.named_scopes });
    if vocabulary.is_none() {
        for bare in &walk.bare_variants {
            let name = quote::ToTokens::to_token_stream(bare).to_string();
            let message = if bare.get_ident().is_some() && name.starts_with(|first: char| first.is_lowercase()) {
                // An enum's variant is written `ReadReports`: `read` is a
                // string whose quotes were forgotten.
                format!("a scope is a string: write `\"{name}\"`")
            } else {
                format!(
                    "which enum declares `{name}`? name the scope with its enum (`Scope::{name}`), or give \
                     `vocabulary = Scope`"
                )
            };
            cx.error_spanned_by(bare, message);
        }
    }
    let policy = ResolvedPolicy {
        claims: claims.filter(|_| walk.reads_claims),
        vocabulary,
        issuers: walk.issuers,
        requirements,
        bound,
        acr,
        max_age,
        description,
    };
    check_ways(cx, &policy);
    policy
}

/// The most ways a policy may be met in (see [`ResolvedPolicy::ways`]):
/// far more than a policy that a reader can follow, far fewer than would
/// slow the compiler down.
const MOST_WAYS: usize = 256;

/// Refuses a policy that no token can meet, or that can be met in too
/// many ways to list; unless its parts had errors, which left it whole.
fn check_ways(cx: &Ctxt, policy: &ResolvedPolicy) {
    if cx.has_errors() {
        return;
    }
    if policy.most_ways() > MOST_WAYS {
        let message = format!(
            "this policy can be met in more than {MOST_WAYS} ways (each `any(...)` multiplies the ways of the \
             others): write it as several routes or a `check` function"
        );
        cx.error(Span::call_site(), message);
    } else if policy.ways().is_empty() {
        let message = "no token can meet this policy: every way to meet it needs two different issuers, and a token \
                       has one `iss`";
        cx.error(Span::call_site(), message);
    }
}

/// Refuses each value of a list that comes again: `values` with where
/// each is written; `what` names them.
fn refuse_repeats(cx: &Ctxt, values: impl Iterator<Item = (String, Span)>, what: &str) {
    let mut seen = FirstSeen::default();
    for (value, span) in values {
        if let Some(first) = seen.earlier(value.clone(), span) {
            let message = format!("{what} `{value}` listed more than once");
            cx.duplicate(first, span, message, format!("{what} `{value}` first listed here"));
        }
    }
}

/// The kind of binding that `bound` names, or an error.
fn bound_kind(cx: &Ctxt, bound: &ast::Bound) -> Option<BoundKind> {
    let Some(kind) = &bound.kind else { return Some(BoundKind::Either) };
    match kind.value().as_str() {
        "dpop" => Some(BoundKind::Dpop),
        "mtls" => Some(BoundKind::Mtls),
        other => {
            let hint = closest(other, ["dpop", "mtls"])
                .map(|near| format!("; did you mean `\"{near}\"`?"))
                .unwrap_or_default();
            cx.error(kind.span(), format!("unknown binding `\"{other}\"`{hint}\nexpected `\"dpop\"` or `\"mtls\"`, or a bare `bound` for either"));
            None
        }
    }
}

/// The walk over a policy's requirements, and what it gathers.
struct Walk<'a> {
    /// Where errors go.
    cx: &'a Ctxt,
    /// Whether claim names are fields of typed claims.
    typed: bool,
    /// Whether a requirement reads claims.
    reads_claims: bool,
    /// The issuer names, in order.
    issuers: Vec<LitStr>,
    /// Every scope named by a string.
    named_scopes: Vec<LitStr>,
    /// `S` of the first declared scope `S::Variant`.
    first_declared: Option<Path>,
    /// The declared scopes named by their variant alone.
    bare_variants: Vec<Path>,
}

impl Walk<'_> {
    /// Each of `requirements`, checked and resolved.
    fn all(&mut self, requirements: Vec<ast::Requirement>) -> Vec<Requirement> {
        requirements.into_iter().map(|requirement| self.requirement(requirement)).collect()
    }

    /// One requirement, checked and resolved.
    fn requirement(&mut self, requirement: ast::Requirement) -> Requirement {
        match requirement {
            ast::Requirement::Scope(ScopeItem::Literal(literal)) => {
                check_scope_string(self.cx, &literal);
                Requirement::AllScopes(literal.value().split(' ').map(|name| self.named(name, &literal)).collect())
            }
            ast::Requirement::Scope(ScopeItem::Path(path)) => Requirement::AllScopes(vec![self.declared(path)]),
            ast::Requirement::Scopes(items) => Requirement::AllScopes(self.scope_items(items)),
            ast::Requirement::AnyScope(items) => Requirement::AnyScope(self.scope_items(items)),
            ast::Requirement::Claim(claims) => {
                self.reads_claims = true;
                Requirement::Claims(self.claims(claims))
            }
            ast::Requirement::Issuer(name) => {
                self.issuers.push(name.clone());
                Requirement::Issuer(name)
            }
            ast::Requirement::Check(path) => Requirement::Check(path),
            ast::Requirement::Role(role) => {
                check_quoted_value(self.cx, &role, "a role");
                Requirement::AnyRole(vec![role])
            }
            ast::Requirement::AnyRole(roles) => {
                for role in &roles {
                    check_quoted_value(self.cx, role, "a role");
                }
                refuse_repeats(self.cx, roles.iter().map(|role| (role.value(), role.span())), "role");
                Requirement::AnyRole(roles)
            }
            ast::Requirement::Any(nested) => Requirement::Any(self.all(nested)),
            ast::Requirement::All(nested) => Requirement::All(self.all(nested)),
        }
    }

    /// The items of `scopes(...)` or `any_scope(...)`, one scope each.
    fn scope_items(&mut self, items: Vec<ScopeItem>) -> Vec<Scope> {
        let written = items.iter().map(|item| match item {
            ScopeItem::Literal(literal) => (literal.value(), literal.span()),
            ScopeItem::Path(path) => (path.to_token_stream().to_string().replace(' ', ""), path.span()),
        });
        refuse_repeats(self.cx, written, "scope");
        let scope = |item| match item {
            ScopeItem::Literal(literal) => {
                check_scope_item(self.cx, &literal);
                self.named(&literal.value(), &literal)
            }
            ScopeItem::Path(path) => self.declared(path),
        };
        items.into_iter().map(scope).collect()
    }

    /// The scope `name`, written in `literal`.
    fn named(&mut self, name: &str, literal: &LitStr) -> Scope {
        let name = LitStr::new(name, literal.span());
        self.named_scopes.push(name.clone());
        Scope::Named(name)
    }

    /// The declared scope `path`, whose enum may be the vocabulary.
    fn declared(&mut self, path: Path) -> Scope {
        if path.segments.len() == 1 {
            self.bare_variants.push(path.clone());
        } else if self.first_declared.is_none() {
            let mut parent = path.clone();
            parent.segments.pop();
            parent.segments.pop_punct();
            self.first_declared = Some(parent);
        }
        Scope::Declared(path)
    }

    /// The claims of one `claim(...)`, each named once.
    fn claims(&self, requirements: Vec<ast::ClaimRequirement>) -> Vec<Claim> {
        let mut seen = FirstSeen::default();
        let claim = |requirement: ast::ClaimRequirement| {
            let label = requirement.name.label();
            let (span, shown) = match &requirement.name {
                ClaimName::Field(field) => (field.span(), format!("`{field}`")),
                ClaimName::Json(name) => (name.span(), format!("{label:?}")),
                ClaimName::Path(segments) => (segment_span(&segments[0]), format!("`{label}`")),
            };
            if let Some(first) = seen.earlier(requirement.name.key(), span) {
                let message = format!("claim {shown} specified more than once");
                self.cx.duplicate(first, span, message, format!("claim {shown} first specified here"));
            }
            match &requirement.name {
                ClaimName::Json(name) => check_json_name(self.cx, name),
                ClaimName::Path(segments) => {
                    for segment in segments {
                        if let PathSegment::Json(name) = segment {
                            check_json_name(self.cx, name);
                        }
                    }
                }
                ClaimName::Field(_) => {}
            }
            let access = match (requirement.name, self.typed) {
                (ClaimName::Field(field), true) => ClaimAccess::Field(field),
                (ClaimName::Json(name), true) => ClaimAccess::FieldByJsonName(name),
                (ClaimName::Path(segments), true) => ClaimAccess::FieldPath(self.field_path(segments)),
                (ClaimName::Path(segments), false) => {
                    ClaimAccess::JsonPath(segments.iter().map(PathSegment::label).collect())
                }
                (_, false) => ClaimAccess::Json(label.clone()),
            };
            if !self.typed {
                for value in &requirement.values {
                    if let ClaimValue::Int { literal, .. } = value
                        && !literal.suffix().is_empty()
                    {
                        let message = format!(
                            "a claim read from the token's JSON is compared as a JSON number, of no Rust type: \
                             write `{}` without `{}`",
                            literal.base10_digits(),
                            literal.suffix()
                        );
                        self.cx.error(literal.span(), message);
                    }
                }
            }
            Claim { access, label, values: requirement.values }
        };
        requirements.into_iter().map(claim).collect()
    }
}

impl Walk<'_> {
    /// The fields of a path through typed claims; a JSON name there is an
    /// error, since rustc checks each field.
    fn field_path(&self, segments: Vec<PathSegment>) -> Vec<syn::Ident> {
        segments
            .into_iter()
            .filter_map(|segment| match segment {
                PathSegment::Field(field) => Some(field),
                PathSegment::Json(name) => {
                    let message = "with typed claims, a claim path names fields: nest structs, and name this field";
                    self.cx.error(name.span(), message);
                    None
                }
            })
            .collect()
    }
}

/// Where a path segment is written.
fn segment_span(segment: &PathSegment) -> proc_macro2::Span {
    match segment {
        PathSegment::Field(field) => field.span(),
        PathSegment::Json(name) => name.span(),
    }
}

/// A role or `acr` value: not empty, and free of what a
/// `WWW-Authenticate` header cannot carry (`"`, `\`, control characters).
fn check_quoted_value(cx: &Ctxt, value: &LitStr, what: &str) {
    let text = value.value();
    if text.is_empty() || text.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
        cx.error(value.span(), format!("{what} is not empty and holds no `\"`, `\\` or control characters"));
    }
}

/// `scope = "a b"`: scope tokens separated by single spaces.
fn check_scope_string(cx: &Ctxt, literal: &LitStr) {
    let value = literal.value();
    if value.is_empty() {
        cx.error(literal.span(), "empty scope: name at least one, as in `scope = \"read\"`");
    } else if value.split(' ').any(str::is_empty) {
        cx.error(literal.span(), "scopes in one string are separated by single spaces, with none before or after");
    } else if let Some(repeated) = first_repeated(value.split(' ')) {
        cx.error(literal.span(), format!("scope `{repeated}` listed more than once"));
    } else {
        for problem in value.split(' ').filter_map(scope_token_problem) {
            cx.error(literal.span(), problem);
        }
    }
}

/// The first of `items` that came before.
fn first_repeated<'a>(mut items: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    items.find(|item| !seen.insert(*item))
}

/// An item of `scopes(...)` or `any_scope(...)`: one scope token.
fn check_scope_item(cx: &Ctxt, literal: &LitStr) {
    let value = literal.value();
    if value.is_empty() {
        cx.error(literal.span(), "empty scope: each item names one scope");
    } else if value.chars().any(char::is_whitespace) {
        let split: Vec<String> = value.split_whitespace().map(|scope| format!("{scope:?}")).collect();
        let message = format!("a scope cannot contain whitespace; list each scope on its own: {}", split.join(", "));
        cx.error(literal.span(), message);
    } else if let Some(problem) = scope_token_problem(&value) {
        cx.error(literal.span(), problem);
    }
}

/// Why `token` is not an RFC 6749 `scope-token`
/// (`1*( %x21 / %x23-5B / %x5D-7E )`), if it is not.
pub(crate) fn scope_token_problem(token: &str) -> Option<String> {
    let bad = token.chars().find(|c| !matches!(*c as u32, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))?;
    Some(format!(
        "invalid character {bad:?} in scope {token:?}: scopes are printable ASCII without spaces, `\"` or `\\` \
         (RFC 6749 section 3.3)"
    ))
}

/// A JSON member name that a token can hold and a denial can name.
fn check_json_name(cx: &Ctxt, name: &LitStr) {
    let value = name.value();
    if value.is_empty() || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        cx.error(name.span(), "a claim name is not empty and holds no whitespace or control characters");
    } else if value.contains(['"', '\\']) {
        cx.error(
            name.span(),
            "a claim name cannot hold `\"` or `\\`: a denial names the claim in the `WWW-Authenticate` header, \
             where they are not allowed (RFC 6750 section 3)",
        );
    }
}

/// The policy in words, for log lines.
fn describe_all(requirements: &[ast::Requirement]) -> String {
    let parts: Vec<String> = requirements.iter().map(describe).collect();
    if parts.is_empty() { "a valid token".into() } else { parts.join(" and ") }
}

/// One requirement in words.
fn describe(requirement: &ast::Requirement) -> String {
    let scopes = |items: &[ScopeItem], separator: &str| -> String {
        let names: Vec<String> = items
            .iter()
            .map(|item| match item {
                ScopeItem::Literal(literal) => format!("`{}`", literal.value()),
                ScopeItem::Path(path) => format!("`{}`", written(path)),
            })
            .collect();
        names.join(separator)
    };
    match requirement {
        ast::Requirement::Scope(item) => format!("scopes {}", scopes(std::slice::from_ref(item), " ")),
        ast::Requirement::Scopes(items) => format!("scopes {}", scopes(items, " ")),
        ast::Requirement::AnyScope(items) => format!("one of the scopes {}", scopes(items, ", ")),
        ast::Requirement::Claim(claims) => {
            let names: Vec<String> = claims.iter().map(|claim| format!("claim `{}`", claim.name.label())).collect();
            names.join(" and ")
        }
        ast::Requirement::Issuer(name) => format!("issuer `{}`", name.value()),
        ast::Requirement::Role(role) => format!("role `{}`", role.value()),
        ast::Requirement::AnyRole(roles) => {
            let names: Vec<String> = roles.iter().map(|role| format!("`{}`", role.value())).collect();
            format!("one of the roles {}", names.join(", "))
        }
        ast::Requirement::Check(path) => format!("check `{}`", written(path)),
        ast::Requirement::Any(nested) => {
            format!("any of ({})", nested.iter().map(describe).collect::<Vec<_>>().join(", "))
        }
        ast::Requirement::All(nested) => format!("({})", describe_all(nested)),
    }
}

/// A path as the user wrote it, without spaces.
fn written(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::scope_token_problem;

    #[test]
    fn scope_tokens_follow_rfc_6749() {
        for good in ["read", "read:reports", "https://api.test/read", "a!#[]^~"] {
            assert_eq!(scope_token_problem(good), None, "{good}");
        }
        for bad in ["a\"b", "a\\b", "é", "a b", "tab\t"] {
            assert!(scope_token_problem(bad).is_some(), "{bad}");
        }
    }
}
