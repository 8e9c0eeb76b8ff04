/**
 * Layer and module boundaries, checked on every import in src/ (docs/architecture.md, "Layers
 * and allowed imports"): a lower layer never imports a higher one, and a module uses another
 * module only through its public API (`src/modules/<name>/index.ts`). Runs in `npm test`.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import {
  ALLOWED,
  check,
  entityOwners,
  entityViolations,
  importedNames,
  layerOf,
  specifiers,
  sqlTables,
  sqlTableViolations,
  SRC,
  tableOwners,
  tsFiles,
  valueExports,
  violations,
} from '../../support/import-graph';


describe('architecture boundaries', () => {
  it('no import in src/ breaks a layer or module boundary', () => {
    const found = violations().map((v) => `${v.file} imports ${v.imports}: ${v.rule}`);
    expect(found).toEqual([]);
  });

  it("one owner per table: no module's index.ts exports an entity class, no module imports another's entity", () => {
    expect(entityViolations()).toEqual([]);
  });

  it("one owner per table: no module's SQL names another module's table", () => {
    expect(sqlTableViolations()).toEqual([]);
    // The rule fires: proved on the real owners and on a sample.
    expect(tableOwners().get('conversation_members')).toBe('conversation');
    expect(tableOwners().get('messages')).toBe('message');
    expect(sqlTables('const q = `SELECT 1 FROM "messages" m JOIN conversation_members cm ON 1`; // FROM users\n/* UPDATE contacts */')).toEqual([
      'messages',
      'conversation_members',
    ]);
  });

  it('the entity rules fire (proved on the real sources and on samples)', () => {
    const owners = entityOwners();
    expect(owners.get('MessageEntity')).toBe('message');
    expect(owners.get('PollEntity')).toBe('poll');
    expect(valueExports(`export { A, type B } from './a';\nexport type { C } from './c';\nexport { D as E } from './d';`)).toEqual(['A', 'E']);
    expect(importedNames(`import { X, type Y as Z } from '../m';\nimport type { W } from "../n";`)).toEqual([
      { specifier: '../m', names: ['X', 'Y'] },
      { specifier: '../n', names: ['W'] },
    ]);
    // The message module no longer touches the conversation module's entities.
    expect(entityViolations().filter((f) => f.startsWith('modules/message/') && f.includes('of module conversation'))).toEqual([]);
  });

  it('the layers form a strict order (no two layers may import each other)', () => {
    for (const [layer, allowed] of Object.entries(ALLOWED)) {
      for (const lower of allowed) expect(`${lower} → ${layer}: ${ALLOWED[lower].includes(layer as never)}`).toBe(`${lower} → ${layer}: false`);
    }
  });

  it('core imports no feature module (and the protocol package nothing of the server)', () => {
    for (const core of ['transport', 'config', 'database', 'common', 'infra', 'protocol'] as const) {
      expect(ALLOWED[core]).not.toContain('modules');
      expect(ALLOWED[core]).not.toContain('app');
    }
    expect(ALLOWED.transport).not.toContain('config');
    expect(ALLOWED.transport).not.toContain('common');
    expect(ALLOWED.protocol).toEqual([]);
  });

  // The checks above would pass vacuously if the rules never fired: prove each kind does.
  it('flags a lower layer importing a higher one', () => {
    expect(check('transport/connection.ts', 'config/transport.config.ts')).toEqual([
      { file: 'transport/connection.ts', imports: 'config/transport.config.ts', rule: 'layer transport may not import layer config' },
    ]);
    expect(check('database/data-source.options.ts', 'modules/auth/auth.module.ts')[0].rule).toBe('layer database may not import layer modules');
    expect(check('modules/lifecycle/shutdown-signals.ts', 'bootstrap.ts')[0].rule).toBe('layer modules may not import layer app');
  });

  it("flags a module reaching into another module's internals, not its public API", () => {
    expect(check('modules/group/group.service.ts', 'modules/auth/users.service.ts')[0].rule).toBe(
      'module group reaches into module auth: import its public API (../auth) instead',
    );
    expect(check('modules/group/group.service.ts', 'modules/auth/index.ts')).toEqual([]);
    expect(check('modules/group/group.service.ts', 'modules/group/group.repository.ts')).toEqual([]);
  });

  it('one persistence style: repositories take the DataSource (@InjectDataSource), never @InjectRepository', () => {
    const sources = tsFiles(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')] as const);
    expect(sources.filter(([, s]) => /@Inject(?:Repository|EntityManager)\(/.test(s)).map(([f]) => f)).toEqual([]);
    expect(sources.filter(([f, s]) => f.endsWith('.repository.ts') && s.includes('@InjectDataSource()')).length).toBeGreaterThanOrEqual(8);
  });

  it('assigns files to layers', () => {
    expect(layerOf('shared/protocol/framing.ts')).toBe('protocol');
    expect(layerOf('modules/poll/poll.service.ts')).toBe('modules');
    expect(layerOf('app.features.ts')).toBe('app');
    expect(layerOf('cli/admin.ts')).toBe('app');
    expect(specifiers(`import a from './x';\nexport * from "../y";`)).toEqual(['./x', '../y']);
  });
});
