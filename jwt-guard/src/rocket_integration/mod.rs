//! Everything Rocket: the managed [`JwtGuard`] and its fairing, the
//! [`Token`](crate::Token) and [`Claims`] request guards, and the JSON
//! error catchers. The verification core knows nothing of Rocket.

mod catchers;
mod fairing;
mod guards;

pub use catchers::catchers;
pub use fairing::{JwtGuard, JwtGuardBuilder};
pub use guards::Claims;
