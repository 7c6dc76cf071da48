//! The `mcp_server` example behind jwt-guard, as the MCP TypeScript SDK's
//! own client meets it: with nothing but the endpoint's URL and its
//! credentials at panva's oidc-provider, it gets through the 401, lists
//! the tools and calls one.

use jwt_guard::JwtGuard;
use jwt_guard_tests::{OidcProvider, RunningApp, TestKey, free_port, quiet_figment, run_node_script};
use serde_json::json;

#[path = "../../examples/mcp_server/server.rs"]
mod server;

#[rocket::async_test]
async fn the_mcp_sdk_client_authorizes_itself_and_calls_a_tool() {
    let provider = OidcProvider::start(free_port(), &[TestKey::RsaA], "RS256").await;
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}/mcp");
    let config = json!({ "resource": endpoint, "issuers": { "provider": { "issuer": provider.issuer() } } });
    let rocket = rocket::custom(quiet_figment().merge(("jwt_guard", config)))
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", server::routes());
    let app = RunningApp::launch(rocket, port).await;

    let issuer = provider.issuer();
    let args = [endpoint.as_str(), &issuer, "reports-client", "reports-secret", "read"];
    let seen = run_node_script("discovery-clients", "mcp-client.mjs", &args).await;
    assert_eq!(
        seen,
        json!({
            "server": "reports-mcp",
            "tools": ["list_reports"],
            "text": "Q3 revenue, for reports-client",
            "audience": endpoint,
        })
    );
    app.stop().await;
}
