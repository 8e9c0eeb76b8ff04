/**
 * `npm run schemas`: regenerates src/shared/protocol/schemas/*.json from the payload DTOs.
 * Runs from the compiled tree (dist/scripts/generate-schemas.js) because the project has no
 * TypeScript runner; it writes into the SOURCE tree, where the schemas are committed.
 */
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSchemas, serializeSchema } from '../src/shared/protocol/schemas/generate';

const outDir = resolve(__dirname, '..', '..', 'src', 'shared', 'protocol', 'schemas');
const files = generateSchemas();
for (const [name, schema] of Object.entries(files)) {
  writeFileSync(join(outDir, name), serializeSchema(schema));
  console.log(`wrote ${join('src/shared/protocol/schemas', name)}`);
}
// A domain whose DTO file was removed must not leave a stale schema behind.
for (const name of readdirSync(outDir)) {
  if (name.endsWith('.json') && !(name in files)) {
    unlinkSync(join(outDir, name));
    console.log(`removed stale ${name}`);
  }
}
