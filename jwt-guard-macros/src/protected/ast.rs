//! The parsed form of a policy: what `#[protected(...)]` or `policy!(...)`
//! wrote, with the tokens that errors point at. The settings, which apply
//! to the whole policy, are kept apart from the requirements a token must
//! meet.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Ident, LitBool, LitInt, LitStr, Path, Type};

/// A policy as written.
pub(crate) struct Policy {
    /// `claims = T` and `vocabulary = S`.
    pub(crate) settings: Settings,
    /// The top-level requirements, all of which must hold.
    pub(crate) requirements: Vec<Requirement>,
}

/// What applies to the whole policy; each is written once, at the top level.
#[derive(Default)]
pub(crate) struct Settings {
    /// `claims = T`: the typed claims struct that claim names refer to.
    pub(crate) claims: Option<Type>,
    /// `vocabulary = S`: the `#[derive(Scopes)]` enum that the policy's
    /// string scopes must belong to.
    pub(crate) vocabulary: Option<Path>,
    /// `bound`, or `bound = "dpop"` / `"mtls"`: the token must be
    /// sender-constrained, of that kind if named.
    pub(crate) bound: Option<Bound>,
    /// `acr = "..."` or `acr("...", "...")`: the authentication context
    /// classes that will do (RFC 9470).
    pub(crate) acr: Option<Vec<LitStr>>,
    /// `max_age = 300`: the most seconds since the user authenticated.
    pub(crate) max_age: Option<LitInt>,
}

/// `bound` as written.
pub(crate) struct Bound {
    /// The kind named after `=`, if any.
    pub(crate) kind: Option<LitStr>,
}

/// One requirement that a token must meet.
pub(crate) enum Requirement {
    /// `scope = "a b"` or `scope = Scope::A`: every scope.
    Scope(ScopeItem),
    /// `scopes("a", "b")`: every scope.
    Scopes(Vec<ScopeItem>),
    /// `any_scope("a", "b")`: at least one scope.
    AnyScope(Vec<ScopeItem>),
    /// `claim(name = value, ...)`: every claim requirement.
    Claim(Vec<ClaimRequirement>),
    /// `issuer = "name"`: the configured issuer of that name.
    Issuer(LitStr),
    /// `role = "admin"`: the role.
    Role(LitStr),
    /// `any_role("admin", "owner")`: at least one role.
    AnyRole(Vec<LitStr>),
    /// `check = path`: the app's function accepts the token.
    Check(Path),
    /// `any(...)`: at least one nested requirement.
    Any(Vec<Requirement>),
    /// `all(...)`: every nested requirement.
    All(Vec<Requirement>),
}

/// A scope named by a string or by a path to a declared scope.
pub(crate) enum ScopeItem {
    /// `"read:reports"`; after `scope =`, several scopes separated by spaces.
    Literal(LitStr),
    /// `Scope::ReadReports`: a variant of a `#[derive(Scopes)]` enum.
    Path(Path),
}

/// `name = value` or `name = [values]` inside `claim(...)`.
pub(crate) struct ClaimRequirement {
    /// The claim.
    pub(crate) name: ClaimName,
    /// The accepted values: the claim must match one of them.
    pub(crate) values: Vec<ClaimValue>,
}

/// A claim named by a Rust field or by a JSON member name, or nested
/// claims by a path of them.
pub(crate) enum ClaimName {
    /// `role`: a field of the typed claims, or else a JSON member.
    Field(Ident),
    /// `"https://example.com/roles"`: a JSON member name.
    Json(LitStr),
    /// `realm_access.roles`, `resource_access."my-api".roles`: members of
    /// members, separated by dots outside any string (two or more).
    Path(Vec<PathSegment>),
}

/// One member of a claim path.
pub(crate) enum PathSegment {
    /// `realm_access`: a field, or else a JSON member.
    Field(Ident),
    /// `"my-api"`: a JSON member name.
    Json(LitStr),
}

impl PathSegment {
    /// The member's name, as a label.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Field(field) => field.unraw().to_string(),
            Self::Json(name) => name.value(),
        }
    }
}

impl ClaimName {
    /// The claim's name in denials and log lines: the JSON name, or the
    /// field's name without `r#`.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Field(field) => field.unraw().to_string(),
            Self::Json(name) => name.value(),
            Self::Path(segments) => segments.iter().map(PathSegment::label).collect::<Vec<_>>().join("."),
        }
    }

    /// What tells claims apart: the label, but with the segments of a path
    /// kept apart, so that `"a.b".c` and `a.b.c` (or the claim named
    /// `"a.b"` and the path `a.b`) are different claims.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Path(segments) => segments.iter().map(PathSegment::label).collect::<Vec<_>>().join("\0"),
            _ => self.label(),
        }
    }
}

/// A literal that a claim is compared with.
pub(crate) enum ClaimValue {
    /// `"admin"`.
    Str(LitStr),
    /// `true` or `false`.
    Bool(LitBool),
    /// `3` or `-2`.
    Int {
        /// The digits.
        literal: LitInt,
        /// Whether a minus sign came before them.
        negative: bool,
    },
}

impl ClaimValue {
    /// The literal as Rust tokens, a minus sign included.
    pub(crate) fn tokens(&self) -> TokenStream {
        match self {
            Self::Str(literal) => quote!(#literal),
            Self::Bool(literal) => quote!(#literal),
            Self::Int { literal, negative: false } => quote!(#literal),
            Self::Int { literal, negative: true } => quote_spanned!(literal.span()=> -#literal),
        }
    }

    /// Where the literal is written.
    pub(crate) fn span(&self) -> Span {
        match self {
            Self::Str(literal) => literal.span(),
            Self::Bool(literal) => literal.span,
            Self::Int { literal, .. } => literal.span(),
        }
    }
}
