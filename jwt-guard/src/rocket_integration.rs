//! Everything Rocket: the managed [`JwtGuard`] and its fairing, the
//! [`Token`](crate::Token) and [`Claims`] request guards, policy
//! enforcement for `#[protected]` and [`protect`], the API's
//! descriptions of itself (its protected-resource metadata and, with the
//! feature `openapi`, the security of its OpenAPI document), and the JSON
//! error catchers. The verification core knows nothing of Rocket.

mod acceptance;
#[cfg(feature = "metrics")]
mod accepted_in_flight;
mod accounting;
mod catchers;
mod claims_probe;
mod fairing;
mod groups;
mod identity;
mod issuer_routes;
mod logout_route;
#[cfg(feature = "openapi")]
pub(crate) mod openapi;
mod protected;
mod request_guards;
mod resource;
mod route_policies;
#[cfg(feature = "metrics")]
mod route_table;

pub use catchers::catchers;
#[doc(hidden)]
pub use claims_probe::{ClaimsParam, NotClaimsParam, ParamProbe, claims_read_as_json};
pub use groups::{Policy, protect};
pub use identity::{CurrentUser, LoadIdentity};
pub use protected::Protected;
pub use request_guards::Claims;
