//! Everything Rocket: the managed [`JwtGuard`] and its fairing, the
//! [`Token`](crate::Token) and [`Claims`] request guards, policy
//! enforcement for `#[protected]` and [`protect`], and the JSON error
//! catchers. The verification core knows nothing of Rocket.

mod catchers;
mod fairing;
mod guards;
mod identity;
mod issuer_routes;
mod protected;

pub use catchers::catchers;
pub use fairing::{JwtGuardBuilder, JwtGuardFairing};
pub use guards::Claims;
pub use identity::{CurrentUser, LoadIdentity};
pub use protected::{Policy, Protected, protect};
