// Removes build output before every build: tsc -b never deletes the output of a source file that
// was removed or moved, and a stale runtime/dist/identity.js once shadowed runtime/dist/identity/.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
for (const target of ['dist', 'examples', 'runtime/dist', 'tsconfig.tsbuildinfo', 'tsconfig.nodes.tsbuildinfo', 'runtime/tsconfig.tsbuildinfo']) {
  fs.rmSync(path.join(root, target), { recursive: true, force: true });
}
