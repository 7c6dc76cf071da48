//! The checks that every part of the configuration makes of its values,
//! each naming the key of a bad one.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use super::tenants::TENANT;
use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::error::ConfigError;

/// The longest duration any setting takes: a year. Longer ones are surely
/// mistakes, and would overflow the clocks they are added to.
const LONGEST_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Checks that `duration`, the value of `key`, is at most a year, and above
/// zero if `positive`.
pub(super) fn check_duration(duration: Duration, key: &str, positive: bool) -> Result<(), ConfigError> {
    check(duration <= LONGEST_DURATION, key, "must be at most a year (31536000 seconds)")?;
    check(!positive || !duration.is_zero(), key, "must be above 0")
}

/// Checks `issuer`, the value of `key`, as an issuer identifier, which a
/// token's `iss` must equal byte for byte: not empty, no white space
/// around it, and no query or fragment (OpenID Connect Discovery 1.0,
/// section 3; RFC 8414, section 2); no brace but those of a template's
/// `{tenant}`, for a placeholder of another name would be taken for text.
pub(super) fn check_issuer_identifier(issuer: &str, key: &str) -> Result<(), ConfigError> {
    check(!issuer.is_empty(), key, "must not be empty")?;
    check(
        issuer.trim() == issuer,
        key,
        "must not begin or end with white space: a token's `iss` is compared byte for byte",
    )?;
    check(!issuer.contains(['?', '#']), key, "must be a URL without a query or fragment")?;
    check(
        !issuer.replace(TENANT, "").contains(['{', '}']),
        key,
        "has a `{` or `}` outside `{tenant}`: write Entra ID's `{tenantid}` as `{tenant}`",
    )
}

/// The addresses or networks `texts` (`10.0.0.7`, `10.0.0.0/8`), the
/// value of `key`.
pub(super) fn networks(texts: &[String], key: &str) -> Result<Vec<IpNet>, ConfigError> {
    texts
        .iter()
        .map(|text| {
            text.parse::<IpNet>().or_else(|_| text.parse::<IpAddr>().map(IpNet::from)).map_err(|_| ConfigError {
                key: key.to_owned(),
                problem: format!("`{text}` is not an IP address or network (`10.0.0.0/8`)"),
            })
        })
        .collect()
}

/// `Ok` if `ok`, or the error that `key` has `problem`.
pub(super) fn check(ok: bool, key: &str, problem: &str) -> Result<(), ConfigError> {
    if ok { Ok(()) } else { Err(ConfigError { key: key.to_owned(), problem: problem.to_owned() }) }
}

/// Whether `path` can be mounted as a route base: `/`, or segments of
/// unreserved characters after single slashes, none of them `.` or `..`.
/// Rocket panics on bases that are not origin URIs, and `<...>` would be a
/// dynamic segment.
pub(super) fn is_route_base(path: &str) -> bool {
    let Some(segments) = path.strip_prefix('/') else { return false };
    segments.is_empty()
        || segments.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte))
        })
}

/// An allow-list of public-key algorithms, from their names; a name that
/// needs a shared secret is refused, saying `why_public`.
pub(super) fn asymmetric_algorithms(names: &[String], why_public: &str) -> Result<AlgorithmSet, String> {
    if names.is_empty() {
        return Err("list at least one algorithm, or leave `algorithms` out".into());
    }
    names.iter().try_fold(AlgorithmSet::default(), |set, name| {
        if name.eq_ignore_ascii_case("none") {
            return Err("`none` is never accepted: tokens must be signed".into());
        }
        let alg: Algorithm = name.parse().map_err(|_| {
            let known: Vec<_> = AlgorithmSet::ASYMMETRIC.iter().map(Algorithm::name).collect();
            format!("unknown algorithm `{name}`; expected one of {}", known.join(", "))
        })?;
        if AlgorithmSet::SYMMETRIC.contains(alg) {
            return Err(format!("`{name}` needs a shared secret, but {why_public}"));
        }
        Ok(set.with(alg))
    })
}
