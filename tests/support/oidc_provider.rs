//! panva's oidc-provider, a certified OpenID provider, run with Node.js on
//! 127.0.0.1 from `tests/oidc-provider`.

use std::process::Command;

use crate::keys::TestKey;
use crate::node::node_project;
use crate::process::ServerProcess;

/// The audience of the API that the provider's tokens are for.
pub const OIDC_AUDIENCE: &str = "https://api.test";

/// Requests that a provider process has served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct ProviderHits {
    /// Fetches of the JWKS.
    pub jwks: u32,
    /// Fetches of the OpenID discovery document.
    pub discovery: u32,
    /// Requests to the introspection endpoint.
    pub introspection: u32,
}

/// A user's login at the provider.
#[derive(Debug, Clone)]
pub struct UserLogin {
    /// The access token, with the session's `sid`.
    pub access_token: String,
    /// The session's id at the provider.
    pub sid: String,
    /// The user.
    pub sub: String,
}

/// A running provider; stopped when dropped.
#[derive(Debug)]
pub struct OidcProvider(ServerProcess);

impl OidcProvider {
    /// The private key of the provider's client `rs-key-client`, which
    /// authenticates with `private_key_jwt`.
    pub const CLIENT_KEY: TestKey = TestKey::RsaB;

    /// Starts the provider on `port`, signing access tokens with `alg` and
    /// the first of `keys` (the others are published too).
    pub async fn start(port: u16, keys: &[TestKey], alg: &str) -> Self {
        Self::start_with_logout(port, keys, alg, &[]).await
    }

    /// As [`OidcProvider::start`], with a users' client per URL of
    /// `logout_uris` that receives the provider's back-channel logouts
    /// there: `web-client` for the first, `web-client-2`, ... for the
    /// others.
    pub async fn start_with_logout(port: u16, keys: &[TestKey], alg: &str, logout_uris: &[String]) -> Self {
        let directory = node_project("oidc-provider");
        let key_files: Vec<String> = keys.iter().map(|key| key.pem_path().display().to_string()).collect();
        let mut command = Command::new("node");
        command
            .arg("provider.mjs")
            .current_dir(&directory)
            .env("PORT", port.to_string())
            .env("KEY_FILES", key_files.join(","))
            .env("ALG", alg)
            .env("CLIENT_KEY_FILE", Self::CLIENT_KEY.pem_path())
            .env("BACKCHANNEL_LOGOUT_URIS", logout_uris.join(","));
        Self(ServerProcess::start(command, port, "the interop tests need Node.js: install it").await)
    }

    /// Its issuer URL.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.0.port())
    }

    /// An access token from the client-credentials grant.
    pub async fn token(&self, scope: &str, resource: &str) -> String {
        self.token_request(scope, resource, None).await
    }

    /// An access token from the client-credentials grant, bound to the
    /// DPoP key that signed `proof` (a proof for `POST {issuer}/token`).
    pub async fn dpop_token(&self, scope: &str, resource: &str, proof: &str) -> String {
        self.token_request(scope, resource, Some(proof)).await
    }

    /// The token endpoint's access token, for a request with `proof` as
    /// its `DPoP` header, if any.
    async fn token_request(&self, scope: &str, resource: &str, proof: Option<&str>) -> String {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("grant_type", "client_credentials"), ("scope", scope), ("resource", resource)])
            .finish();
        let mut request = reqwest::Client::new()
            .post(format!("{}/token", self.issuer()))
            .basic_auth("reports-client", Some("reports-secret"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        let response = request.send().await.expect("the token endpoint answers");
        let status = response.status();
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        assert!(status.is_success(), "the token request failed: {status} {body}");
        body["access_token"].as_str().expect("an access token").to_owned()
    }

    /// Revokes `token` at the provider (RFC 7009), as the client it was
    /// issued to.
    pub async fn revoke(&self, token: &str) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("token", token), ("token_type_hint", "access_token")])
            .finish();
        let response = reqwest::Client::new()
            .post(format!("{}/token/revocation", self.issuer()))
            .basic_auth("reports-client", Some("reports-secret"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the revocation endpoint answers");
        assert!(response.status().is_success(), "revocation failed: {}", response.status());
    }

    /// Logs `sub` in to `web-client` by the authorization-code flow:
    /// the token response, with the session's `sid`, `sub` and
    /// `client_id`. Its access token is a JWT for [`OIDC_AUDIENCE`] that
    /// carries the `sid`.
    pub async fn login(&self, sub: &str) -> UserLogin {
        let url = format!("{}/test/login?sub={sub}", self.issuer());
        let response = reqwest::get(url).await.expect("the provider answers");
        let status = response.status();
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        assert!(status.is_success(), "the login failed: {status} {body}");
        let text = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("no `{name}` in {body}")).to_owned();
        UserLogin { access_token: text("access_token"), sid: text("sid"), sub: text("sub") }
    }

    /// Ends the session `sid` by an RP-initiated logout, so that the
    /// provider sends its back-channel logouts; answers how each delivery
    /// went (`{"sub", "backchannel": [{"client_id", "sid", "delivered"}]}`).
    pub async fn logout(&self, sid: &str) -> serde_json::Value {
        let url = format!("{}/test/logout?sid={sid}", self.issuer());
        let response = reqwest::get(url).await.expect("the provider answers");
        let status = response.status();
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        assert!(status.is_success(), "the logout failed: {status} {body}");
        body
    }

    /// How often this process served its JWKS and its discovery document.
    pub async fn hits(&self) -> ProviderHits {
        let response = reqwest::get(format!("{}/test/hits", self.issuer())).await.expect("the provider answers");
        serde_json::from_slice(&response.bytes().await.expect("a body")).expect("hits as JSON")
    }

    /// Stops it; its port refuses connections afterwards.
    pub fn stop(mut self) {
        self.0.kill();
    }
}
