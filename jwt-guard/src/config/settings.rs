//! Checking a configuration, in one place: [`Config::settings`] names the
//! first bad key, or produces the settings that the verifier, the built-in
//! issuer and the Rocket wing are built from. The built-in issuer's key
//! files are read here too, so nothing built from settings can fail on
//! them.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Url;

use super::checked::{Defaults, IssuerSettings, RequiredClaim};
use super::checks::{asymmetric_algorithms, check, check_duration, check_issuer_identifier, is_route_base};
use super::introspection::check_opaque_claims;
use super::local::LocalIssuerSettings;
use super::resource::ResourceSettings;
use super::tenants::TENANT;
use super::{
    Audience, CertificateHeader, Config, DpopSettings, IssuerConfig, LOCAL_ISSUER, StoreSettings, TenantSettings,
};
use crate::algorithm::AlgorithmSet;
use crate::error::{ConfigError, QuotedText};
use crate::keys::{
    FetchLimits, KeyLocation, RedirectPolicy, RemoteLocation, check_scheme, discovery_url, is_host, parse_jwks,
};

/// A configuration after every check.
#[derive(Debug)]
pub(crate) struct Settings {
    /// What the verifier is built from.
    pub(crate) verifier: VerifierSettings,
    /// The built-in issuer, if configured.
    pub(crate) local: Option<LocalIssuerSettings>,
    /// Where token state is kept.
    pub(crate) store: StoreSettings,
    /// Whether every token is refused until the store's revocations are
    /// loaded.
    pub(crate) refuse_until_loaded: bool,
    /// The API as a protected resource, when `resource` is set.
    pub(crate) resource: Option<ResourceSettings>,
    /// How DPoP proofs are checked.
    pub(crate) dpop: DpopSettings,
    /// The request header that carries client certificates, if trusted.
    pub(crate) certificate_header: Option<CertificateHeader>,
    /// Whether certificate-bound tokens can be checked: the TLS listener
    /// asks for client certificates, or a header carries them.
    pub(crate) client_certificates: bool,
    /// The realm named in challenges.
    pub(crate) realm: String,
    /// The `Authorization` scheme accepted.
    pub(crate) header_prefix: String,
    /// Where back-channel logouts are received, when some issuer sends
    /// them.
    pub(crate) logout_path: Option<String>,
}

/// What the verifier is built from.
#[derive(Debug)]
pub(crate) struct VerifierSettings {
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    pub(crate) leeway: Duration,
    /// The longest token accepted.
    pub(crate) max_token_bytes: usize,
    /// The bounds of every key fetch.
    pub(crate) fetch: FetchLimits,
    /// The shortest time from a successful fetch to one a token causes.
    pub(crate) refetch_cooldown: Duration,
    /// How many verified tokens to remember; `0` for none.
    pub(crate) token_cache_size: u64,
    /// How long, and how many, introspection answers are kept.
    pub(crate) introspection_cache_ttl: Duration,
    pub(crate) introspection_cache_size: u64,
    /// The most introspections a second, per issuer, of tokens not
    /// remembered.
    pub(crate) introspection_rate: u32,
    /// How many tenants are kept, and how many new ones may be
    /// discovered per `refetch_cooldown`.
    pub(crate) tenant_cache_size: u64,
    pub(crate) tenant_discoveries: u32,
    /// Every trusted issuer, the built-in one included.
    pub(crate) issuers: Vec<IssuerSettings>,
}

/// Why `name` cannot name an issuer, if it cannot: an issuer is named as
/// its `[jwt_guard.issuers.<name>]` table is, with ASCII letters, digits,
/// `-`, `_` and `.`, so that policies can name it. A `const fn`: the
/// policy macros check `issuer = "..."` with it in const evaluation.
pub const fn check_issuer_name(name: &str) -> Result<(), &'static str> {
    const PROBLEM: &str =
        "an issuer is named as in `[jwt_guard.issuers.<name>]`: ASCII letters, digits, `-`, `_` and `.`";
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(PROBLEM);
    }
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if !(byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' || byte == b'.') {
            return Err(PROBLEM);
        }
        index += 1;
    }
    Ok(())
}

/// The most verified tokens the cache may hold.
const MOST_CACHED_TOKENS: u64 = 1_000_000;

/// The longest `max_token_bytes`: 1 MiB, far past any token, and far from
/// what the request limits built on it could overflow.
const MOST_TOKEN_BYTES: usize = 1 << 20;

/// The longest `max_jwks_bytes`: 16 MiB.
const MOST_JWKS_BYTES: usize = 1 << 24;

/// The longest `leeway`: five minutes, the most that RFC 7519's "no more
/// than a few minutes" allows.
const LONGEST_LEEWAY: Duration = Duration::from_secs(300);

/// The shortest `refetch_cooldown`: fetches that tokens cause, one at a
/// time, stay at ten a second or fewer.
const SHORTEST_REFETCH_COOLDOWN: Duration = Duration::from_millis(100);

impl Config {
    /// Checks every value, naming the key of the first bad one, and reads
    /// the built-in issuer's keys.
    pub(crate) fn settings(&self, local_defaults: Defaults<'_>) -> Result<Settings, ConfigError> {
        check(!self.header_prefix.is_empty(), "header_prefix", "must not be empty")?;
        // An HTTP token (RFC 9110 section 5.6.2): it is the scheme of the
        // challenges too.
        check(
            self.header_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)),
            "header_prefix",
            "must be one HTTP token, such as `Bearer` or `JWT`: letters, digits and ``!#$%&'*+-.^_`|~``",
        )?;
        check(
            !self.header_prefix.eq_ignore_ascii_case("DPoP"),
            "header_prefix",
            "must not be `DPoP`, the scheme of DPoP-bound tokens, taken whenever an issuer's tokens may be bound",
        )?;
        check(
            self.realm.chars().all(QuotedText::allows),
            "realm",
            "must hold printable ASCII only, without quotes or backslashes",
        )?;
        check((1..=MOST_TOKEN_BYTES).contains(&self.max_token_bytes), "max_token_bytes", "must be from 1 to 1048576")?;
        check((1..=MOST_JWKS_BYTES).contains(&self.max_jwks_bytes), "max_jwks_bytes", "must be from 1 to 16777216")?;
        check(
            self.token_cache_size <= MOST_CACHED_TOKENS,
            "token_cache_size",
            "must be at most 1000000 (or 0, to turn the cache off)",
        )?;
        check(
            self.introspection_cache_size <= MOST_CACHED_TOKENS,
            "introspection_cache_size",
            "must be at most 1000000 (or 0, to turn the cache off)",
        )?;
        check_duration(self.introspection_cache_ttl, "introspection_cache_ttl", false)?;
        check((1..=100_000).contains(&self.introspection_rate), "introspection_rate", "must be from 1 to 100000")?;
        check((1..=100_000).contains(&self.tenant_cache_size), "tenant_cache_size", "must be from 1 to 100000")?;
        check(self.tenant_discoveries > 0, "tenant_discoveries", "must be above 0")?;
        check(
            self.leeway <= LONGEST_LEEWAY,
            "leeway",
            "must be at most 300 seconds: it is for clocks that disagree, and lengthens every token's life",
        )?;
        check_duration(self.fetch_timeout, "fetch_timeout", true)?;
        check_duration(self.refetch_cooldown, "refetch_cooldown", false)?;
        check(
            self.refetch_cooldown >= SHORTEST_REFETCH_COOLDOWN,
            "refetch_cooldown",
            "must be at least 0.1 seconds: it bounds the fetches that tokens with unknown `kid`s cause",
        )?;
        check_duration(self.max_refresh, "max_refresh", true)?;
        check(
            self.min_refresh <= self.max_refresh && !self.min_refresh.is_zero(),
            "min_refresh",
            "must be above 0 and at most `max_refresh`",
        )?;
        check(
            !self.issuers.is_empty() || self.local.is_some() || local_defaults.issuer_resolver,
            "issuers",
            "no issuer is configured; add a `[default.jwt_guard.issuers.<name>]` table with `issuer` and \
             `audience`, or `[default.jwt_guard.local]` for the built-in issuer, or plug in an `IssuerResolver`",
        )?;
        check(
            self.local.is_none() || !self.issuers.contains_key(LOCAL_ISSUER),
            "issuers.local",
            "the name `local` belongs to the built-in issuer `[jwt_guard.local]`; pick another name",
        )?;

        let resource = self.resource_settings(local_defaults.debug_build)?;
        let identifier = resource.as_ref().map(|resource| resource.identifier.as_str());
        let mut issuers = self
            .issuers
            .iter()
            .map(|(name, issuer)| issuer.settings(name, identifier))
            .collect::<Result<Vec<_>, _>>()?;
        let local = self.local.as_ref().map(|local| local.settings(local_defaults, identifier)).transpose()?;
        issuers.extend(local.as_ref().map(LocalIssuerSettings::issuer_settings));
        let mut seen = HashSet::new();
        for issuer in &issuers {
            let key = match issuer.name.as_str() {
                LOCAL_ISSUER if self.local.is_some() => "local.issuer".to_owned(),
                name => format!("issuers.{name}.issuer"),
            };
            check(seen.insert(&issuer.issuer), &key, "another issuer has the same `issuer` value, or alias")?;
            for alias in &issuer.aliases {
                let key = format!("issuers.{}.issuer_aliases", issuer.name);
                check(seen.insert(alias), &key, "another issuer has one of them as its `issuer`, or alias")?;
            }
        }
        // A template claims no opaque token: none names its tenant.
        let claiming = issuers.iter().filter(|issuer| issuer.tenants.is_none());
        check_opaque_claims(claiming.filter_map(|issuer| {
            issuer.introspection.as_ref().map(|introspection| (issuer.name.as_str(), introspection))
        }))?;
        let logout_path =
            issuers.iter().any(|issuer| issuer.logout_client_id.is_some()).then(|| self.logout_path.clone());
        check(
            is_route_base(&self.logout_path),
            "logout_path",
            "must be a path such as `/backchannel-logout`: a leading `/`, then segments of letters, digits, `-`, \
             `.`, `_` or `~` separated by single slashes, with no trailing slash",
        )?;
        let default_origin = resource.as_ref().map_or(local_defaults.own_address, |resource| resource.origin.as_str());
        let dpop = self.dpop.settings(default_origin)?;
        Ok(Settings {
            verifier: VerifierSettings {
                leeway: self.leeway,
                max_token_bytes: self.max_token_bytes,
                fetch: FetchLimits {
                    timeout: self.fetch_timeout,
                    max_bytes: self.max_jwks_bytes,
                    min_refresh: self.min_refresh,
                    max_refresh: self.max_refresh,
                },
                refetch_cooldown: self.refetch_cooldown,
                token_cache_size: self.token_cache_size,
                introspection_cache_ttl: self.introspection_cache_ttl,
                introspection_cache_size: self.introspection_cache_size,
                introspection_rate: self.introspection_rate,
                tenant_cache_size: self.tenant_cache_size,
                tenant_discoveries: self.tenant_discoveries,
                issuers,
            },
            local,
            store: self.store.settings(self.local.as_ref())?,
            refuse_until_loaded: self.store.refuse_until_loaded,
            resource,
            dpop,
            certificate_header: self.mtls.settings()?,
            client_certificates: local_defaults.client_certificates || self.mtls.certificate_header.is_some(),
            realm: self.realm.clone(),
            header_prefix: self.header_prefix.clone(),
            logout_path,
        })
    }
}

impl IssuerConfig {
    /// Checks the issuer `name`; without an `audience`, the API's
    /// `resource` is its audience.
    pub(crate) fn settings(&self, name: &str, resource: Option<&str>) -> Result<IssuerSettings, ConfigError> {
        let key = |field: &str| format!("issuers.{name}.{field}");
        check_issuer_name(name)
            .map_err(|problem| ConfigError { key: format!("issuers.{name}"), problem: problem.into() })?;
        check_issuer_identifier(&self.issuer, &key("issuer"))?;
        for alias in &self.issuer_aliases {
            check_issuer_identifier(alias, &key("issuer_aliases"))?;
        }
        check(
            self.issuer_aliases.is_empty() || (self.tenants.is_none() && self.logout_client_id.is_none()),
            &key("issuer_aliases"),
            "not for a template, nor with `logout_client_id`: configure an issuer of each `iss`",
        )?;
        let tenants = self
            .tenants
            .as_ref()
            .map(|tenants| TenantSettings::new(name, &self.issuer, self.jwks_uri.as_deref(), tenants))
            .transpose()?;
        check(
            tenants.is_some() || !self.issuer.contains(TENANT),
            &key("tenants"),
            "an issuer with `{tenant}` is a template: list its `tenants`, or say \"any\"",
        )?;
        // A template is checked as the URL of a tenant would be.
        let issuer_url = parse_url(&self.issuer.replace(TENANT, "1"), self.allow_http, &key("issuer"))?;
        let audience = match (&self.audience, resource) {
            (Audience::OneOf(audiences), Some(resource)) if audiences.is_empty() => {
                Audience::OneOf(vec![resource.to_owned()])
            }
            (audience, _) => audience.clone(),
        };
        if let Audience::OneOf(audiences) = &audience {
            check(
                !audiences.is_empty() && audiences.iter().all(|aud| !aud.is_empty()),
                &key("audience"),
                "list the audiences this API accepts, set the API's `resource`, or set `audience = false`",
            )?;
        }
        let keys = match (&self.jwks, &self.jwks_uri) {
            (Some(_), Some(_)) => {
                let problem = "give the keys inline (`jwks`) or where to fetch them (`jwks_uri`), not both";
                return Err(ConfigError { key: key("jwks_uri"), problem: problem.into() });
            }
            (Some(_), None) if tenants.is_some() => {
                let problem = "a template's keys are found per tenant: give `jwks_uri` with `{tenant}`, or neither";
                return Err(ConfigError { key: key("jwks"), problem: problem.into() });
            }
            (Some(jwks), None) => {
                let keys = parse_jwks(jwks.to_string().as_bytes(), name)
                    .map_err(|problem| ConfigError { key: key("jwks"), problem })?;
                check(!keys.is_empty(), &key("jwks"), "holds no usable signing key")?;
                KeyLocation::Inline(keys)
            }
            (None, Some(uri)) => KeyLocation::Remote(RemoteLocation::Jwks(parse_url(
                &uri.replace(TENANT, "1"),
                self.allow_http,
                &key("jwks_uri"),
            )?)),
            (None, None) => KeyLocation::Remote(RemoteLocation::discovered(&issuer_url, self.allow_http)),
        };
        for host in &self.follow_redirects_to {
            check(
                is_host(host),
                &key("follow_redirects_to"),
                "list hosts, such as `keys.example.com` or `keys.example.com:8443`, without a scheme or path",
            )?;
        }
        let algorithms = match &self.algorithms {
            None => AlgorithmSet::ASYMMETRIC,
            Some(names) => asymmetric_algorithms(names, "remote issuers publish public keys only")
                .map_err(|problem| ConfigError { key: key("algorithms"), problem })?,
        };
        let mut required_claims = Vec::new();
        for (claim, values) in &self.required_claims {
            let place = claim_place(claim).ok_or_else(|| ConfigError {
                key: key("required_claims"),
                problem: format!("`{claim}` is no claim name, nor a JSON Pointer such as `/realm_access/roles`"),
            })?;
            check(
                !values.0.is_empty() && values.0.iter().all(|value| !value.is_empty()),
                &key(&format!("required_claims.{claim}")),
                "give the value, or the values, that the claim must have",
            )?;
            required_claims.push(RequiredClaim { name: claim.clone(), place, values: values.0.clone() });
        }
        if let Some(lifetime) = self.max_lifetime {
            check_duration(lifetime, &key("max_lifetime"), true)?;
        }
        let roles = self.roles_claim.0.iter().map(|place| claim_place(place)).collect::<Option<Vec<_>>>();
        let roles = roles.ok_or_else(|| ConfigError {
            key: key("roles_claim"),
            problem: "each place is a claim name, or a JSON Pointer such as `/realm_access/roles` \
                      (`~0` for `~`, `~1` for `/`)"
                .into(),
        })?;
        if let Some(client_id) = &self.logout_client_id {
            check(
                !client_id.is_empty(),
                &key("logout_client_id"),
                "must not be empty; give the client id that the issuer's logout tokens name as `aud`",
            )?;
            check(
                tenants.is_none(),
                &key("logout_client_id"),
                "back-channel logout is received from configured issuers, not templates; configure each tenant's issuer",
            )?;
        }
        let discovery = discovery_url(&issuer_url);
        let introspection = self.introspection_settings(name, discovery)?;
        Ok(IssuerSettings {
            name: name.to_owned(),
            issuer: self.issuer.clone(),
            aliases: self.issuer_aliases.clone(),
            audience,
            keys,
            algorithms,
            scope_claim: self.scope_claim,
            roles,
            redirects: RedirectPolicy { hosts: self.follow_redirects_to.clone(), allow_http: self.allow_http },
            token_type: self.token_type,
            max_lifetime: self.max_lifetime,
            required_claims,
            dpop: self.dpop,
            introspection,
            tenants,
            jwks_uri_template: self.jwks_uri.clone().filter(|uri| uri.contains(TENANT)),
            logout_client_id: self.logout_client_id.clone(),
        })
    }
}

/// The members to walk from a token's claims to `place`: a claim name, or
/// a JSON Pointer (RFC 6901: `/` before each member, `~0` for `~`, `~1`
/// for `/`); `None` if it is neither.
fn claim_place(place: &str) -> Option<Vec<String>> {
    let Some(pointer) = place.strip_prefix('/') else {
        return (!place.is_empty()).then(|| vec![place.to_owned()]);
    };
    let escapes_ok = pointer.split('~').skip(1).all(|after| after.starts_with(['0', '1']));
    escapes_ok.then(|| pointer.split('/').map(|member| member.replace("~1", "/").replace("~0", "~")).collect())
}

/// Parses a URL that keys are fetched from.
///
/// Plain `http://` is accepted only for loopback hosts, unless `allow_http`.
fn parse_url(text: &str, allow_http: bool, key: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text)
        .map_err(|error| ConfigError { key: key.to_owned(), problem: format!("is not a URL: {error}") })?;
    check_scheme(&url, allow_http).map_err(|problem| ConfigError { key: key.to_owned(), problem })?;
    Ok(url)
}

#[cfg(test)]
mod tests;
