//! Procedural macros of [jwt-guard](https://docs.rs/jwt-guard).
//!
//! Use them through the `jwt-guard` crate, which re-exports them; this
//! crate's version is pinned exactly by `jwt-guard`.
//!
//! Each macro here is a one-line shim over its module. `#[protected]` and
//! `policy!` parse their policy (`protected::parse`, into
//! `protected::ast`), check it and resolve it (`protected::check`, into
//! `protected::model`), then expand the resolved policy
//! (`protected::expand`). The derives live in `scopes` and `claim_names`.
//! Every step reports its errors to one `ctxt::Ctxt`, so that a compile
//! shows all the mistakes of an invocation; generated code names only the
//! paths of `exports`.

mod claim_names;
mod ctxt;
mod exports;
mod protected;
mod scopes;
mod suggest;

use proc_macro::TokenStream;

/// Protects a Rocket route with a policy that is checked when the app
/// compiles and enforced before any other guard of the route runs.
///
/// Put it above the route attribute. The route then needs a valid bearer
/// token (see [`jwt_guard::Token`]), and the token must meet every option of
/// the policy. (The code it writes names the crate `::jwt_guard`: depend
/// on it under that name, not renamed in Cargo.toml.)
///
/// | option | the token must |
/// |---|---|
/// | (none) | be valid |
/// | `scope = "read"` | grant `read` |
/// | `scope = "read write"` | grant every scope of the space-delimited list |
/// | `scopes("read", "write")` | grant every scope listed |
/// | `any_scope("read", "admin")` | grant at least one of them |
/// | `claim(role = "admin")` | have the claim equal to the value; an array claim must hold it |
/// | `claim(role = ["admin", "owner"])` | have one of the values |
/// | `claim(email_verified = true, level = 3)` | meet every claim; booleans and integers compare as such |
/// | `claim(realm_access.roles = "admin")` | have the nested claim: a path of names, dots between them |
/// | `claim(resource_access."my-api".roles = "reader")` | a path with a member whose name is no Rust name, as a string |
/// | `role = "admin"`, `any_role("admin", "owner")` | grant the role, or one of them, wherever the issuer keeps roles (its `roles_claim`) |
/// | `acr = "urn:example:mfa"`, `acr("a", "b")` | come from a login of that authentication context class (RFC 9470); a 401 `insufficient_user_authentication` otherwise |
/// | `max_age = 300` | come from a login at most that many seconds ago (`auth_time`); a 401 otherwise |
/// | `issuer = "auth0"` | come from the issuer configured under that name |
/// | `check = tenant_matches` | pass the app's `fn(&Token) -> bool`, or `async fn(&Token) -> bool` |
/// | `any(...)`, `all(...)` | meet one, or all, of the nested options |
/// | `bound` | be sender-constrained: DPoP-bound (RFC 9449) or certificate-bound (RFC 8705); a bearer token is a 401 |
/// | `bound = "dpop"`, `bound = "mtls"` | be bound in that way |
/// | `claims = AppClaims` | (names the typed claims that `claim(...)` refers to) |
/// | `vocabulary = Scope` | (names the `#[derive(Scopes)]` enum whose scopes the policy's scopes must be, see [`Scopes`](derive@Scopes)) |
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{Token, protected};
///
/// fn tenant_matches(token: &Token) -> bool {
///     token.claim("tenant").and_then(|tenant| tenant.as_str()) == Some("acme")
/// }
///
/// async fn not_revoked(token: &Token) -> bool {
///     token.claim("jti").is_some() // ask a store in a real app
/// }
///
/// #[protected]
/// #[get("/me")]
/// fn me(token: Token) -> String { token.subject().unwrap_or_default().into() }
///
/// #[protected(scope = "read")]
/// #[get("/read")]
/// fn read() {}
///
/// #[protected(scope = "read write")]
/// #[get("/read-write")]
/// fn read_write() {}
///
/// #[protected(scopes("read", "write"))]
/// #[get("/scopes")]
/// fn scopes() {}
///
/// #[protected(any_scope("read", "admin"))]
/// #[get("/any-scope")]
/// fn any_scope() {}
///
/// #[protected(claim(role = "admin"))]
/// #[get("/admin")]
/// fn admin() {}
///
/// #[protected(claim(role = ["admin", "owner"]))]
/// #[get("/owners")]
/// fn owners() {}
///
/// #[protected(claim(email_verified = true, level = 3))]
/// #[get("/level")]
/// fn level() {}
///
/// #[protected(claim("https://example.com/tenant" = "acme"))]
/// #[get("/namespaced")]
/// fn namespaced() {}
///
/// #[protected(issuer = "auth0")]
/// #[get("/auth0-only")]
/// fn auth0_only() {}
///
/// #[protected(check = tenant_matches)]
/// #[get("/tenant")]
/// fn tenant() {}
///
/// #[protected(check = not_revoked)]
/// #[get("/fresh")]
/// async fn fresh() {}
///
/// #[protected(any(scope = "admin", all(scope = "read", claim(tenant = "acme"))))]
/// #[post("/reports", data = "<body>")]
/// async fn reports(body: String) -> String { body }
///
/// let routes = routes![
///     me, read, read_write, scopes, any_scope, admin, owners, level, namespaced,
///     auth0_only, tenant, fresh, reports,
/// ];
/// ```
///
/// # Typed claims
///
/// When the handler takes a `Claims<T>` (as it is, or in an `Option` or a
/// `Result`), or the policy says `claims = T`,
/// claim names are fields of `T`: rustc rejects a name that `T` lacks, and
/// a literal of the wrong type for the field. Fields compare as their type
/// says: `String`, integers, `bool`, any type that implements `PartialEq`
/// with the literal (your enums), `Option<_>` (must be `Some` of it), and
/// `Vec<_>` or sets (must hold it). serde's renames apply, so a namespaced
/// Auth0 claim is named by its Rust field:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{Claims, protected};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct AppClaims {
///     sub: String,
///     #[serde(rename = "https://example.com/roles", default)]
///     roles: Vec<String>,
///     email_verified: bool,
/// }
///
/// #[protected(scope = "read", claim(roles = "admin", email_verified = true))]
/// #[get("/reports")]
/// fn reports(user: Claims<AppClaims>) -> String {
///     user.sub.clone()
/// }
///
/// #[protected(claims = AppClaims, claim(roles = ["admin", "owner"]))]
/// #[delete("/reports/<id>")]
/// fn delete_report(id: u32) -> String {
///     id.to_string()
/// }
/// ```
///
/// Without a typed struct, claim names are JSON member names, written as
/// identifiers or, for names like `https://example.com/tenant`, as strings.
///
/// # Compile errors
///
/// Mistakes are errors that point at the offending word and say the fix,
/// every mistake of a policy in the same compile:
///
/// ```compile_fail
/// # #[macro_use] extern crate rocket;
/// # use jwt_guard::protected;
/// #[protected(scop = "read")] // unknown policy option `scop`; did you mean `scope`?
/// #[get("/")]
/// fn index() {}
/// ```
///
/// Unknown, duplicate and empty options, values listed twice, values of
/// the wrong kind, scopes that RFC 6749 does not allow, issuer names that
/// no `[jwt_guard.issuers.<name>]` can have, unknown fields of typed
/// claims, literals of another type than their field's, policies that no
/// token can meet or that can be met in more than 256 ways, and an
/// attribute placed below the route attribute are all refused.
///
/// # Run time
///
/// The policy runs in a request guard placed before the handler's own, so
/// a denied request never reaches body parsing. That guard is a hidden
/// first parameter that the attribute adds to the handler, which can then
/// no longer be called as a plain function: test the route through a
/// `rocket::local` client (jwt-guard's `testing` module mints the tokens).
/// Responses:
/// no token or an invalid one, 401 (see [`jwt_guard::AuthError`]); a missing
/// scope, 403 with `WWW-Authenticate: Bearer realm="api",
/// error="insufficient_scope", error_description="...", scope="<the scopes
/// needed>"`; a claim or check that fails, 403 whose
/// description names the claim or check. At launch, every protected route
/// is logged with its policy, and a route whose `issuer` is not configured,
/// or an app without [`JwtGuard::fairing()`], stops the launch.
///
/// [`jwt_guard::Token`]: https://docs.rs/jwt-guard/latest/jwt_guard/struct.Token.html
/// [`jwt_guard::AuthError`]: https://docs.rs/jwt-guard/latest/jwt_guard/enum.AuthError.html
/// [`JwtGuard::fairing()`]: https://docs.rs/jwt-guard/latest/jwt_guard/struct.JwtGuard.html#method.fairing
#[proc_macro_attribute]
pub fn protected(attr: TokenStream, item: TokenStream) -> TokenStream {
    protected::protected(attr.into(), item.into()).into()
}

/// A policy for a whole group of routes, for
/// [`jwt_guard::protect`](https://docs.rs/jwt-guard/latest/jwt_guard/fn.protect.html).
///
/// Same grammar and checks as `#[protected]`; typed claims need
/// `claims = T`.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, policy, protect};
///
/// #[get("/a")]
/// fn a() {}
///
/// #[get("/b")]
/// fn b() {}
///
/// let rocket = rocket::build()
///     .attach(JwtGuard::fairing())
///     .mount("/admin", protect(policy!(scope = "admin"), routes![a, b]));
/// ```
#[proc_macro]
pub fn policy(input: TokenStream) -> TokenStream {
    protected::policy(input.into()).into()
}

/// Declares an app's scopes once, as an enum whose variants name them.
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{Scopes, protected};
///
/// #[derive(Scopes)]
/// enum Scope {
///     #[scope("read:reports")]
///     ReadReports,
///     #[scope("write:reports")]
///     WriteReports,
/// }
///
/// // By variant: rustc checks the name.
/// #[protected(scope = Scope::ReadReports)]
/// #[get("/reports")]
/// fn reports() {}
///
/// // By string, in a policy that names the enum: checked against it.
/// #[protected(vocabulary = Scope, any_scope("write:reports", "read:reports"))]
/// #[get("/exports")]
/// fn exports() {}
///
/// assert_eq!(Scope::WriteReports.as_str(), "write:reports");
/// assert_eq!(Scope::ALL.len(), 2);
/// ```
///
/// A policy names its vocabulary with `vocabulary = Scope`, or by naming any
/// scope as `Scope::Variant`; its string scopes must then be declared:
///
/// ```compile_fail
/// # #[macro_use] extern crate rocket;
/// # use jwt_guard::{Scopes, protected};
/// # #[derive(Scopes)]
/// # enum Scope {
/// #     #[scope("read:reports")]
/// #     ReadReports,
/// # }
/// #[protected(scope = Scope::ReadReports, any_scope("read:report"))]
/// #[get("/")]
/// fn index() {}
/// // error: evaluation panicked: this scope is not declared by `Scope`
/// //        declared scopes: `read:reports`
/// ```
///
/// A scope may imply others: a token that grants it meets every policy
/// that needs one of them. `implies = "*"` implies every other scope of
/// the vocabulary. The implications are closed over at compile time (an
/// implied scope that is not declared, and a cycle, are errors), so a
/// policy checks each needed scope against a const list of the scopes
/// that meet it, allocating nothing:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// # use jwt_guard::{Scopes, protected};
/// #[derive(Scopes)]
/// enum FileScope {
///     #[scope("files:read")]
///     Read,
///     #[scope("files:write", implies = "files:read")]
///     Write,
///     #[scope("files:admin", implies = "*")]
///     Admin,
/// }
///
/// // Met by `files:read`, `files:write` or `files:admin`.
/// #[protected(scope = FileScope::Read)]
/// #[get("/files")]
/// fn files() {}
/// ```
///
/// The derive adds `as_str()`, `ALL` and `Display`. Each scope must be an
/// RFC 6749 scope token, declared once.
#[proc_macro_derive(Scopes, attributes(scope))]
pub fn derive_scopes(input: TokenStream) -> TokenStream {
    scopes::derive(input.into()).into()
}

/// Lets policies name a typed claims struct's fields by their JSON names.
///
/// `#[protected]` names typed claims by Rust field; with this derive, the
/// JSON name of a field (its `#[serde(rename = "...")]` or
/// `rename(deserialize = "...")`, or its name) works too, checked by rustc
/// all the same. A field that no claim of its own fills (`skip`,
/// `skip_deserializing`, `flatten`) has no JSON name:
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{ClaimNames, Claims, protected};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, ClaimNames)]
/// struct AppClaims {
///     #[serde(rename = "https://example.com/roles")]
///     roles: Vec<String>,
/// }
///
/// #[protected(claim("https://example.com/roles" = "admin"))]
/// #[get("/admin")]
/// fn admin(claims: Claims<AppClaims>) -> String {
///     claims.roles.join(" ")
/// }
/// ```
///
/// A JSON name that the struct lacks is an error on that name:
///
/// ```compile_fail
/// # #[macro_use] extern crate rocket;
/// # use jwt_guard::{ClaimNames, Claims, protected};
/// # #[derive(serde::Deserialize, ClaimNames)]
/// # struct AppClaims {
/// #     #[serde(rename = "https://example.com/roles")]
/// #     roles: Vec<String>,
/// # }
/// #[protected(claims = AppClaims, claim("https://example.com/role" = "admin"))]
/// #[get("/admin")]
/// fn admin() {}
/// // error: `AppClaims` has no claim with this JSON name
/// ```
#[proc_macro_derive(ClaimNames)]
pub fn derive_claim_names(input: TokenStream) -> TokenStream {
    claim_names::derive(input.into()).into()
}
