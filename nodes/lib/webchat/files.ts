// The chat page and widget files, served from the package's resources/webchat/ (plain HTML, CSS
// and JS: nothing for users to build). Read once, kept in memory; they are a few kilobytes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * URL name (under <httpNodeRoot>/roomwire/) → file in resources/webchat/. A Map, not an object
 * literal: a name from the URL such as `constructor` must not find an inherited property.
 */
const CHAT_FILES = new Map<string, string>([
  ['chat', 'chat.html'],
  ['chat.js', 'widget.js'],
  ['chat-page.js', 'chat-page.js'],
  ['chat-render.js', 'chat-render.js'],
  ['chat.css', 'chat.css'],
]);

function resourcesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'resources', 'webchat');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`resources/webchat not found above ${__dirname}`);
  }
}

const cache = new Map<string, { type: string; body: Buffer }>();

export function chatFile(name: string): { type: string; body: Buffer } | undefined {
  const file = CHAT_FILES.get(name);
  if (!file) return undefined;
  let entry = cache.get(file);
  if (!entry) {
    entry = { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(path.join(resourcesDir(), file)) };
    cache.set(file, entry);
  }
  return entry;
}
