// Node-RED lists a module's example flows from the `examples/` folder beside its package.json
// (@node-red/registry, localfilesystem.js). flows/ stays the one place they are edited; this copy
// is real files, which `npm pack` ships (it drops symlinks) and `npm start` loads the same way.
'use strict';
const fs = require('fs');
const path = require('path');

const source = path.join(__dirname, '..', 'flows');
const target = path.join(__dirname, '..', 'examples');

fs.cpSync(source, target, { recursive: true });
