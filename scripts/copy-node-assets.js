// Node-RED loads a node's editor file from `<name>.html` beside its compiled `<name>.js`,
// and icons/locales from folders beside them; tsc only emits .js, so copy the rest.
'use strict';
const fs = require('fs');
const path = require('path');

const source = path.join(__dirname, '..', 'nodes');
const target = path.join(__dirname, '..', 'dist', 'nodes');

function copyTree(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyTree(src, dst);
    } else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

if (fs.existsSync(source)) copyTree(source, target);
