//! The checks a policy must pass before it is expanded: no duplicate or
//! misplaced options, no empty lists, scopes as RFC 6749 section 3.3 writes
//! them, claim and issuer names that can exist. Every error is collected,
//! so that one compile shows them all.

use std::collections::HashSet;

use syn::{Error, LitStr};

use super::parse::{ClaimName, ClaimRequirement, Opt, OptKind, Policy, ScopeItem};

/// Errors, gathered as they are found.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Checks a whole policy.
pub(crate) fn check(policy: &Policy) -> syn::Result<()> {
    let mut errors = Errors::default();
    check_level(&policy.options, true, &mut errors);
    errors.finish()
}

fn check_level(options: &[Opt], top: bool, errors: &mut Errors) {
    let mut seen = HashSet::new();
    for option in options {
        let name = option.keyword.to_string();
        if !seen.insert(name.clone()) {
            let hint = match name.as_str() {
                "scope" => "; several scopes go in one `scope = \"a b\"` or `scopes(\"a\", \"b\")`",
                "claim" => "; several claims go in one `claim(a = 1, b = 2)`",
                _ => "; use `all(...)` or `any(...)` to combine options of one kind",
            };
            errors.push(Error::new(option.keyword.span(), format!("`{name}` specified more than once{hint}")));
        }
        match &option.kind {
            OptKind::Scope(items) => {
                if let [ScopeItem::Literal(literal)] = items.as_slice() {
                    check_scope_string(literal, errors);
                }
            }
            OptKind::Scopes(items) | OptKind::AnyScope(items) => {
                non_empty(items, option, "at least one scope", errors);
                for item in items {
                    if let ScopeItem::Literal(literal) = item {
                        check_scope_item(literal, errors);
                    }
                }
            }
            OptKind::Claim(requirements) => check_claims(requirements, option, errors),
            OptKind::Issuer(name) => check_issuer(name, errors),
            OptKind::Check(_) => {}
            OptKind::Any(nested) | OptKind::All(nested) => {
                non_empty(nested, option, "at least one option", errors);
                check_level(nested, false, errors);
            }
            OptKind::Claims(_) | OptKind::Vocabulary(_) if !top => errors.push(Error::new(
                option.keyword.span(),
                format!("`{name}` applies to the whole policy: put it at the top level"),
            )),
            OptKind::Claims(_) | OptKind::Vocabulary(_) => {}
        }
    }
}

fn non_empty<T>(items: &[T], option: &Opt, what: &str, errors: &mut Errors) {
    if items.is_empty() {
        let name = &option.keyword;
        errors.push(Error::new(name.span(), format!("`{name}()` is empty: list {what} inside the parentheses")));
    }
}

/// `scope = "a b"`: scope tokens separated by single spaces.
fn check_scope_string(literal: &LitStr, errors: &mut Errors) {
    let value = literal.value();
    if value.is_empty() {
        errors.push(Error::new(literal.span(), "empty scope: name at least one, as in `scope = \"read\"`"));
        return;
    }
    if value.split(' ').any(str::is_empty) {
        errors.push(Error::new(
            literal.span(),
            "scopes in one string are separated by single spaces, with none before or after",
        ));
        return;
    }
    for token in value.split(' ') {
        if let Some(problem) = scope_token_problem(token) {
            errors.push(Error::new(literal.span(), problem));
        }
    }
}

/// An item of `scopes(...)` or `any_scope(...)`: one scope token.
fn check_scope_item(literal: &LitStr, errors: &mut Errors) {
    let value = literal.value();
    if value.is_empty() {
        errors.push(Error::new(literal.span(), "empty scope: each item names one scope"));
    } else if value.chars().any(char::is_whitespace) {
        let split: Vec<String> = value.split_whitespace().map(|scope| format!("{scope:?}")).collect();
        errors.push(Error::new(
            literal.span(),
            format!("a scope cannot contain whitespace; list each scope on its own: {}", split.join(", ")),
        ));
    } else if let Some(problem) = scope_token_problem(&value) {
        errors.push(Error::new(literal.span(), problem));
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

fn check_claims(requirements: &[ClaimRequirement], option: &Opt, errors: &mut Errors) {
    non_empty(requirements, option, "at least one `name = value`", errors);
    let mut seen = HashSet::new();
    for requirement in requirements {
        match &requirement.name {
            ClaimName::Field(field) => {
                if !seen.insert(field.to_string()) {
                    errors.push(Error::new(field.span(), format!("claim `{field}` specified more than once")));
                }
            }
            ClaimName::Json(name) => {
                let value = name.value();
                if !seen.insert(value.clone()) {
                    errors.push(Error::new(name.span(), format!("claim {value:?} specified more than once")));
                }
                if value.is_empty() || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
                    errors.push(Error::new(
                        name.span(),
                        "a claim name is not empty and holds no whitespace or control characters",
                    ));
                } else if value.contains(['"', '\\']) {
                    errors.push(Error::new(
                        name.span(),
                        "a claim name cannot hold `\"` or `\\`: a denial names the claim in the `WWW-Authenticate` \
                         header, where they are not allowed (RFC 6750 section 3)",
                    ));
                }
            }
        }
        if requirement.values.is_empty() {
            errors.push(Error::new(requirement.values_span, "list at least one accepted value inside `[...]`"));
        }
    }
}

fn check_issuer(name: &LitStr, errors: &mut Errors) {
    let value = name.value();
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        errors.push(Error::new(
            name.span(),
            "an issuer is named as in `[jwt_guard.issuers.<name>]`: ASCII letters, digits, `-`, `_` and `.`",
        ));
    }
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
