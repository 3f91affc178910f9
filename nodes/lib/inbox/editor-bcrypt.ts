// The editor hashes an agent's new password in the browser (resources/roomwire-agent-accounts.js),
// so the plain password never reaches the runtime or the credentials file. It needs bcryptjs, the
// same library the runtime compares with (its UMD build, the package's CommonJS entry), served here.
import { readFileSync } from 'node:fs';
import type { NodeAPI } from 'node-red';

export const EDITOR_BCRYPT_PATH = '/roomwire/bcrypt.js';

export function serveEditorBcrypt(RED: NodeAPI): void {
  let script: string | undefined;
  RED.httpAdmin.get(EDITOR_BCRYPT_PATH, (_req, res) => {
    // Local `define`, `exports` and `module` keep the UMD bundle off the editor's AMD loader
    // (Monaco's): it sets `window.bcrypt`.
    script ??= `(function (define, exports, module) {\n${readFileSync(require.resolve('bcryptjs'), 'utf8')}\n})();\n`;
    res.type('text/javascript').set('cache-control', 'public, max-age=3600').send(script);
  });
}
