//! The policies of the mounted routes: the launch checks that each can be
//! enforced, and what each route needs, for the API's descriptions (its
//! protected-resource metadata and its OpenAPI document).
//!
//! A group's policies are found by the route's name (see `groups`). A
//! `#[protected]` policy is declared by its guard's Sentinel at launch,
//! with the handler's name and the method and path its attribute declares,
//! and found by them: Rocket shows a fairing nothing else of a route.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use rocket::Route;
use rocket::http::uri::Origin;

use super::groups::group_policies;
use crate::policy::CompiledPolicy;
use crate::verify::Verifier;

/// The `#[protected]` policies of an app's routes, as their Sentinels
/// declare them at launch; managed by the fairing.
#[derive(Debug, Default)]
pub(crate) struct RoutePolicies {
    declared: Mutex<Vec<DeclaredPolicy>>,
}

/// A `#[protected]` policy and the route it protects.
#[derive(Debug)]
struct DeclaredPolicy {
    /// The handler's name.
    handler: &'static str,
    /// The method, upper case.
    method: &'static str,
    /// The unmounted path, normalized as Rocket does.
    path: String,
    policy: CompiledPolicy,
}

impl DeclaredPolicy {
    fn protects(&self, route: &Route) -> bool {
        route.name.as_deref() == Some(self.handler)
            && route.method.as_str() == self.method
            && route.uri.unmounted_origin.path().as_str() == self.path
    }
}

impl RoutePolicies {
    /// Declares `policy` as that of the handler `handler`, whose attribute
    /// declares `method` and `path`.
    pub(crate) fn declare(&self, handler: &'static str, method: &'static str, path: &str, policy: CompiledPolicy) {
        let Ok(origin) = Origin::parse_route(path) else { return };
        let path = origin.into_normalized().path().to_string();
        let mut declared = self.declared.lock().unwrap_or_else(PoisonError::into_inner);
        if !declared.iter().any(|known| known.policy == policy) {
            declared.push(DeclaredPolicy { handler, method, path, policy });
        }
    }

    /// Every policy that a request to the mounted `route` must meet: its
    /// groups', innermost first, then its own.
    ///
    /// Two handlers of the same name, method and path (in two modules,
    /// mounted at two bases) cannot be told apart: each such route is
    /// taken to need the policies of both, which is logged.
    pub(crate) fn of(&self, route: &Route) -> Vec<CompiledPolicy> {
        let mut policies = group_policies(route);
        let declared = self.declared.lock().unwrap_or_else(PoisonError::into_inner);
        let own: Vec<_> =
            declared.iter().filter(|declared| declared.protects(route)).map(|declared| declared.policy).collect();
        if own.len() > 1 {
            log::warn!(
                "jwt-guard: handlers named `{}` share the route `{} {}` with different policies; \
                 its description names the scopes of all of them: rename one",
                route.name.as_deref().unwrap_or_default(),
                route.method,
                route.uri.unmounted_origin
            );
        }
        policies.extend(own);
        policies
    }

    /// Whether a guard of jwt-guard verifies the token of every request
    /// that reaches the mounted `route`, before anything else of the
    /// route runs: a group's handler does, and so does the guard that
    /// `#[protected]` puts first among a handler's parameters (Rocket runs
    /// request guards first, in their order). A `#[protected]` route is
    /// known by its handler's name, method and path: where another of
    /// `routes` has the same ones, neither is taken for one.
    #[cfg(feature = "metrics")]
    pub(crate) fn verifies_first(&self, route: &Route, routes: &[&Route]) -> bool {
        if !group_policies(route).is_empty() {
            return true;
        }
        let declared = self.declared.lock().unwrap_or_else(PoisonError::into_inner);
        let own: Vec<&DeclaredPolicy> = declared.iter().filter(|declared| declared.protects(route)).collect();
        let alike = routes.iter().filter(|other| own.iter().any(|declared| declared.protects(other)));
        !own.is_empty() && alike.count() == 1
    }

    /// The scopes that the policies of `routes` name, in any of their ways.
    pub(crate) fn scopes<'a>(&self, routes: impl Iterator<Item = &'a Route>) -> BTreeSet<&'static str> {
        let policies = routes.flat_map(|route| self.of(route));
        policies.flat_map(|policy| policy.ways.iter().flat_map(|way| way.scopes.iter().copied())).collect()
    }
}

/// Whether every issuer that `policy` names is configured; logs the policy
/// of `route` if so, and the missing issuer if not.
pub(super) fn policy_usable(verifier: &Verifier, route: &str, policy: &CompiledPolicy) -> bool {
    let unknown = policy.issuers.iter().find(|name| !verifier.issuer_names().any(|known| known == **name));
    if let Some(name) = unknown {
        let known: Vec<_> = verifier.issuer_names().collect();
        log::error!(
            "jwt-guard: route `{route}` accepts only issuer `{name}`, which is not configured (configured: {}); \
             add `[default.jwt_guard.issuers.{name}]` or fix the policy",
            known.join(", ")
        );
        return false;
    }
    log::info!("jwt-guard: route `{route}` requires {}", policy.description);
    true
}

/// Whether every group policy among `routes` can be enforced by
/// `verifier`; logs each mounted route that a group protects, with its
/// policies.
pub(super) fn group_policies_usable<'a>(verifier: &Verifier, routes: impl Iterator<Item = &'a Route>) -> bool {
    let mut usable = true;
    for route in routes {
        let label = format!("{} {}", route.method, route.uri);
        for policy in group_policies(route) {
            usable &= policy_usable(verifier, &label, &policy);
        }
    }
    usable
}
