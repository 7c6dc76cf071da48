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
    /// The policy in words, for log lines.
    pub(crate) description: String,
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
}
