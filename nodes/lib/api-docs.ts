// The API docs page: Swagger UI from its npm package (served from here, no CDN) reading the
// engine's OpenAPI document beside it. `<prefix>/api/docs` is the page, `<prefix>/api/docs/<file>`
// its assets; both are public, as the document is (it holds no data; every call needs a token).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Asset name → content type. A Map: a name from the URL such as `constructor` must not find an inherited property. */
const ASSETS = new Map<string, string>([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['swagger-ui-standalone-preset.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['init.js', 'text/javascript; charset=utf-8'],
]);

// Relative URLs: the page lives at <prefix>/api/docs, so `docs/…` and `openapi.json` resolve
// beside it whatever Node-RED's httpNodeRoot is.
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Roomwire API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/swagger-ui-standalone-preset.js"></script>
  <script src="docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', window.location.href).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

const distDir = () => path.dirname(require.resolve('swagger-ui-dist/package.json'));

export async function serveApiDocs(req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse): Promise<void> {
  const file = req.params?.file;
  if (!file) return send(res, 200, 'text/html; charset=utf-8', PAGE);
  const type = ASSETS.get(file);
  if (!type) return send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ error: { code: 'not_found', message: `no docs asset ${JSON.stringify(file)}`, field: 'path' } }));
  if (file === 'init.js') return send(res, 200, type, INIT);
  res.setHeader('cache-control', 'public, max-age=3600');
  send(res, 200, type, await readFile(path.join(distDir(), file)));
}
