//! Where an issuer's keys come from, and which URLs may be fetched for
//! them: `https://`, or plain `http://` on loopback or where allowed, and
//! redirects only to the hosts an issuer lists.

use reqwest::Url;

use super::KeySet;
use crate::loopback::is_loopback_host;

/// Where an issuer's keys come from.
#[derive(Debug, Clone)]
pub(crate) enum KeyLocation {
    /// Keys given in the configuration.
    Inline(KeySet),
    /// Keys fetched over HTTP.
    Remote(RemoteLocation),
}

/// Where a remote issuer's keys are fetched from.
#[derive(Debug, Clone)]
pub(crate) enum RemoteLocation {
    /// A JWKS at a known address.
    Jwks(Url),
    /// A JWKS whose address OIDC discovery at this URL gives.
    Discovery { document: Url, allow_http: bool },
}

impl RemoteLocation {
    /// The OIDC discovery document of `issuer`, whose keys may come from
    /// plain `http://` when `allow_http`.
    pub(crate) fn discovered(issuer: &Url, allow_http: bool) -> Self {
        Self::Discovery { document: discovery_url(issuer), allow_http }
    }
}

/// Which redirects of an issuer's key URLs are followed.
#[derive(Debug, Clone)]
pub(crate) struct RedirectPolicy {
    /// The hosts (`host` or `host:port`) that redirects may lead to; none
    /// when empty.
    pub(crate) hosts: Vec<String>,
    /// Whether a redirect may lead to plain `http://` on any host.
    pub(crate) allow_http: bool,
}

impl RedirectPolicy {
    /// Whether a redirect to `url` may be followed; if not, why.
    pub(crate) fn check(&self, url: &Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or_default();
        let with_port = |port: Option<u16>| port.map_or_else(|| host.to_owned(), |port| format!("{host}:{port}"));
        // As the URL writes it, and with its scheme's port when it names none.
        let (authority, with_default_port) = (with_port(url.port()), with_port(url.port_or_known_default()));
        let listed = self.hosts.iter().any(|allowed| {
            [host, &authority, &with_default_port].into_iter().any(|form| allowed.eq_ignore_ascii_case(form))
        });
        if !listed {
            return Err(format!("a redirect to {url} was refused: `{authority}` is not in `follow_redirects_to`"));
        }
        check_scheme(url, self.allow_http).map_err(|problem| format!("a redirect to {url} was refused: {problem}"))
    }
}

/// Checks that keys may be fetched from `url`.
pub(crate) fn check_scheme(url: &Url, allow_http: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http || is_loopback(url) => Ok(()),
        "http" => {
            Err("plain `http://` is accepted only for loopback hosts; use `https://` or set `allow_http = true`".into())
        }
        other => Err(format!("unsupported scheme `{other}`; use `https://`")),
    }
}

/// Checks that the discovery document at `document` is the issuer's own:
/// the `issuer` it names is the `configured` one (RFC 8414 section 3.3,
/// OpenID Connect Discovery section 4.3).
pub(crate) fn check_discovered_issuer(document: &Url, named: &str, configured: &str) -> Result<(), String> {
    if named == configured {
        return Ok(());
    }
    Err(format!(
        "{document} names the issuer {named:?}, but the configured `issuer` is {configured:?}; they must be equal"
    ))
}

/// Whether `text` is a host, or a host and port, alone.
pub(crate) fn is_host(text: &str) -> bool {
    let as_url = Url::parse(&format!("https://{text}/"));
    !text.is_empty()
        && as_url.is_ok_and(|url| url.path() == "/" && url.username().is_empty() && url.password().is_none())
}

fn is_loopback(url: &Url) -> bool {
    is_loopback_host(url.host_str().unwrap_or_default())
}

/// `{issuer}/.well-known/openid-configuration`, as OIDC Discovery 1.0
/// section 4 builds it (a trailing `/` of the issuer is not doubled).
pub(crate) fn discovery_url(issuer: &Url) -> Url {
    let mut url = issuer.clone();
    let path = format!("{}/.well-known/openid-configuration", issuer.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_urls_keep_the_issuer_path_without_doubling_slashes() {
        let url = |issuer: &str| discovery_url(&Url::parse(issuer).unwrap()).to_string();
        assert_eq!(url("https://idp.test"), "https://idp.test/.well-known/openid-configuration");
        assert_eq!(
            url("https://idp.test/realms/acme/"),
            "https://idp.test/realms/acme/.well-known/openid-configuration"
        );
    }
}
