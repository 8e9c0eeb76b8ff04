#!/usr/bin/env node
// `npm run schemas`: regenerates src/shared/protocol/schemas/*.json from the payload DTOs.
//
// The TypeScript sources are compiled on the fly with swc using the SAME options as jest
// (jest.config.js), because decorator metadata drives the generated schemas: the staleness test
// (test/unit/protocol/schemas.spec.ts) then regenerates byte-identical output. It also means the
// schemas can be regenerated without a clean `tsc` build of the whole project.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const jestConfig = require(path.join(root, 'jest.config.js'));
const swcOptions = Object.values(jestConfig.transform).find((t) => Array.isArray(t) && t[0] === '@swc/jest')[1];

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...swcOptions, filename, sourceMaps: 'inline', swcrc: false });
  module._compile(code, filename);
};

const { generateSchemas, serializeSchema } = require(path.join(root, 'src/shared/protocol/schemas/generate.ts'));

const outDir = path.join(root, 'src/shared/protocol/schemas');
const files = generateSchemas();
for (const [name, schema] of Object.entries(files)) {
  const target = path.join(outDir, name);
  const text = serializeSchema(schema);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (before !== text) fs.writeFileSync(target, text);
  console.log(`${before === text ? 'unchanged' : 'wrote    '} src/shared/protocol/schemas/${name}`);
}
// A domain whose DTO file was removed must not leave a stale schema behind.
for (const name of fs.readdirSync(outDir)) {
  if (name.endsWith('.json') && !(name in files) && name !== 'commands.json') {
    fs.unlinkSync(path.join(outDir, name));
    console.log(`removed   src/shared/protocol/schemas/${name}`);
  }
}

// The contract files generated from the command declarations (core and module commands alike):
// commands.json, docs/asyncapi.yaml, the command table of docs/protocol.md and the SDK's types.
const { contractFiles } = require(path.join(root, 'src/cli/contract/contract-files.ts'));
for (const [relative, text] of Object.entries(contractFiles(root))) {
  const target = path.join(root, relative);
  const before = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (before !== text) fs.writeFileSync(target, text);
  console.log(`${before === text ? 'unchanged' : 'wrote    '} ${relative}`);
}
