// Who may open the editor and use the admin API under `npm start` (settings.js `adminAuth`).
// The editor can deploy a flow that runs any code, so it needs a login as soon as other machines
// can reach it: when HOST is not a loopback address, or when ROOMWIRE_PUBLIC_URL says a tunnel or
// a public address leads here. On loopback with neither, the first start stays as it was: no login.
//
// The login comes from the environment (ROOMWIRE_ADMIN_USER, and ROOMWIRE_ADMIN_PASSWORD or the
// bcrypt hash ROOMWIRE_ADMIN_PASSWORD_HASH), or else is made up on the first exposed start: the
// password is printed once and only its bcrypt hash is kept, in <data dir>/admin-auth.json.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const AUTH_FILE = 'admin-auth.json';
const DEFAULT_USER = 'admin';
// What node-red-admin's hash-pw and Node-RED's own login accept: $2a$, $2b$ or $2y$, cost, 53 chars.
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** A start-up refusal: `npm start` prints the message and exits without listening. */
class StartupRefusal extends Error {}

function isLoopback(host) {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The public base URL (ROOMWIRE_PUBLIC_URL), checked; undefined when unset. */
function publicUrl(env) {
  const value = (env.ROOMWIRE_PUBLIC_URL || '').trim();
  if (!value) return undefined;
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new StartupRefusal(`ROOMWIRE_PUBLIC_URL ${JSON.stringify(value)} is not a URL (for example https://rooms.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StartupRefusal(`ROOMWIRE_PUBLIC_URL ${JSON.stringify(value)} must start with https:// or http://`);
  }
  return url;
}

/** Whether other machines can reach the editor: HOST is not loopback, or a public URL leads here. */
function isExposed(host, env) {
  return !isLoopback(host) || publicUrl(env) !== undefined;
}

function bcrypt() {
  // Node-RED checks passwords with bcryptjs (or @node-rs/bcrypt); hash with what it ships.
  const nodeRed = path.dirname(require.resolve('node-red/package.json'));
  return require(require.resolve('bcryptjs', { paths: [nodeRed] }));
}

/** The one admin user, from the environment; undefined when no password is set there. */
function userFromEnvironment(env) {
  const username = (env.ROOMWIRE_ADMIN_USER || '').trim() || DEFAULT_USER;
  const password = env.ROOMWIRE_ADMIN_PASSWORD;
  const hash = (env.ROOMWIRE_ADMIN_PASSWORD_HASH || '').trim();
  if (password && hash) throw new StartupRefusal('set ROOMWIRE_ADMIN_PASSWORD or ROOMWIRE_ADMIN_PASSWORD_HASH, not both');
  if (hash) {
    if (!BCRYPT_HASH.test(hash)) throw new StartupRefusal('ROOMWIRE_ADMIN_PASSWORD_HASH is not a bcrypt hash (make one with: npx node-red admin hash-pw)');
    return { username, passwordHash: hash };
  }
  if (password) return { username, passwordHash: bcrypt().hashSync(password, 10) };
  return undefined;
}

/** The user kept from an earlier first start, or a new one whose password is printed once. */
function storedOrNewUser(env, dataDir, print) {
  const file = path.join(dataDir, AUTH_FILE);
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof stored.username !== 'string' || !BCRYPT_HASH.test(stored.passwordHash)) throw new Error('no username and bcrypt passwordHash');
    return stored;
  } catch (err) {
    if (err.code !== 'ENOENT') throw new StartupRefusal(`${file} cannot be used (${err.message}): delete it to make a new password`);
  }
  const username = (env.ROOMWIRE_ADMIN_USER || '').trim() || DEFAULT_USER;
  const password = crypto.randomBytes(18).toString('base64url');
  const user = { username, passwordHash: bcrypt().hashSync(password, 10) };
  try {
    // 'wx': never overwrite a login another process has just written.
    fs.writeFileSync(file, `${JSON.stringify(user, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new StartupRefusal(`cannot keep the editor's login in ${file} (${err.message})`);
  }
  print(
    [
      'The editor can be reached from other machines, so it requires a login. Made up on this first start:',
      `  user:     ${username}`,
      `  password: ${password}`,
      `This password is shown only now; ${file} keeps its bcrypt hash (delete the file for a new one).`,
    ].join('\n'),
  );
  return user;
}

/**
 * settings.js `adminAuth` for this start: undefined (no login) on loopback without a public URL
 * and without a password in the environment; otherwise one user with every permission.
 */
function adminAuth({ env, host, dataDir, print }) {
  const user = userFromEnvironment(env) || (isExposed(host, env) ? storedOrNewUser(env, dataDir, print) : undefined);
  if (!user) return undefined;
  return { type: 'credentials', users: [{ username: user.username, password: user.passwordHash, permissions: '*' }] };
}

module.exports = { adminAuth, isExposed, isLoopback, publicUrl, StartupRefusal, AUTH_FILE };
