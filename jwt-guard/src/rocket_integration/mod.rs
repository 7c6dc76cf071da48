//! Everything Rocket: the managed [`JwtGuard`] and its fairing, the
//! [`Token`](crate::Token) and [`Claims`] request guards, policy
//! enforcement for `#[protected]` and [`protect`], and the JSON error
//! catchers. The verification core knows nothing of Rocket.

mod catchers;
mod fairing;
mod guards;
mod protected;

pub use catchers::catchers;
pub use fairing::{JwtGuard, JwtGuardBuilder};
pub use guards::Claims;
pub use protected::{Policy, Protected, protect};
