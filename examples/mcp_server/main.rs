//! A Rocket API set up as an MCP-protected resource: the Model Context
//! Protocol's authorization spec asks a server for protected-resource
//! metadata (RFC 9728), challenges that point to it, and tokens issued for
//! it (RFC 8707). jwt-guard does all three once `resource` is set.
//!
//! ```sh
//! ROCKET_JWT_GUARD='{issuers={idp={issuer="https://idp.example.com"}}}' \
//!     cargo run --example mcp_server
//! curl -i -X POST http://127.0.0.1:8000/mcp -H 'Content-Type: application/json' -d '{}'
//! curl http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp
//! ```
//!
//! The resource is `http://127.0.0.1:8000/mcp` unless the configuration
//! says otherwise (in production, the server's `https` URL). The issuer
//! needs no `audience`: tokens must be issued for the resource. An MCP
//! client (the TypeScript SDK's `StreamableHTTPClientTransport` with an
//! auth provider) answers the 401 by itself: it reads the metadata, gets a
//! token with the `read` scope for the resource, and calls again.

mod server;

use jwt_guard::JwtGuard;
use rocket::launch;

#[launch]
fn rocket() -> _ {
    let figment = rocket::Config::figment().join(("jwt_guard.resource", "http://127.0.0.1:8000/mcp"));
    rocket::custom(figment)
        .attach(JwtGuard::fairing())
        .register("/", jwt_guard::catchers())
        .mount("/", server::routes())
}
