//! The checked form of a policy, which `check` resolves and `expand` reads:
//! the claims type, the vocabulary and the issuers are found once, and
//! every requirement says how the token is tested.
//!
//! **Invariant:** nothing here is an error; a policy that reaches this
//! form only needs rustc to agree with the paths and types it names.

use syn::{Ident, LitStr, Path, Type};

use super::ast::ClaimValue;

/// A policy ready to expand.
pub(crate) struct ResolvedPolicy {
    /// The typed claims struct that the claim requirements read, which
    /// `evaluate` deserializes once: `claims = T`, or `T` of the handler's
    /// `Claims<T>`. `None` when claims are read from the token's JSON, or
    /// no requirement reads any.
    pub(crate) claims: Option<Type>,
    /// The `#[derive(Scopes)]` enum that string scopes must belong to, and
    /// those scopes.
    pub(crate) vocabulary: Option<Vocabulary>,
    /// The issuers that the policy names, as written.
    pub(crate) issuers: Vec<LitStr>,
    /// The top-level requirements, all of which must hold.
    pub(crate) requirements: Vec<Requirement>,
    /// The sender-constraint that the token must have, if any.
    pub(crate) bound: Option<BoundKind>,
    /// The authentication context classes that will do (none: any).
    pub(crate) acr: Vec<LitStr>,
    /// The most seconds since the user authenticated, if bounded.
    pub(crate) max_age: Option<u64>,
    /// The policy in words, for log lines.
    pub(crate) description: String,
}

/// How a token must be bound to its sender.
#[derive(Clone, Copy)]
pub(crate) enum BoundKind {
    /// `bound`: by DPoP or a client certificate.
    Either,
    /// `bound = "dpop"`.
    Dpop,
    /// `bound = "mtls"`.
    Mtls,
}

impl BoundKind {
    /// The kind as the runtime's `Bound` enum names it.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Self::Either => "Either",
            Self::Dpop => "Dpop",
            Self::Mtls => "Mtls",
        }
    }

    /// The kind in words.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Either => "a sender-constrained token",
            Self::Dpop => "a DPoP-bound token",
            Self::Mtls => "a certificate-bound token",
        }
    }
}

/// A policy's scope vocabulary.
pub(crate) struct Vocabulary {
    /// The enum: `vocabulary = S`, or else `S` of the first `S::Variant`.
    pub(crate) path: Path,
    /// Every scope that the policy names by string, spanned on its literal.
    pub(crate) scopes: Vec<LitStr>,
}

/// One requirement, as the evaluation tests it.
pub(crate) enum Requirement {
    /// The token grants every scope.
    AllScopes(Vec<Scope>),
    /// The token grants at least one scope; the denial names the first.
    AnyScope(Vec<Scope>),
    /// Every claim of one `claim(...)` matches.
    Claims(Vec<Claim>),
    /// The token comes from the configured issuer of this name.
    Issuer(LitStr),
    /// The token grants at least one role.
    AnyRole(Vec<LitStr>),
    /// The app's function, `fn(&Token) -> bool` or an async one, accepts
    /// the token.
    Check(Path),
    /// At least one holds; if none does, the first one's denial is given.
    Any(Vec<Requirement>),
    /// Every one holds; the first that fails gives the denial.
    All(Vec<Requirement>),
}

/// One scope.
pub(crate) enum Scope {
    /// A scope token named by a string, spanned on the literal.
    Named(LitStr),
    /// A declared scope, `Scope::Variant`, whose `as_str()` names it.
    Declared(Path),
}

/// One claim and the values it may have.
pub(crate) struct Claim {
    /// How the evaluation reaches the claim.
    pub(crate) access: ClaimAccess,
    /// The claim's name in a denial: its JSON name, or its field's.
    pub(crate) label: String,
    /// The accepted values; the claim must match one.
    pub(crate) values: Vec<ClaimValue>,
}

/// How a claim is read from the token.
pub(crate) enum ClaimAccess {
    /// A field of the typed claims.
    Field(Ident),
    /// A field of the typed claims, by its JSON name (`#[derive(ClaimNames)]`).
    FieldByJsonName(LitStr),
    /// A member of the token's JSON claims, by name.
    Json(String),
    /// Fields of fields of the typed claims.
    FieldPath(Vec<Ident>),
    /// Members of members of the token's JSON claims, by name.
    JsonPath(Vec<String>),
}

/// One way to meet a policy: a token from the issuer `issuer` (any issuer
/// when `None`) that grants every scope of `scopes`.
#[derive(Default, Clone)]
pub(crate) struct Way<'a> {
    pub(crate) issuer: Option<&'a LitStr>,
    pub(crate) scopes: Vec<&'a Scope>,
}

impl<'a> Way<'a> {
    /// The way that meets both `self` and `other`, unless they need two
    /// different issuers.
    fn and(&self, other: &Way<'a>) -> Option<Way<'a>> {
        let issuer = match (self.issuer, other.issuer) {
            (Some(mine), Some(theirs)) if mine.value() != theirs.value() => return None,
            (mine, theirs) => mine.or(theirs),
        };
        Some(Way { issuer, scopes: self.scopes.iter().chain(&other.scopes).copied().collect() })
    }
}

impl ResolvedPolicy {
    /// Whether some requirement reads a claim from the token's JSON, for
    /// want of a claims type.
    pub(crate) fn reads_json_claims(&self) -> bool {
        self.claims.is_none() && self.requirements.iter().any(Requirement::reads_claims)
    }

    /// The ways a token can meet the policy as far as its issuer and
    /// scopes go: any one will do. `all` and the top level multiply their
    /// parts' ways out (dropping those that need two issuers), `any` and
    /// `any_scope` add them up, and a requirement that names neither (a
    /// claim, a check) is met by any token. A policy that needs no scope
    /// and no issuer has one way, which needs nothing.
    pub(crate) fn ways(&self) -> Vec<Way<'_>> {
        every_of(&self.requirements)
    }

    /// The most ways [`ways`](Self::ways) can list, counted without
    /// listing them (two issuers' ways counted as if they could meet).
    pub(crate) fn most_ways(&self) -> usize {
        most_ways_of_every(&self.requirements)
    }
}

impl Requirement {
    /// Whether it, or a part of it, reads claims.
    fn reads_claims(&self) -> bool {
        match self {
            Self::Claims(_) => true,
            Self::Any(requirements) | Self::All(requirements) => requirements.iter().any(Self::reads_claims),
            Self::AllScopes(_) | Self::AnyScope(_) | Self::Issuer(_) | Self::AnyRole(_) | Self::Check(_) => false,
        }
    }
}

/// The ways to meet every one of `requirements`.
fn every_of(requirements: &[Requirement]) -> Vec<Way<'_>> {
    requirements.iter().fold(vec![Way::default()], |ways, requirement| {
        let theirs = ways_of(requirement);
        ways.iter().flat_map(|way| theirs.iter().filter_map(move |their| way.and(their))).collect()
    })
}

/// The most ways to meet every one of `requirements`.
fn most_ways_of_every(requirements: &[Requirement]) -> usize {
    requirements.iter().fold(1, |ways, requirement| ways.saturating_mul(most_ways_of(requirement)))
}

/// The most ways to meet `requirement`.
fn most_ways_of(requirement: &Requirement) -> usize {
    match requirement {
        Requirement::AnyScope(scopes) => scopes.len(),
        Requirement::Any(requirements) => {
            requirements.iter().fold(0, |ways, requirement| ways.saturating_add(most_ways_of(requirement)))
        }
        Requirement::All(requirements) => most_ways_of_every(requirements),
        Requirement::AllScopes(_)
        | Requirement::Issuer(_)
        | Requirement::Claims(_)
        | Requirement::Check(_)
        | Requirement::AnyRole(_) => 1,
    }
}

/// The ways to meet `requirement`.
fn ways_of(requirement: &Requirement) -> Vec<Way<'_>> {
    match requirement {
        Requirement::AllScopes(scopes) => vec![Way { issuer: None, scopes: scopes.iter().collect() }],
        Requirement::AnyScope(scopes) => scopes.iter().map(|scope| Way { issuer: None, scopes: vec![scope] }).collect(),
        Requirement::Issuer(name) => vec![Way { issuer: Some(name), scopes: Vec::new() }],
        Requirement::Any(requirements) => requirements.iter().flat_map(ways_of).collect(),
        Requirement::All(requirements) => every_of(requirements),
        Requirement::Claims(_) | Requirement::Check(_) | Requirement::AnyRole(_) => {
            vec![Way::default()]
        }
    }
}
