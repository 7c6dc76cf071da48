//! The route that serves the API's protected-resource metadata (RFC 9728)
//! at its well-known path, with `scopes_supported` taken from the policies
//! of the mounted routes once they are all known.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use rocket::http::{ContentType, Header, Method, Status};
use rocket::outcome::Outcome;
use rocket::request::Request;
use rocket::response::Response;
use rocket::route::{self, Handler};
use rocket::{Data, Route};

use super::route_policies::RoutePolicies;
use crate::guard::JwtGuard;

/// How long a client may keep the metadata (RFC 9728 section 7.10).
const CACHE_CONTROL: &str = "public, max-age=300";

/// The route that serves the metadata at `path`.
pub(super) fn metadata_route(path: &str) -> Route {
    Route::new(Method::Get, path, MetadataHandler { document: Arc::default() })
}

/// Serves the metadata, written at its first request: by then every
/// route's Sentinel has declared its policy.
#[derive(Clone)]
struct MetadataHandler {
    document: Arc<OnceLock<Option<String>>>,
}

impl MetadataHandler {
    fn document(&self, request: &Request<'_>) -> Option<&str> {
        let written = self.document.get_or_init(|| {
            let rocket = request.rocket();
            let (guard, policies) = (rocket.state::<JwtGuard>()?, rocket.state::<RoutePolicies>()?);
            let scopes = policies.scopes(rocket.routes());
            guard.resource_metadata(scopes).map(|document| document.to_string())
        });
        written.as_deref()
    }
}

#[rocket::async_trait]
impl Handler for MetadataHandler {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let Some(document) = self.document(request) else { return Outcome::Forward((data, Status::NotFound)) };
        let document = document.to_owned();
        let response = Response::build()
            .header(ContentType::JSON)
            .header(Header::new("Cache-Control", CACHE_CONTROL))
            // A public document, which browser-based clients fetch from
            // other origins.
            .header(Header::new("Access-Control-Allow-Origin", "*"))
            .sized_body(document.len(), Cursor::new(document))
            .finalize();
        Outcome::Success(response)
    }
}
