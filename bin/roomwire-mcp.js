#!/usr/bin/env node
// roomwire-mcp: the stdio entry point of Roomwire's MCP server, for clients that launch a command
// (Claude Desktop, IDE agents). It opens no database: it relays every MCP message between stdio
// and a running Roomwire (Node-RED) over Streamable HTTP with a token, so the instance that owns
// the database answers, with that token's permissions.
//
//   ROOMWIRE_MCP_URL=http://127.0.0.1:1880/roomwire/mcp ROOMWIRE_TOKEN=… npx roomwire-mcp
//   npx roomwire-mcp --url http://127.0.0.1:1880/roomwire/mcp --token …
'use strict';
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

function option(name, env) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : process.env[env];
}

function fail(message) {
  process.stderr.write(`roomwire-mcp: ${message}\n`);
  process.exit(2);
}

const url = option('url', 'ROOMWIRE_MCP_URL');
const token = option('token', 'ROOMWIRE_TOKEN');
if (!url) fail('give the MCP URL of a running Roomwire: --url or ROOMWIRE_MCP_URL (e.g. http://127.0.0.1:1880/roomwire/mcp)');
if (!token) fail('give an API token of that engine: --token or ROOMWIRE_TOKEN');
let endpoint;
try {
  endpoint = new URL(url);
} catch {
  fail(`--url ${JSON.stringify(url)} is not a URL`);
}

const local = new StdioServerTransport();
const remote = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } });

// A request the instance refuses (401, 403, unreachable) is answered as a JSON-RPC error, so the
// client shows why instead of waiting.
local.onmessage = (message) => {
  remote.send(message).catch((error) => {
    process.stderr.write(`roomwire-mcp: ${error.message}\n`);
    if (message.id !== undefined) local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32000, message: String(error.message) } }).catch(() => {});
  });
};
remote.onmessage = (message) => void local.send(message).catch(() => {});
remote.onerror = (error) => process.stderr.write(`roomwire-mcp: ${error.message}\n`);
local.onclose = () => void remote.terminateSession().catch(() => {}).finally(() => remote.close());

Promise.all([remote.start(), local.start()]).catch((error) => fail(error.message));
