import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSchemas } from '../../../src/shared/protocol/schemas/generate';

// Message files written as plain JS (decorators applied by hand) so they load from a temp dir.
const cv = JSON.stringify(require.resolve('class-validator'));
const ct = JSON.stringify(require.resolve('class-transformer'));

function messageFile(body: string): string {
  return `const v = require(${cv});\nconst t = require(${ct});\n${body}\n`;
}

describe('schema generator', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-schemas-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('discovers every <domain>.messages file and pulls referenced classes from other domains', () => {
    writeFileSync(
      join(dir, 'alpha.messages.js'),
      messageFile(`
        class AlphaTarget {}
        v.IsString()(AlphaTarget.prototype, 'id');
        class AlphaRequest {}
        v.IsInt()(AlphaRequest.prototype, 'count');
        v.IsOptional()(AlphaRequest.prototype, 'tags');
        v.IsArray()(AlphaRequest.prototype, 'tags');
        class Custom { validate() { return true; } }
        v.Validate(Custom)(AlphaRequest.prototype, 'blob');
        Reflect.defineMetadata('design:type', Object, AlphaRequest.prototype, 'blob');
        v.Validate(Custom)(AlphaRequest.prototype, 'list');
        Reflect.defineMetadata('design:type', Array, AlphaRequest.prototype, 'list');
        exports.AlphaTarget = AlphaTarget;
        exports.AlphaRequest = AlphaRequest;
        exports.NOT_A_CLASS = ['x'];`),
    );
    writeFileSync(
      join(dir, 'beta.messages.js'),
      messageFile(`
        const { AlphaTarget } = require('./alpha.messages.js');
        class BetaRequest {}
        v.ValidateNested()(BetaRequest.prototype, 'target');
        t.Type(() => AlphaTarget)(BetaRequest.prototype, 'target');
        exports.BetaRequest = BetaRequest;
        exports.AlphaTarget = AlphaTarget; // a re-export stays defined in its own domain`),
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored');

    const files = generateSchemas(dir) as Record<string, { definitions: Record<string, any> }>;
    expect(Object.keys(files)).toEqual(['alpha.json', 'beta.json']);
    expect(Object.keys(files['alpha.json'].definitions)).toEqual(['AlphaRequest', 'AlphaTarget']);
    expect(files['alpha.json'].definitions.AlphaRequest.properties.count).toEqual({ type: 'integer' });
    // Custom validators on record/array properties must not produce dangling $refs.
    expect(files['alpha.json'].definitions.AlphaRequest.properties.blob).toEqual({});
    expect(files['alpha.json'].definitions.AlphaRequest.properties.list).toEqual({ type: 'array' });
    expect(Object.keys(files['beta.json'].definitions)).toEqual(['AlphaTarget', 'BetaRequest']);
    expect(files['beta.json'].definitions.BetaRequest.properties.target.$ref).toBe('#/definitions/AlphaTarget');
    expect(files['beta.json']).toMatchObject({ $id: 'switchboard/beta.json', title: 'Switchboard protocol: beta payloads' });
  });

  it('refuses two different classes with the same name (schemas are keyed by class name)', () => {
    for (const domain of ['one', 'two']) {
      writeFileSync(
        join(dir, `${domain}.messages.js`),
        messageFile(`class Dup {}\nv.IsString()(Dup.prototype, 'x');\nexports.Dup = Dup;`),
      );
    }
    expect(() => generateSchemas(dir)).toThrow(/two different DTO classes are named Dup \(one and two\)/);
  });
});
