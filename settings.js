// Node-RED settings for `npm start` (scripts/start.js). Every value a user may want to change
// comes from the environment, so that a fresh clone runs without editing this file:
//   PORT (1880), HOST (127.0.0.1), ROOMWIRE_DATA_DIR (<checkout>/data),
//   ROOMWIRE_DB (<data dir>/roomwire.sqlite), ROOMWIRE_CREDENTIAL_SECRET (generated file),
//   ROOMWIRE_PUBLIC_URL (the address providers reach this Node-RED at, through a tunnel or proxy),
//   ROOMWIRE_ADMIN_USER (admin), ROOMWIRE_ADMIN_PASSWORD or ROOMWIRE_ADMIN_PASSWORD_HASH (bcrypt).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
// This checkout's own package entry (`require('@roomwire/node-red')` from a user's settings.js).
const { rejectHostileBodies } = require('./dist/nodes/lib/index.js');
const { adminAuth } = require('./scripts/admin-auth.js');

const dataDir = path.resolve(process.env.ROOMWIRE_DATA_DIR || path.join(__dirname, 'data'));
fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });

// The roomwire-engine config node opens this file unless it names another one; flows can also
// refer to it as ${ROOMWIRE_DB}. Node-RED reads environment variables when a flow starts, so
// setting it here, before the runtime starts, is enough.
process.env.ROOMWIRE_DB = path.resolve(process.env.ROOMWIRE_DB || path.join(dataDir, 'roomwire.sqlite'));

// Node-RED encrypts flow credentials (provider tokens) with this key. A key made up on first start
// and kept beside the data is never committed and survives restarts; losing it loses the credentials.
function credentialSecret() {
  if (process.env.ROOMWIRE_CREDENTIAL_SECRET) return process.env.ROOMWIRE_CREDENTIAL_SECRET;
  const file = path.join(dataDir, 'credential-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const secret = crypto.randomBytes(32).toString('hex');
  // 'wx': never overwrite a key another process has just written.
  fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  return secret;
}

const uiHost = process.env.HOST || '127.0.0.1';

module.exports = {
  uiHost,
  uiPort: Number(process.env.PORT || 1880),
  // A login for the editor as soon as other machines can reach it (scripts/admin-auth.js); none on
  // loopback unless the environment sets a password. npm start also refuses admin requests
  // addressed to host names other than this Node-RED's own (scripts/admin-guard.js).
  adminAuth: adminAuth({ env: process.env, host: uiHost, dataDir, print: (text) => console.log(text) }),
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  // The editor's app is mounted at '/' ahead of the HTTP In app, and it parses every JSON and form
  // body it sees (@node-red/editor-api). Requests for /api/ skip it, unread: Roomwire's webhook
  // routes read the raw bytes (signatures cover them) and would otherwise wait for a body forever.
  httpAdminMiddleware: (req, res, next) => next(req.url.startsWith('/api/') ? 'router' : undefined),
  // Every `http in` route refuses bodies nested deeper than the engine accepts (64 levels) or
  // larger than it accepts (1 MB) before a flow sees them: a few kilobytes nested thousands of
  // levels deep would otherwise end the process in Node-RED's deep clone of the message.
  httpNodeMiddleware: rejectHostileBodies(),

  // Node-RED's own files (flows, credentials, context, user settings) stay apart from Roomwire's.
  userDir: path.join(dataDir, 'node-red'),
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: credentialSecret(),

  // A nodesDir that holds a package.json with a "node-red" section is loaded as that module
  // (@node-red/registry, localfilesystem.js): our nodes come from this checkout, and the module's
  // examples/ folder (the build's copy of flows/) appears under Import > Examples.
  nodesDir: __dirname,

  // Decided here so that the editor opens without the consent prompt and the welcome tour.
  // Nothing is sent to nodered.org; a user can still opt in under User Settings.
  telemetry: { enabled: false, updateNotification: false },
  // Projects (git-backed flows) stay off. An empty object, unlike `enabled: false` or no entry,
  // keeps them off without a startup warning (storage/localfilesystem/projects/index.js).
  editorTheme: { tours: false, projects: {} },

  logging: {
    console: { level: 'info', metrics: false, audit: false },
  },
};
