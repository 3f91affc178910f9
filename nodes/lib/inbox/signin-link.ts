// A one-time sign-in link for the demo agent: `npm start` (scripts/start.js) makes up a token at
// every start and passes it as ROOMWIRE_INBOX_SIGNIN=<user>:<token>, and prints the link. The link
// signs that agent in once; afterwards (or after a restart) it is refused and the password applies.
import { sameSecret } from './sessions';

export const SIGNIN_ENV = 'ROOMWIRE_INBOX_SIGNIN';

// Per process, not per engine node: a redeploy must not make a used link valid again.
const used = new Set<string>();

/** The agent the link signs in, or undefined when the token is wrong or was used. */
export function consumeSigninToken(presented: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env[SIGNIN_ENV] ?? '';
  const colon = configured.indexOf(':');
  if (colon < 1 || !presented) return undefined;
  const user = configured.slice(0, colon);
  const expected = configured.slice(colon + 1);
  if (expected.length < 32 || used.has(expected) || !sameSecret(presented, expected)) return undefined;
  used.add(expected);
  return user;
}
