//! OpenAPI security from the compiled policies (feature `openapi`), for
//! apps that document their API with [utoipa]: a security scheme for each
//! trusted issuer, and on each operation of a protected route the
//! security requirements that its policies make. Nothing is written twice:
//! the scopes come from the policies that jwt-guard enforces.
//!
//! ```
//! # #[macro_use] extern crate rocket;
//! use jwt_guard::{JwtGuard, protected};
//! use utoipa::OpenApi;
//!
//! #[utoipa::path(get, path = "/reports", responses((status = 200, description = "The reports")))]
//! #[protected(scope = "reports:read")]
//! #[get("/reports")]
//! fn reports() -> &'static str { "..." }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(reports))]
//! struct ApiDoc;
//!
//! let rocket = rocket::build()
//!     .attach(JwtGuard::fairing())
//!     .mount("/", routes![reports])
//!     // Serves `ApiDoc::openapi()` with the security that the policies make.
//!     .mount("/", jwt_guard::openapi::routes("/openapi.json", ApiDoc::openapi()));
//! ```
//!
//! The `reports` operation of `/openapi.json` then requires a token with the
//! scope `reports:read` from any configured issuer:
//! `"security": [{"auth0": ["reports:read"]}]`. With `any(...)` a policy has
//! several ways to be met, and the operation lists one requirement per way
//! and issuer; a policy that pins issuers names only theirs. Each issuer is
//! a security scheme of its configured name: `openIdConnect` with its
//! discovery document, or `http` bearer for an issuer whose keys are
//! configured directly, for the built-in issuer (whose description names
//! its login route), and for the names an
//! [`IssuerResolver`](crate::verify::IssuerResolver) gives its issuers.
//! A scheme of the document's own under an issuer's name is replaced, with
//! a warning in the log. Routes without a policy are left as they are. An
//! operation is found by its route's path as mounted (`/api/reports`), or
//! else as its attribute writes it (`/reports`, which utoipa's
//! `rocket_extras` documents); two routes of one method and path (for two
//! formats, say) share their operation, which lists the requirements of
//! either. A route without a policy adds nothing to an operation that a
//! protected one shares: whether it reads a token is its handler's to
//! say, and its `#[utoipa::path]`'s.
//!
//! [utoipa]: https://docs.rs/utoipa

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use rocket::http::{ContentType, Method, Status};
use rocket::outcome::Outcome;
use rocket::request::Request;
use rocket::response::Response;
use rocket::route::{self, Handler};
use rocket::{Data, Orbit, Rocket, Route};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, OpenIdConnect, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi, PathItem, RefOr, path::Operation};

use super::route_policies::RoutePolicies;
use crate::config::LOCAL_ISSUER;
use crate::description::DescribedIssuer;
use crate::guard::JwtGuard;
use crate::policy::{CompiledPolicy, PolicyWay};

/// Adds jwt-guard's security to `openapi`: a scheme per trusted issuer,
/// and the requirements of each protected route's policies on its
/// operation (found by the route's method and path, `<id>` written
/// `{id}`). The app must have launched: `rocket` is a running app, or the
/// one of a [`Client`](rocket::local::asynchronous::Client).
///
/// ```
/// # #[macro_use] extern crate rocket;
/// use jwt_guard::{JwtGuard, protected};
/// use rocket::local::blocking::Client;
/// use utoipa::OpenApi;
///
/// #[utoipa::path(delete, path = "/items/{id}", params(("id" = u32, Path)), responses((status = 204)))]
/// #[protected(any_scope("items:delete", "admin"))]
/// #[delete("/items/<id>")]
/// fn delete_item(id: u32) {}
///
/// #[derive(OpenApi)]
/// #[openapi(paths(delete_item))]
/// struct ApiDoc;
///
/// let issuer = jwt_guard::config::IssuerConfig::new("https://idp.example.com", "https://api.example.com");
/// let app = rocket::build().attach(JwtGuard::builder().issuer("idp", issuer)).mount("/", routes![delete_item]);
/// let client = Client::untracked(app)?;
/// let mut openapi = ApiDoc::openapi();
/// jwt_guard::openapi::secure(client.rocket(), &mut openapi);
///
/// let security = serde_json::to_value(&openapi.paths.paths["/items/{id}"].delete.as_ref().unwrap().security)?;
/// assert_eq!(security, serde_json::json!([{"idp": ["items:delete"]}, {"idp": ["admin"]}]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn secure(rocket: &Rocket<Orbit>, openapi: &mut OpenApi) {
    let (Some(guard), Some(policies)) = (rocket.state::<JwtGuard>(), rocket.state::<RoutePolicies>()) else {
        log::error!("jwt-guard: the OpenAPI document has no security: attach `JwtGuard::fairing()`");
        return;
    };
    let described = &guard.description().issuers;
    let resolved: Vec<&str> =
        guard.verifier().issuer_names().filter(|name| described.iter().all(|issuer| issuer.name != *name)).collect();
    let components = openapi.components.get_or_insert_with(Default::default);
    let schemes = described
        .iter()
        .map(|issuer| (issuer.name.as_str(), scheme(guard, issuer)))
        .chain(resolved.iter().map(|name| (*name, resolved_scheme(name))));
    for (name, scheme) in schemes {
        let scheme = RefOr::T(scheme);
        if components.security_schemes.get(name).is_some_and(|own| *own != scheme) {
            log::warn!("jwt-guard: the OpenAPI document's own security scheme `{name}` is replaced by the issuer's");
        }
        components.security_schemes.insert(name.to_owned(), scheme);
    }
    let scheme_names: Vec<&str> = described.iter().map(|issuer| issuer.name.as_str()).chain(resolved).collect();
    // The operations secured here, by method and path: two routes of one
    // method and path (of two formats, or ranks) share one operation,
    // whose requirements are then those of either route.
    let mut secured: Vec<(Method, String)> = Vec::new();
    for route in rocket.routes() {
        let route_policies = policies.of(route);
        if route_policies.is_empty() {
            continue;
        }
        let mounted = openapi_path(route.uri.path());
        let written = openapi_path(route.uri.unmounted_origin.path().as_str());
        let Some((path, operation)) = operation_at(openapi, [&mounted, &written], route.method) else {
            log::debug!("jwt-guard: the OpenAPI document has no operation `{} {mounted}`", route.method);
            continue;
        };
        let requirements = requirements(&route_policies, &scheme_names);
        if requirements.is_empty() {
            // An empty list would say that no token is needed.
            log::warn!(
                "jwt-guard: no token can meet every policy of `{} {mounted}` at once (they name different issuers); \
                 the route adds no security to its OpenAPI operation",
                route.method
            );
            continue;
        }
        let operation_key = (route.method, path);
        match operation.security.as_mut().filter(|_| secured.contains(&operation_key)) {
            Some(security) => {
                for requirement in requirements {
                    if !security.contains(&requirement) {
                        security.push(requirement);
                    }
                }
            }
            None => {
                operation.security = Some(requirements);
                secured.push(operation_key);
            }
        }
    }
}

/// Routes that serve `openapi` at `path` as JSON, with the security that
/// [`secure`] adds, written at the first request. Mount them at `/`.
///
/// ```
/// use utoipa::OpenApi;
///
/// #[derive(OpenApi)]
/// #[openapi(info(title = "Reports API"))]
/// struct ApiDoc;
///
/// let rocket = rocket::build()
///     .attach(jwt_guard::JwtGuard::fairing())
///     .mount("/", jwt_guard::openapi::routes("/openapi.json", ApiDoc::openapi()));
/// ```
pub fn routes(path: &str, openapi: OpenApi) -> Vec<Route> {
    let handler = DocumentHandler { openapi: Arc::new(openapi), document: Arc::default() };
    vec![Route::new(Method::Get, path, handler)]
}

/// Serves an OpenAPI document with jwt-guard's security.
#[derive(Clone)]
struct DocumentHandler {
    openapi: Arc<OpenApi>,
    document: Arc<OnceLock<String>>,
}

#[rocket::async_trait]
impl Handler for DocumentHandler {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let written = self.document.get_or_init(|| {
            let mut openapi = OpenApi::clone(&self.openapi);
            secure(request.rocket(), &mut openapi);
            openapi.to_json().unwrap_or_default()
        });
        if written.is_empty() {
            return Outcome::Forward((data, Status::InternalServerError));
        }
        let document = written.clone();
        let response =
            Response::build().header(ContentType::JSON).sized_body(document.len(), Cursor::new(document)).finalize();
        Outcome::Success(response)
    }
}

/// The security scheme of `issuer`.
fn scheme(guard: &JwtGuard, issuer: &DescribedIssuer) -> SecurityScheme {
    if let Some(discovery) = &issuer.discovery {
        return SecurityScheme::OpenIdConnect(OpenIdConnect::with_description(
            discovery.clone(),
            format!("Access tokens of {}", issuer.issuer),
        ));
    }
    let login = guard.local_issuer().filter(|_| issuer.name == LOCAL_ISSUER && guard.authenticator().is_some());
    let description = match login {
        Some(local) => format!(
            "Access tokens of this API's own issuer: `POST {}` with the user's credentials as JSON returns one",
            local.auth_path()
        ),
        None => format!("Access tokens of {}", issuer.issuer),
    };
    bearer_scheme(description)
}

/// The security scheme of the issuers that a resolver finds under
/// `name`: bearer tokens, whose keys are found per issuer.
fn resolved_scheme(name: &str) -> SecurityScheme {
    bearer_scheme(format!("Access tokens of the issuers that the API finds for `{name}`"))
}

/// An `http` scheme of bearer JWTs, described as `description` says.
fn bearer_scheme(description: String) -> SecurityScheme {
    SecurityScheme::Http(
        HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").description(Some(description)).build(),
    )
}

/// The security requirements that `policies`, all of which a request must
/// meet, make: one per issuer (of `issuers`, by name) and way to meet all
/// of them, with the scopes that way needs.
fn requirements(policies: &[CompiledPolicy], issuers: &[&str]) -> Vec<SecurityRequirement> {
    let ways = policies.iter().fold(vec![CombinedWay::default()], |ways, policy| {
        ways.iter().flat_map(|way| policy.ways.iter().filter_map(|theirs| way.and(theirs))).collect()
    });
    issuers
        .iter()
        .flat_map(|issuer| {
            let accepted = ways.iter().filter(|way| way.issuer.is_none_or(|name| name == *issuer));
            accepted.map(|way| SecurityRequirement::new(*issuer, way.scopes.iter().copied()))
        })
        .collect()
}

/// A way to meet several policies at once: a token of `issuer` (any
/// when `None`) that grants every scope of `scopes`.
#[derive(Debug, Default)]
struct CombinedWay {
    issuer: Option<&'static str>,
    scopes: Vec<&'static str>,
}

impl CombinedWay {
    /// The way that meets `self` and `way` too, unless they need two
    /// different issuers.
    fn and(&self, way: &PolicyWay) -> Option<Self> {
        let issuer = match (self.issuer, way.issuer) {
            (Some(mine), Some(theirs)) if mine != theirs => return None,
            (mine, theirs) => mine.or(theirs),
        };
        let mut scopes = self.scopes.clone();
        scopes.extend(way.scopes.iter().filter(|scope| !self.scopes.contains(scope)));
        Some(Self { issuer, scopes })
    }
}

/// The first of `paths` that has an operation for `method`, and that
/// operation.
fn operation_at<'a>(
    openapi: &'a mut OpenApi,
    paths: [&String; 2],
    method: Method,
) -> Option<(String, &'a mut Operation)> {
    let mut documented =
        |path: &&String| openapi.paths.paths.get_mut(*path).and_then(|item| operation(item, method)).is_some();
    let path = paths.into_iter().find(|path| documented(path))?;
    let found = openapi.paths.paths.get_mut(path).and_then(|item| operation(item, method))?;
    Some((path.clone(), found))
}

/// The operation of `item` for `method`, if it has one.
fn operation(item: &mut PathItem, method: Method) -> Option<&mut Operation> {
    let operation = match method {
        Method::Get => &mut item.get,
        Method::Put => &mut item.put,
        Method::Post => &mut item.post,
        Method::Delete => &mut item.delete,
        Method::Options => &mut item.options,
        Method::Head => &mut item.head,
        Method::Patch => &mut item.patch,
        Method::Trace => &mut item.trace,
        Method::Connect => return None,
    };
    operation.as_mut()
}

/// A Rocket route path as an OpenAPI path, as utoipa's `rocket_extras`
/// writes it: `/items/<id>` as `/items/{id}`, `/files/<path..>` as
/// `/files/{path}`, and the nameless `<_>` as `{arg0}`, `{arg1}`, in order.
fn openapi_path(route_path: &str) -> String {
    let mut nameless = 0;
    route_path
        .split('/')
        .map(|segment| match segment.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')) {
            Some(name) => match name.trim_end_matches("..") {
                "_" => {
                    nameless += 1;
                    format!("{{arg{}}}", nameless - 1)
                }
                name => format!("{{{name}}}"),
            },
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rocket_paths_become_openapi_paths() {
        assert_eq!(openapi_path("/items/<id>/parts/<part>"), "/items/{id}/parts/{part}");
        assert_eq!(openapi_path("/files/<path..>"), "/files/{path}");
        assert_eq!(openapi_path("/a/<_>/b/<_..>"), "/a/{arg0}/b/{arg1}");
        assert_eq!(openapi_path("/"), "/");
    }
}
