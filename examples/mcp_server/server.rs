//! The MCP server of the `mcp_server` example: the Model Context
//! Protocol's Streamable HTTP transport at `/mcp`, reduced to what a
//! client needs to list and call one tool, behind jwt-guard. MCP clients
//! find how to get a token from the 401 alone: its challenge points to the
//! protected-resource metadata, which names the authorization server.

use jwt_guard::{Token, protected};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Responder, Route, get, post, routes};
use serde::Deserialize;
use serde_json::{Value, json};

/// The protocol versions this server speaks, newest first.
const PROTOCOL_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// A JSON-RPC message from the client.
#[derive(Debug, Deserialize)]
pub(crate) struct Message {
    /// Absent in notifications, which get no answer.
    id: Option<Value>,
    method: String,
    #[serde(default)]
    params: Value,
}

/// The answer to a message.
#[derive(Debug, Responder)]
pub(crate) enum Reply {
    /// The response to a request.
    Response(Json<Value>),
    /// A notification, accepted.
    #[response(status = 202)]
    Accepted(()),
}

/// The MCP endpoint: tokens with the `read` scope only.
#[protected(scope = "read")]
#[post("/mcp", format = "json", data = "<message>")]
pub(crate) fn mcp(message: Json<Message>, token: Token) -> Reply {
    let Message { id, method, params } = message.into_inner();
    let Some(id) = id else { return Reply::Accepted(()) };
    let outcome = match method.as_str() {
        "initialize" => Ok(initialize(&params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({ "tools": [{
            "name": "list_reports",
            "description": "The reports the caller may read",
            "inputSchema": { "type": "object", "properties": {} },
        }] })),
        "tools/call" if params["name"] == "list_reports" => {
            let caller = token.subject().unwrap_or("a client");
            Ok(json!({ "content": [{ "type": "text", "text": format!("Q3 revenue, for {caller}") }] }))
        }
        "tools/call" => Err((-32602, "no such tool")),
        _ => Err((-32601, "method not found")),
    };
    let answer = match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err((code, message)) => json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }),
    };
    Reply::Response(Json(answer))
}

/// The server's side of the handshake: the client's protocol version if
/// this server speaks it, else its newest.
fn initialize(params: &Value) -> Value {
    let asked = params["protocolVersion"].as_str().unwrap_or_default();
    let version = PROTOCOL_VERSIONS.into_iter().find(|known| *known == asked).unwrap_or(PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": {} },
        "serverInfo": { "name": "reports-mcp", "version": env!("CARGO_PKG_VERSION") },
    })
}

/// No server-sent event stream: the transport lets a server answer 405.
#[get("/mcp")]
pub(crate) fn no_event_stream() -> Status {
    Status::MethodNotAllowed
}

/// The server's routes, to mount at `/`.
pub(crate) fn routes() -> Vec<Route> {
    routes![mcp, no_event_stream]
}
