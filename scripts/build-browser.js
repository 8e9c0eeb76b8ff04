#!/usr/bin/env node
// The browser SDK bundle (docs/client.md "In the browser"): src/client/browser/index.ts → one ESM
// file, dist/browser/switchboard.js, with no Node built-in left in it. `events` and `crypto` are
// mapped to small browser implementations (scripts/browser-shims/); the Node-only modules the SDK
// imports for TCP, disk files and direct transfers are mapped to a stub that throws if reached,
// and the payload classes' validation decorators (server-side) to no-ops.
// The build fails if the output still refers to a Node built-in.
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const shims = path.join(__dirname, 'browser-shims');
const outfile = path.join(root, 'dist/browser/switchboard.js');
const NODE_ONLY = /^(node:)?(net|tls|fs|fs\/promises|os|path|stream|stream\/promises|child_process|http|https|zlib|util|timers\/promises|buffer)$|^ws$/;

const VALIDATION = /^(class-validator|class-transformer|class-validator-jsonschema|reflect-metadata)(\/.*)?$/;

const shimPlugin = {
  name: 'browser-shims',
  setup(build) {
    build.onResolve({ filter: /^(node:)?events$/ }, () => ({ path: path.join(shims, 'events.cjs') }));
    build.onResolve({ filter: /^(node:)?crypto$/ }, () => ({ path: path.join(shims, 'crypto.cjs') }));
    build.onResolve({ filter: NODE_ONLY }, () => ({ path: path.join(shims, 'unavailable.cjs') }));
    build.onResolve({ filter: VALIDATION }, () => ({ path: path.join(shims, 'decorators.cjs') }));
  },
};

async function main() {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src/client/browser/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    outfile,
    sourcemap: true,
    minify: process.argv.includes('--minify'),
    plugins: [shimPlugin],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const code = fs.readFileSync(outfile, 'utf8');
  const leaks = code.match(/(?<![.\w])require\(["'](node:)?[a-z_/]+["']\)|from ["']node:[a-z_/]+["']/g);
  if (leaks) throw new Error(`the browser bundle still refers to Node modules: ${[...new Set(leaks)].join(', ')}`);
  const inputs = Object.keys(result.metafile.inputs).length;
  console.log(`browser SDK: ${path.relative(root, outfile)} (${(code.length / 1024).toFixed(0)} KiB, ${inputs} inputs, no Node built-ins)`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
