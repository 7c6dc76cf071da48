//! The API as a protected resource (RFC 9728, RFC 8707): the checked
//! `resource` settings, from which its metadata and challenges are written.

use reqwest::Url;

use super::Config;
use super::checks::{check, is_route_base};
use crate::error::ConfigError;
use crate::keys::check_scheme;

/// The API as a protected resource (RFC 9728): what its metadata says of
/// it besides its issuers and its routes' scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceSettings {
    /// The identifier, exactly as configured: clients compare it.
    pub(crate) identifier: String,
    /// Where the metadata is served on this server:
    /// `/.well-known/oauth-protected-resource`, followed by the
    /// identifier's path if it has one (RFC 9728 section 3.1).
    pub(crate) metadata_path: String,
    /// The metadata's URL: the identifier's origin and `metadata_path`.
    pub(crate) metadata_url: String,
    /// The identifier's `scheme://authority`.
    pub(crate) origin: String,
    /// `resource_name`.
    pub(crate) name: Option<String>,
    /// `resource_documentation`.
    pub(crate) documentation: Option<String>,
    /// Scopes to list besides the routes'.
    pub(crate) scopes: Vec<String>,
}

impl Config {
    /// The API as a protected resource, if `resource` is set: an `https`
    /// URL without query or fragment (RFC 8707), or a loopback `http` one
    /// in a debug build; its path must be one a route can be mounted at,
    /// without a trailing `/`.
    pub(super) fn resource_settings(&self, debug_build: bool) -> Result<Option<ResourceSettings>, ConfigError> {
        let Some(identifier) = &self.resource else { return Ok(None) };
        let url = Url::parse(identifier)
            .map_err(|error| ConfigError { key: "resource".into(), problem: format!("is not a URL: {error}") })?;
        let loopback_http = url.scheme() == "http" && check_scheme(&url, false).is_ok();
        check(
            url.scheme() == "https" || (debug_build && loopback_http),
            "resource",
            "must be an `https` URL (a loopback `http` one is accepted in debug builds only)",
        )?;
        check(url.query().is_none() && url.fragment().is_none(), "resource", "must have no query or fragment")?;
        check(url.username().is_empty() && url.password().is_none(), "resource", "must have no user name or password")?;
        // RFC 9728 section 3.1 drops a slash after the host only: the
        // metadata of `https://h/v1/` is at `/.well-known/…/v1/`, which
        // no route is mounted at.
        let path = match url.path() {
            "/" => "",
            path => path,
        };
        check(
            !path.ends_with('/'),
            "resource",
            "its path must not end with `/`: write `https://api.example.com/v1`, not `https://api.example.com/v1/`",
        )?;
        check(
            path.is_empty() || is_route_base(path),
            "resource",
            "its path must be segments of letters, digits, `-`, `.`, `_` or `~`",
        )?;
        for scope in &self.resource_scopes {
            check(
                !scope.is_empty() && scope.chars().all(|c| c != '"' && c != '\\' && c.is_ascii_graphic()),
                "resource_scopes",
                "each scope is printable ASCII without spaces, `\"` or `\\` (RFC 6749 section 3.3)",
            )?;
        }
        if let Some(documentation) = &self.resource_documentation {
            let url = Url::parse(documentation).map_err(|error| ConfigError {
                key: "resource_documentation".into(),
                problem: format!("is not a URL: {error}"),
            })?;
            check(matches!(url.scheme(), "https" | "http"), "resource_documentation", "must be an `https` URL")?;
        }
        let metadata_path = format!("/.well-known/oauth-protected-resource{path}");
        let origin = url.origin().ascii_serialization();
        Ok(Some(ResourceSettings {
            identifier: identifier.clone(),
            metadata_url: format!("{origin}{metadata_path}"),
            metadata_path,
            origin,
            name: self.resource_name.clone(),
            documentation: self.resource_documentation.clone(),
            scopes: self.resource_scopes.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(resource: &str, debug_build: bool) -> Result<ResourceSettings, ConfigError> {
        let config = Config { resource: Some(resource.into()), ..Config::default() };
        config.resource_settings(debug_build).map(|settings| settings.expect("`resource` is set"))
    }

    #[test]
    fn the_metadata_is_served_at_the_well_known_path_of_the_identifier() {
        let root = settings("https://api.example.com", false).unwrap();
        assert_eq!(root.identifier, "https://api.example.com");
        assert_eq!(root.metadata_path, "/.well-known/oauth-protected-resource");
        assert_eq!(root.metadata_url, "https://api.example.com/.well-known/oauth-protected-resource");
        let with_slash = settings("https://api.example.com/", false).unwrap();
        assert_eq!(with_slash.identifier, "https://api.example.com/", "kept exactly: clients compare it");
        assert_eq!(with_slash.metadata_path, "/.well-known/oauth-protected-resource");
        let with_path = settings("https://api.example.com:8443/v1/mcp", false).unwrap();
        assert_eq!(with_path.metadata_path, "/.well-known/oauth-protected-resource/v1/mcp");
        assert_eq!(with_path.metadata_url, "https://api.example.com:8443/.well-known/oauth-protected-resource/v1/mcp");
        assert_eq!(
            settings("https://api.example.com:8443/v1/mcp/", false).unwrap_err().to_string(),
            "bad `jwt_guard.resource`: its path must not end with `/`: write `https://api.example.com/v1`, not \
             `https://api.example.com/v1/`",
            "RFC 9728 would have its metadata at a path ending with `/`"
        );
    }

    #[test]
    fn plain_http_is_for_loopback_in_debug_builds_only() {
        assert!(settings("http://127.0.0.1:8000", true).is_ok());
        assert!(settings("http://localhost:8000/api", true).is_ok());
        let problem = |resource, debug_build| settings(resource, debug_build).unwrap_err().to_string();
        let https_only =
            "bad `jwt_guard.resource`: must be an `https` URL (a loopback `http` one is accepted in debug builds only)";
        assert_eq!(problem("http://127.0.0.1:8000", false), https_only);
        assert_eq!(problem("http://api.example.com", true), https_only);
        assert_eq!(problem("ftp://127.0.0.1", true), https_only);
    }

    #[test]
    fn identifiers_that_clients_cannot_use_are_refused() {
        let problem = |resource| settings(resource, true).unwrap_err().problem;
        assert_eq!(problem("https://api.example.com/?tenant=a"), "must have no query or fragment");
        assert_eq!(problem("https://api.example.com/#top"), "must have no query or fragment");
        assert_eq!(problem("https://me:secret@api.example.com/"), "must have no user name or password");
        assert!(problem("https://api.example.com/<id>").starts_with("its path must be segments"));
        assert!(problem("api.example.com").starts_with("is not a URL"));
        let config = Config {
            resource: Some("https://api.example.com".into()),
            resource_scopes: vec!["read write".into()],
            ..Config::default()
        };
        assert_eq!(config.resource_settings(true).unwrap_err().key, "resource_scopes");
    }
}
