//! The functions and traits that the code of compiled policies calls:
//! scope comparisons (met by implying scopes too, through the const
//! `satisfiers` of a vocabulary), roles, claims by name or by path, the
//! step-up check of `acr` and `auth_time` (RFC 9470, a 401 rather than a
//! denial), the typed-claim probes, check outcomes, and the compile-time
//! checks of declared scopes, claim and issuer names.

use std::future::{Future, Ready, ready};

use serde_json::Value;

use super::expansion::{Bound, ClaimLiteral};
use super::sealed::Sealed;
use crate::error::{AuthError, CERTIFICATE_BINDING, Denial, TokenProblem};
use crate::token::{Binding, Token};

/// Every one of `scopes`.
pub fn all_scopes(token: &Token, scopes: &'static [&'static str]) -> Result<(), Denial> {
    if scopes.iter().all(|scope| token.has_scope(scope)) { Ok(()) } else { Err(Denial::MissingScopes(scopes)) }
}

/// At least one of `scopes`; the challenge names the first.
pub fn any_scope(token: &Token, scopes: &'static [&'static str]) -> Result<(), Denial> {
    if scopes.iter().any(|scope| token.has_scope(scope)) {
        Ok(())
    } else {
        Err(Denial::MissingScopes(&scopes[..scopes.len().min(1)]))
    }
}

/// Every one of `scopes`, each met by any scope of its set in `sets` (the
/// scope itself, and those of the vocabulary that imply it).
pub fn all_scope_sets(
    token: &Token,
    scopes: &'static [&'static str],
    sets: &'static [&'static [&'static str]],
) -> Result<(), Denial> {
    let met = |set: &&[&str]| set.iter().any(|scope| token.has_scope(scope));
    if sets.iter().all(met) { Ok(()) } else { Err(Denial::MissingScopes(scopes)) }
}

/// At least one of `scopes`, each met by any scope of its set in `sets`;
/// the challenge names the first.
pub fn any_scope_set(
    token: &Token,
    scopes: &'static [&'static str],
    sets: &'static [&'static [&'static str]],
) -> Result<(), Denial> {
    let met = |set: &&[&str]| set.iter().any(|scope| token.has_scope(scope));
    if sets.iter().any(met) { Ok(()) } else { Err(Denial::MissingScopes(&scopes[..scopes.len().min(1)])) }
}

/// At least one of `roles` (`role = "a"` is the list of one).
pub fn any_role(token: &Token, roles: &'static [&'static str]) -> Result<(), Denial> {
    if roles.iter().any(|role| token.has_role(role)) { Ok(()) } else { Err(Denial::MissingRoles) }
}

/// A 401 asking for a stronger or more recent authentication (RFC 9470)
/// unless the token's `acr` is one of `acr_values` (when any is named) and
/// its `auth_time` at most `max_age` seconds old (when set), give or take
/// the leeway (the issuer's clock stated it). An `auth_time` after the
/// token's own `iat` (or, without one, more than the leeway ahead of this
/// clock) is not believed.
pub fn require_authentication(
    token: &Token,
    acr_values: &'static [&'static str],
    max_age: Option<u64>,
) -> Result<(), AuthError> {
    let acr = token.claim("acr").and_then(Value::as_str);
    let acr_met = acr_values.is_empty() || acr.is_some_and(|acr| acr_values.contains(&acr));
    let fresh = max_age.is_none_or(|max_age| {
        let now = crate::clock::unix_now();
        let latest = token.claim("iat").and_then(Value::as_f64).unwrap_or(now + token.leeway());
        let auth_time = token.claim("auth_time").and_then(Value::as_f64);
        let oldest = now - max_age as f64 - token.leeway();
        auth_time.is_some_and(|auth_time| auth_time <= latest && auth_time >= oldest)
    });
    if acr_met && fresh { Ok(()) } else { Err(AuthError::InsufficientAuthentication { acr_values, max_age }) }
}

/// The JSON claim at `path` (nested members, by name) equals one of
/// `accepted`, or, for an array, holds one of them; a denial names it
/// `label`.
pub fn json_claim_path(
    token: &Token,
    path: &[&str],
    label: &'static str,
    accepted: &[ClaimLiteral],
) -> Result<(), Denial> {
    let matches = |value: &Value| accepted.iter().any(|literal| literal.equals(value));
    let mut found = path.first().and_then(|first| token.claim(first));
    for member in path.iter().skip(1) {
        found = found.and_then(|value| value.get(member));
    }
    let ok = match found {
        Some(Value::Array(items)) => items.iter().any(matches),
        Some(value) => matches(value),
        None => false,
    };
    if ok { Ok(()) } else { Err(Denial::Claim(label)) }
}

/// The JSON claim `name` equals one of `accepted`, or, for an array
/// claim, holds one of them.
pub fn json_claim(token: &Token, name: &'static str, accepted: &[ClaimLiteral]) -> Result<(), Denial> {
    json_claim_path(token, &[name], name, accepted)
}

/// The token comes from the configured issuer `name`.
pub fn issuer(token: &Token, name: &str) -> Result<(), Denial> {
    if token.issuer() == name { Ok(()) } else { Err(Denial::Issuer) }
}

/// A typed claim field beside a literal, for [`ClaimContains`] and
/// [`ClaimEquals`] to compare.
pub struct ClaimProbe<'a, F: ?Sized, L>(pub &'a F, pub L);

/// Containers hold the literal: `Vec`, sets and `Option`.
pub trait ClaimContains {
    /// Whether the field holds the literal.
    fn claim_matches(&self) -> bool;
}

/// Anything else equals the literal. Implemented for every probe, so that
/// a literal of the wrong type fails on [`ClaimComparable`], whose
/// message says so, rather than on method resolution.
pub trait ClaimEquals<F: ?Sized, L> {
    /// Whether the field equals the literal.
    fn claim_matches(&self) -> bool
    where
        F: ClaimComparable<L>;
}

/// A typed claim's type that a literal of type `L` can equal.
#[diagnostic::on_unimplemented(
    message = "a typed claim of type `{Self}` cannot be compared with a `{L}` literal",
    label = "a literal of another type than the claim's",
    note = "compare a typed claim with a literal of its type, or of its items' for a `Vec`, a set or an \
            `Option`: `\"text\"` for a `String`, `true` for a `bool`, `3` for an integer"
)]
pub trait ClaimComparable<L>: PartialEq<L> {}

// Not recommended, so that rustc reports the trait's own message rather
// than the `PartialEq` impls of the claim's type.
#[diagnostic::do_not_recommend]
impl<F: PartialEq<L> + ?Sized, L> ClaimComparable<L> for F {}

impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, Vec<T>, L> {
    fn claim_matches(&self) -> bool {
        self.0.iter().any(|item| *item == self.1)
    }
}

impl<T: PartialEq<L>, L, S> ClaimContains for ClaimProbe<'_, std::collections::HashSet<T, S>, L> {
    fn claim_matches(&self) -> bool {
        self.0.iter().any(|item| *item == self.1)
    }
}

impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, std::collections::BTreeSet<T>, L> {
    fn claim_matches(&self) -> bool {
        self.0.iter().any(|item| *item == self.1)
    }
}

impl<T: PartialEq<L>, L> ClaimContains for ClaimProbe<'_, Option<T>, L> {
    fn claim_matches(&self) -> bool {
        self.0.as_ref().is_some_and(|item| *item == self.1)
    }
}

impl<F: ?Sized, L> ClaimEquals<F, L> for &ClaimProbe<'_, F, L> {
    fn claim_matches(&self) -> bool
    where
        F: ClaimComparable<L>,
    {
        *self.0 == self.1
    }
}

/// The result of an app's check: a `bool`, or a future of one.
pub struct CheckOutcome<T>(pub T);

/// An async check.
pub trait AsyncCheck {
    /// The check's future.
    type Future: Future<Output = bool>;
    /// The future to await.
    fn into_check(self) -> Self::Future;
}

/// A plain check.
pub trait SyncCheck {
    /// A future that is ready at once.
    fn into_check(self) -> Ready<bool>;
}

impl<F: Future<Output = bool>> AsyncCheck for CheckOutcome<F> {
    type Future = F;
    fn into_check(self) -> F {
        self.0
    }
}

impl SyncCheck for &CheckOutcome<bool> {
    fn into_check(self) -> Ready<bool> {
        ready(self.0)
    }
}

/// A field of a typed claims struct, by the hash of its JSON name; see
/// `#[derive(ClaimNames)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no claim with this JSON name",
    label = "not a claim of `{Self}`",
    note = "derive `jwt_guard::ClaimNames` on `{Self}` to name its claims by their JSON names, \
            or name the claim by its Rust field"
)]
pub trait ClaimByName<const NAME: u64> {
    /// The field's type.
    type Field: ?Sized;
    /// The field.
    fn claim_field(&self) -> &Self::Field;
}

/// The field of `claims` whose JSON name hashes to `NAME`.
pub fn claim_by_name<T: ClaimByName<NAME>, const NAME: u64>(claims: &T) -> &T::Field {
    claims.claim_field()
}

/// The 64-bit FNV-1a hash of a claim's JSON name, which identifies it
/// in [`ClaimByName`].
pub const fn claim_name_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        index += 1;
    }
    hash
}

/// A `#[derive(Scopes)]` enum, as `#[protected]` knows it: its declared
/// scopes, the scopes that meet each, and the message for a scope it does
/// not declare. The contract between the two macros: the derive implements
/// it, the policies read it (through the `const fn`s below, in const
/// evaluation). Sealed: only the derive implements it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a scope vocabulary",
    label = "declares no scopes",
    note = "add `#[derive(jwt_guard::Scopes)]` to `{Self}`, with a `#[scope(\"...\")]` on each variant"
)]
pub trait ScopeVocabulary: Sealed {
    /// Every declared scope, as tokens carry it.
    const NAMES: &'static [&'static str];
    /// Each declared scope, with the scopes that meet it: itself, and
    /// every scope that implies it.
    const SATISFIERS: &'static [(&'static str, &'static [&'static str])];
    /// The message for a scope the vocabulary does not declare.
    const UNDECLARED: &'static str;
}

/// Whether the vocabulary `V` declares `scope`: a policy's string scope,
/// checked at compile time.
pub const fn check_vocabulary_scope<V: ScopeVocabulary>(scope: &str) -> Result<(), &'static str> {
    check_declared_scope(scope, V::NAMES, V::UNDECLARED)
}

/// The scopes that meet `scope`, a string scope of the vocabulary `V`.
pub const fn vocabulary_satisfiers<V: ScopeVocabulary>(scope: &str) -> &'static [&'static str] {
    satisfiers(scope, V::SATISFIERS)
}

/// The scopes that meet the variant `_variant` of `V`, whose name is
/// `name`: the vocabulary is the variant's own enum, whatever enum the
/// policy's other scopes come from.
pub const fn variant_satisfiers<V: ScopeVocabulary>(_variant: &V, name: &str) -> &'static [&'static str] {
    satisfiers(name, V::SATISFIERS)
}

/// Whether `scope` is one of `declared`; if not, `undeclared`, the
/// message that lists them. Runs in const evaluation, where the policy
/// macros call it.
pub const fn check_declared_scope(
    scope: &str,
    declared: &'static [&'static str],
    undeclared: &'static str,
) -> Result<(), &'static str> {
    let mut index = 0;
    while index < declared.len() {
        if const_str_eq(scope, declared[index]) {
            return Ok(());
        }
        index += 1;
    }
    Err(undeclared)
}

/// The scopes that meet `scope` in a vocabulary whose `table` lists each
/// declared scope with them; none for an undeclared one (which the
/// declared-scope check has refused at compile time).
pub const fn satisfiers(
    scope: &str,
    table: &'static [(&'static str, &'static [&'static str])],
) -> &'static [&'static str] {
    let mut index = 0;
    while index < table.len() {
        if const_str_eq(scope, table[index].0) {
            return table[index].1;
        }
        index += 1;
    }
    &[]
}

/// Whether two strings are equal, in const evaluation.
const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// A 401 unless `token` is bound to its sender as `bound` says; the
/// verification has checked the binding itself.
pub fn require_binding(token: &Token, bound: Bound) -> Result<(), AuthError> {
    let met = match (bound, token.binding()) {
        (_, Binding::Bearer) => false,
        (Bound::Either, _) | (Bound::Dpop, Binding::Dpop { .. }) | (Bound::Mtls, Binding::Certificate { .. }) => true,
        _ => false,
    };
    let kind = match bound {
        Bound::Either => "DPoP or a client certificate",
        Bound::Dpop => "DPoP",
        Bound::Mtls => CERTIFICATE_BINDING,
    };
    if met { Ok(()) } else { Err(TokenProblem::BindingRequired(kind).into()) }
}

/// `Ok` when `passed`, else a denial naming the check.
pub fn check(passed: bool, name: &'static str) -> Result<(), Denial> {
    if passed { Ok(()) } else { Err(Denial::Check(name)) }
}

/// `Ok` when `passed`, else a denial naming the claim.
pub fn claim(passed: bool, name: &'static str) -> Result<(), Denial> {
    if passed { Ok(()) } else { Err(Denial::Claim(name)) }
}

#[cfg(test)]
mod tests {
    use super::check_declared_scope;

    const DECLARED: &[&str] = &["read:reports", "write:reports", "admin"];

    #[test]
    fn declared_scopes_pass_and_others_get_the_message() {
        let check = |scope| check_declared_scope(scope, DECLARED, "undeclared");
        assert_eq!(check("write:reports"), Ok(()));
        assert_eq!(check("admin"), Ok(()));
        for undeclared in ["read:report", "Admin", "admin ", "", "billing"] {
            assert_eq!(check(undeclared), Err("undeclared"), "{undeclared:?}");
        }
    }
}
