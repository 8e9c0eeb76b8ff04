import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { APP_FEATURES } from '../../../src/app.features';
import { ALL_COMMANDS } from '../../../src/shared/protocol/commands';
import { ErrorCodes } from '../../../src/shared/protocol/errors';
import { BUILTIN_CONTENT_TYPES } from '../../../src/shared/protocol/extensions';

// docs/protocol.md is what client authors read: it must list exactly what the code defines.
const doc = readFileSync(resolve(__dirname, '../../../docs/protocol.md'), 'utf8');

/** The text of one `## heading` section (other helpers append their own sections). */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`docs/protocol.md has no "## ${heading}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

/** `| \`name\` | a | b |` rows whose first cell is a backticked name → the remaining cells. */
function rows(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\| `([^`]+)` \|(.*)\|\s*$/.exec(line);
    if (m) out.set(m[1], m[2].split(' | ').map((c) => c.trim()));
  }
  return out;
}

const DIRECTION = { c2s: 'client → server', s2c: 'server → client', both: 'both' } as const;

describe('docs/protocol.md', () => {
  const errors = rows(section('Error codes'));
  const commands = rows(section('Commands'));
  const contentTypes = rows(section('Content types'));

  it.each(Object.entries(ErrorCodes))('documents error code %s with status %i', (code, status) => {
    expect(errors.get(code)?.[0]).toBe(String(status));
  });

  it.each(ALL_COMMANDS.map((c) => [c.name, c]))('documents command %s with its direction and kind', (_name, c) => {
    expect(commands.get(c.name)?.slice(0, 2)).toEqual([DIRECTION[c.direction], c.kind]);
  });

  it.each(BUILTIN_CONTENT_TYPES.map((d) => [d.type]))('documents built-in content type %s', (type) => {
    expect(contentTypes.has(type)).toBe(true);
  });

  it('documents no error code or command that does not exist', () => {
    expect([...errors.keys()].filter((k) => !(k in ErrorCodes))).toEqual([]);
    // Core and module commands: the table is generated from the app's registry (contract.spec.ts).
    const names = new Set(APP_FEATURES.commands.all().map((c) => c.name));
    // Rows naming a command (subsection tables list payload fields, which have no slash).
    expect([...commands.keys()].filter((k) => k.includes('/') && !names.has(k))).toEqual([]);
  });
});
