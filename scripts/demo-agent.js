// The demo agent of the default flow (flows/support-desk.json), for `npm start`:
// - at first start, a password made up for it (never one fixed in the repository), kept in
//   <data dir>/demo-agent.json (mode 600) so its owner can sign in again, and its bcrypt hash
//   seeded into the engine node's credentials (agentUser1 / agentPassword1);
// - at every start, a one-time sign-in link (ROOMWIRE_INBOX_SIGNIN, read by the inbox), printed
//   with the chat page's address next to the editor's.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const bcrypt = require('bcryptjs');

const DEMO_USER = 'demo';

function demoFile(dataDir) {
  return path.join(dataDir, 'demo-agent.json');
}

/** Credentials for the seed flow's engine node: the demo agent, with a new password. */
function seedDemoAgent(dataDir, flows) {
  const engine = flows.find((node) => node.type === 'roomwire-engine');
  if (!engine) return {};
  const password = crypto.randomBytes(18).toString('base64url');
  fs.writeFileSync(demoFile(dataDir), JSON.stringify({ user: DEMO_USER, password }, null, 2) + '\n', { mode: 0o600 });
  return { [engine.id]: { agentUser1: DEMO_USER, agentPassword1: bcrypt.hashSync(password, 10) } };
}

/** Arms a one-time sign-in link for the demo agent, if this data dir has one; returns its token. */
function armSigninLink(dataDir, env) {
  if (!fs.existsSync(demoFile(dataDir))) return undefined;
  const token = crypto.randomBytes(32).toString('base64url');
  env.ROOMWIRE_INBOX_SIGNIN = `${DEMO_USER}:${token}`;
  return token;
}

/** The chat page and inbox addresses of the running flows: the first web chat channel and engine. */
function deskUrls(flowsFile, httpNodeUrl, signinToken) {
  let flows;
  try {
    flows = JSON.parse(fs.readFileSync(flowsFile, 'utf8'));
  } catch {
    return [];
  }
  const engine = flows.find((node) => node.type === 'roomwire-engine');
  const chat = flows.find((node) => node.type === 'roomwire-channel' && node.provider === 'webchat');
  const lines = [];
  if (chat) lines.push(`Customer chat page: ${httpNodeUrl}roomwire/chat?channel=${encodeURIComponent(chat.channelId || chat.id)}`);
  if (engine && signinToken) {
    const prefix = String(engine.httpPrefix || '/roomwire').replace(/^\/+|\/+$/g, '');
    lines.push(`Agent inbox (signs in as ${DEMO_USER}, once): ${httpNodeUrl}${prefix}/inbox/signin?token=${signinToken}`);
  }
  return lines;
}

module.exports = { seedDemoAgent, armSigninLink, deskUrls, DEMO_USER };
