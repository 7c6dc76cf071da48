// The MCP TypeScript SDK's own client, connecting to an MCP server behind
// jwt-guard with the Streamable HTTP transport and a client-credentials
// auth provider: it answers the 401 by itself (metadata, authorization
// server, token for the resource), then lists and calls the tools.
// Prints one JSON object.
//
// Usage: node mcp-client.mjs <MCP endpoint URL> <issuer> <client id> <client secret> <scope>

import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [endpoint, issuer, clientId, clientSecret, scope] = process.argv.slice(2);

const authProvider = new ClientCredentialsProvider({ clientId, clientSecret, scope, expectedIssuer: issuer });
const transport = new StreamableHTTPClientTransport(new URL(endpoint), { authProvider });
const client = new Client({ name: 'jwt-guard-tests', version: '1.0.0' });
await client.connect(transport);
const { tools } = await client.listTools();
const called = await client.callTool({ name: 'list_reports', arguments: {} });
const claims = JSON.parse(Buffer.from(authProvider.tokens().access_token.split('.')[1], 'base64url').toString());
await client.close();

console.log(JSON.stringify({
  server: client.getServerVersion()?.name ?? null,
  tools: tools.map((tool) => tool.name),
  text: called.content.map((part) => part.text).join(''),
  audience: claims.aud,
}));
