/**
 * The contract files generated from the command declarations (`npm run schemas`): committed and
 * fresh (a stale one fails here), the AsyncAPI document valid for the official AsyncAPI parser,
 * every declared command — core and module — present in the schemas, the AsyncAPI document, the
 * command table of docs/protocol.md and the SDK's types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type ParseOutput } from '@asyncapi/parser';
import { APP_FEATURES } from '../../../src/app.features';
import { componentId } from '../../../src/cli/contract/asyncapi-document';
import { contractFiles } from '../../../src/cli/contract/contract-files';
import type { RequestOf, ResponseOf } from '../../../src/shared/protocol/api';

const ROOT = join(__dirname, '../../..');
const registry = APP_FEATURES.commands;
const files = contractFiles(ROOT);

// Parsing the document with its ruleset takes seconds: once for every test below.
jest.setTimeout(60_000);
let parsed: ParseOutput;
beforeAll(async () => {
  parsed = await new Parser().parse(files['docs/asyncapi.yaml']);
});

describe('generated contract files', () => {
  it.each(Object.keys(files))('%s is up to date (run `npm run schemas`)', (relative) => {
    const onDisk = readFileSync(join(ROOT, relative), 'utf8');
    // toEqual on the text gives a readable diff of what changed.
    expect({ file: relative, text: onDisk }).toEqual({ file: relative, text: files[relative] });
  });

  it('docs/asyncapi.yaml is a valid AsyncAPI 3.0 document for the official parser', () => {
    const { document, diagnostics } = parsed;
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document!.channels().all().map((c) => c.id()).sort()).toEqual(['control', 'files']);
    expect(document!.securitySchemes().all().map((s) => s.id()).sort()).toEqual(['bearer', 'payloadEncryption', 'signature', 'tls']);
  });

  it('every declared command is in the AsyncAPI document, the schemas, the command table and the SDK types', () => {
    const { document } = parsed;
    const operations = new Set(document!.operations().all().map((o) => o.id()));
    const schemas = JSON.parse(files['src/shared/protocol/schemas/commands.json']) as { commands: Record<string, { request?: unknown; response?: unknown; event?: unknown }> };
    for (const d of registry.all()) {
      const id = componentId(d.name);
      if (d.direction !== 's2c') expect({ command: d.name, receive: operations.has(`${id}.receive`) }).toEqual({ command: d.name, receive: true });
      if (d.direction !== 'c2s') expect({ command: d.name, send: operations.has(`${id}.send`) }).toEqual({ command: d.name, send: true });
      expect(schemas.commands[d.name]).toBeDefined();
      if (d.request) expect(schemas.commands[d.name].request).toEqual({ $ref: `#/definitions/${d.request.name}` });
      expect(files['docs/protocol.md']).toContain(`| \`${d.name}\` |`);
      expect(files['src/shared/protocol/command-types.generated.ts']).toContain(`  ${JSON.stringify(d.name)}: {`);
    }
  });

  it('a module command is typed in the SDK from its declaration (compile-time check)', () => {
    // These lines only compile if the generated types map poll/create's payloads.
    const request: RequestOf<'poll/create'> = { conversation_id: 'g-1', question: 'Q?', options: ['a', 'b'] };
    const response = { status: 200, poll: { poll_id: 'p-1', conversation_id: 'g-1', creator_id: 'u-1', question: 'Q?', options: ['a', 'b'], votes: [0, 0], created_at: 1 } } satisfies ResponseOf<'poll/create'>;
    const votes: number[] = response.poll.votes;
    // @ts-expect-error options must be a string array
    const wrong: RequestOf<'poll/create'> = { conversation_id: 'g-1', question: 'Q?', options: 3 };
    expect([request.options, votes, wrong]).toHaveLength(3);
  });
});
