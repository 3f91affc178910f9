// The key that signs web chat join tokens must outlive a restart (a page resumes its chat with the
// token it holds). $ROOMWIRE_CHAT_SECRET when set; otherwise a random key made on first start and
// kept in the user directory, readable by its owner only (like the generated admin password).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeAPI } from 'node-red';

export const CHAT_SECRET_FILE = 'roomwire-chat.key';

export function chatTokenSecret(RED: NodeAPI): string {
  if (process.env.ROOMWIRE_CHAT_SECRET) return process.env.ROOMWIRE_CHAT_SECRET;
  const file = path.join(RED.settings.userDir ?? process.cwd(), CHAT_SECRET_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    // `wx`: two engines starting at once never overwrite each other's key.
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return readFileSync(file, 'utf8').trim();
    }
  }
}
