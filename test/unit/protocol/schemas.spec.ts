import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateSchemas,
  JsonSchema,
  serializeSchema,
} from '../../../src/shared/protocol/schemas/generate';

const SCHEMA_DIR = join(__dirname, '../../../src/shared/protocol/schemas');

describe('committed JSON Schemas', () => {
  const generated = generateSchemas();

  it('one file per messages/<domain>.messages.ts, envelope as base.json', () => {
    const domains = readdirSync(join(SCHEMA_DIR, '../messages'))
      .filter((f) => f.endsWith('.messages.ts'))
      .map((f) => f.replace('.messages.ts', ''))
      .map((d) => (d === 'envelope' ? 'base' : d));
    expect(Object.keys(generated).sort()).toEqual(domains.map((d) => `${d}.json`).sort());
  });

  it('match what the DTOs generate (run `npm run schemas` after changing a DTO)', () => {
    // commands.json is generated from the command declarations (test/unit/protocol/contract.spec.ts).
    const committed = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json') && f !== 'commands.json').sort();
    expect(committed).toEqual(Object.keys(generated).sort());
    for (const name of committed) {
      const onDisk = readFileSync(join(SCHEMA_DIR, name), 'utf8');
      // toEqual on the text gives a readable diff of what changed.
      expect({ file: name, text: onDisk }).toEqual({ file: name, text: serializeSchema(generated[name]) });
    }
  });

  it('base.json describes the envelope with nested headers', () => {
    const base = generated['base.json'] as JsonSchema & { definitions: Record<string, any> };
    expect(base.$ref).toBe('#/definitions/EnvelopeDto');
    const envelope = base.definitions.EnvelopeDto;
    expect(envelope.required.sort()).toEqual(['command', 'id']);
    expect(envelope.properties.type.enum).toEqual(['request', 'response', 'event']);
    expect(envelope.properties.id.maxLength).toBe(128);
    expect(envelope.properties.headers.$ref).toBe('#/definitions/HeadersDto');
    expect(base.definitions.HeadersDto.additionalProperties).toBe(true);
    expect(base.definitions.ErrorPayloadDto.required.sort()).toEqual(['error_code', 'error_message', 'status']);
  });

  it('file.json is self-contained: every $ref resolves inside the file', () => {
    for (const [name, schema] of Object.entries(generated)) {
      const text = JSON.stringify(schema);
      const refs = [...text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)].map((m) => m[1]);
      const defs = (schema as { definitions: Record<string, unknown> }).definitions;
      for (const ref of refs) expect({ file: name, ref, found: ref in defs }).toEqual({ file: name, ref, found: true });
    }
    const file = generated['file.json'] as { definitions: Record<string, any> };
    // Upload fields are required unless direction is "download" (then file_id is).
    expect(file.definitions.FileRequestDto.else.required.sort()).toEqual(['file_name', 'file_size', 'hash', 'target']);
    expect(file.definitions.FileRequestDto.then.required).toEqual(['file_id']);
    expect(file.definitions.FileRequestDto.properties.target.$ref).toBe('#/definitions/FileTargetDto');
    expect(file.definitions.FileAcceptDto.properties.mode.enum).toEqual(['passive', 'active']);
    // Inherited fields appear in subclasses.
    expect(file.definitions.FileAcceptDto.required).toContain('status');
  });
});
