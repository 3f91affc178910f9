// `npm start`: Node-RED 4.1 with ../settings.js. Node-RED's own red.js runs in this process, so
// Ctrl-C (or a test's SIGTERM) reaches its handler, which stops the flows before exiting.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

if (process.argv.length > 2) {
  console.error('npm start takes no arguments: set PORT, HOST, ROOMWIRE_DATA_DIR... (see settings.js)');
  process.exit(2);
}

const { StartupRefusal, publicUrl } = require('./admin-auth');
const { guardAdminRequests } = require('./admin-guard');
const { armSigninLink, deskUrls, seedDemoAgent } = require('./demo-agent');

const settingsFile = path.join(__dirname, '..', 'settings.js');
// The same object red.js gets from the require cache, with the values it will run with.
const settings = loadSettings();

seedFlows();
const signinToken = armSigninLink(path.dirname(settings.userDir), process.env);
const redJs = require.resolve('node-red/red.js');
process.argv = [process.argv[0], redJs, '--settings', settingsFile];
require(redJs);
// red.js creates its HTTP server in a promise callback queued while it loaded; this one runs next,
// before the flows start and long before the server listens.
queueMicrotask(guardAdmin);
announceWhenListening();

function loadSettings() {
  try {
    return require(settingsFile);
  } catch (err) {
    if (!(err instanceof StartupRefusal)) throw err;
    console.error(`npm start: ${err.message}`);
    process.exit(1);
  }
}

function guardAdmin() {
  const RED = require('node-red');
  if (!RED.server) {
    // Fail closed: an editor without its guard must not listen.
    console.error('npm start: Node-RED created no HTTP server to guard; not starting');
    process.exit(1);
  }
  guardAdminRequests(RED.server, { nodeRoot: settings.httpNodeRoot, host: settings.uiHost, publicUrl: publicUrl(process.env) });
}

// First start: open the default flow (the support desk, with its demo agent) instead of an empty
// editor. ROOMWIRE_SEED_FLOW names another flow file (tests use it); an existing flows file is
// never touched.
function seedFlows() {
  const flowsFile = path.join(settings.userDir, settings.flowFile);
  if (fs.existsSync(flowsFile)) return;
  const seed = process.env.ROOMWIRE_SEED_FLOW
    ? path.resolve(process.env.ROOMWIRE_SEED_FLOW)
    : path.join(__dirname, '..', 'flows', 'support-desk.json');
  fs.mkdirSync(settings.userDir, { recursive: true });
  fs.copyFileSync(seed, flowsFile);
  const credentials = process.env.ROOMWIRE_SEED_FLOW ? {} : seedDemoAgent(path.dirname(settings.userDir), JSON.parse(fs.readFileSync(seed, 'utf8')));
  seedCredentials(flowsFile.replace(/\.json$/, '_cred.json'), credentials);
}

// Without a credentials file Node-RED warns "Encrypted credentials not found" on every start until
// a flow stores a credential. The encrypted set (empty, or the demo agent) in Node-RED's format (credentials.js:
// aes-256-ctr, key sha256(credentialSecret), hex IV + base64), is what it would write itself.
function seedCredentials(file, credentials) {
  if (fs.existsSync(file)) return;
  const key = crypto.createHash('sha256').update(settings.credentialSecret).digest();
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-ctr', key, iv);
  const encrypted = iv.toString('hex') + cipher.update(JSON.stringify(credentials), 'utf8', 'base64') + cipher.final('base64');
  fs.writeFileSync(file, JSON.stringify({ $: encrypted }), { mode: 0o600 });
}

// red.js hands its HTTP server to the runtime (RED.server) and listens once the flows are loaded.
// Waiting for that means the line is never printed for a server that failed to start.
function announceWhenListening() {
  const RED = require('node-red');
  const timer = setInterval(() => {
    const server = RED.server;
    if (!server || !server.listening) return;
    clearInterval(timer);
    const editor = editorUrl(server.address().port);
    RED.log.info(`Roomwire editor: ${editor}  database: ${process.env.ROOMWIRE_DB}`);
    const httpNodeUrl = new URL(`${settings.httpNodeRoot.replace(/\/+$/, '')}/`, editor).href;
    for (const line of deskUrls(path.join(settings.userDir, settings.flowFile), httpNodeUrl, signinToken)) RED.log.info(line);
  }, 100);
  timer.unref();
}

function editorUrl(port) {
  const host = { '0.0.0.0': '127.0.0.1', '::': 'localhost' }[settings.uiHost] || settings.uiHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${settings.httpAdminRoot}`;
}
