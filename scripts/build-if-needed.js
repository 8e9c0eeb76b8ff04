#!/usr/bin/env node
// `npm start` builds when dist/ is missing or older than any source file, so a fresh clone can
// run `npm ci && npm start` directly.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist/src/main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

// A runtime image ships dist/ without the sources (and without TypeScript): nothing to build.
if (fs.existsSync(entry) && !fs.existsSync(path.join(root, 'src'))) process.exit(0);

const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
const sources = Math.max(newestMtime(path.join(root, 'src')), fs.statSync(path.join(root, 'tsconfig.build.json')).mtimeMs);
if (built < sources) {
  console.error('switchboard: building (dist/ is missing or stale)...');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

// The web client's SDK bundle (served at /app with WEB_APP=on): esbuild, well under a second.
const bundle = path.join(root, 'dist/browser/switchboard.js');
if (!fs.existsSync(bundle) || fs.statSync(bundle).mtimeMs < newestMtime(path.join(root, 'src'))) {
  execFileSync(process.execPath, [path.join(root, 'scripts/build-browser.js'), '--minify'], { cwd: root, stdio: 'inherit' });
}
