// The editor and the admin API answer only requests addressed to this Node-RED by a name it knows.
// A web page elsewhere must not drive them: with DNS rebinding its requests reach 127.0.0.1 with
// the page's own host name in `Host`, and cross-origin requests carry the page's `Origin` (Node-RED
// answers every admin preflight with `Access-Control-Allow-Origin: *` before any settings.js
// middleware runs). The known names: localhost, 127.0.0.1 and [::1], HOST when it is one address,
// and the host of ROOMWIRE_PUBLIC_URL. Routes under the HTTP node root (webhooks, REST) answer
// any name: providers reach them through tunnels and proxies.
//
// The guard sits in front of Node-RED's own request handler on the HTTP server, so it runs before
// Express and before Node-RED's CORS handler, and on WebSocket upgrades (the editor's comms) too.
'use strict';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** `host[:port]` as browsers write it in `Host` and `Origin`: lower case, IPv6 in brackets. */
function hostWithPort(host, port) {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${name}:${port}`.toLowerCase();
}

/** The `Host` values the admin side answers, for the port the server listens on. */
function allowedHosts({ host, port, publicUrl }) {
  const allowed = new Set(['localhost', '127.0.0.1', '[::1]'].map((name) => hostWithPort(name, port)));
  if (!WILDCARD_HOSTS.has(host)) allowed.add(hostWithPort(host, port));
  if (publicUrl) {
    // URL.host leaves the scheme's default port out, as browsers do in `Host`.
    allowed.add(publicUrl.host.toLowerCase());
    allowed.add(hostWithPort(publicUrl.hostname, publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80)));
  }
  return allowed;
}

/** Why an admin request must be refused, or null. */
function refusal(req, allowed) {
  const host = String(req.headers.host || '').toLowerCase();
  if (!allowed.has(host)) return `the editor does not answer to the host name ${JSON.stringify(host)}`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let originHost;
  try {
    const url = new URL(origin);
    originHost = url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || !allowed.has(originHost)) return `the editor does not answer pages from ${JSON.stringify(origin)}`;
  return null;
}

/**
 * Puts the guard in front of `server`'s request handlers. `nodeRoot` is settings.js httpNodeRoot,
 * `host` its uiHost, `publicUrl` ROOMWIRE_PUBLIC_URL (a URL) or undefined. The port is read from
 * the server once it listens (PORT may be 0).
 */
function guardAdminRequests(server, { nodeRoot, host, publicUrl }) {
  const root = `/${String(nodeRoot).replace(/^\/+|\/+$/g, '')}`.toLowerCase();
  // Express matches mount paths case-insensitively: so does this.
  const isNodeRoute = (url) => {
    const path = String(url || '').split('?')[0].toLowerCase();
    return root !== '/' && (path === root || path.startsWith(`${root}/`));
  };
  let allowed;
  const allowedNow = () => (allowed ??= allowedHosts({ host, port: server.address().port, publicUrl }));
  const refuse = (req) => (isNodeRoute(req.url) ? null : refusal(req, allowedNow()));

  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const why = refuse(req);
    if (why) {
      const body = JSON.stringify({ error: { code: 'forbidden', message: why } });
      res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    for (const handler of handlers) handler.call(server, req, res);
  });
  // Upgrade handlers (the editor's comms) register later, so this one goes first; the ws library
  // leaves a socket that is already closing alone.
  server.prependListener('upgrade', (req, socket) => {
    if (refuse(req)) socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
}

module.exports = { guardAdminRequests, allowedHosts };
