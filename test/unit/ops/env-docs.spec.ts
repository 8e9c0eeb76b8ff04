/**
 * Every configuration variable is documented: `.env.example` lists it with its current default,
 * and the README configuration table names it. `npm run env:docs` regenerates both.
 */
import { getMetadataStorage } from 'class-validator';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_NAMESPACES } from '../../../src/app.features';

const ROOT = path.resolve(__dirname, '../../..');

function variables(): { name: string; default: string }[] {
  const out = new Map<string, string>();
  for (const ns of CONFIG_NAMESPACES) {
    const defaults = new ns.schema() as Record<string, unknown>;
    for (const meta of getMetadataStorage().getTargetValidationMetadatas(
      ns.schema,
      '',
      true,
      false,
    )) {
      const value = defaults[meta.propertyName];
      if (!out.has(meta.propertyName))
        out.set(meta.propertyName, value === undefined ? '' : String(value));
    }
  }
  return [...out].map(([name, value]) => ({ name, default: value }));
}

describe('configuration documentation', () => {
  const vars = variables();

  it('finds the variables of every namespace', () => {
    expect(vars.map((v) => v.name)).toEqual(
      expect.arrayContaining([
        'TCP_PORT',
        'DATABASE_URL',
        'HTTP_PORT',
        'REDIS_URL',
        'LOG_LEVEL',
        'SHUTDOWN_TIMEOUT_MS',
      ]),
    );
  });

  it('.env.example lists every variable with its current default (run `npm run env:docs`)', () => {
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const listed = new Map<string, string>();
    for (const line of example.split('\n')) {
      const m = /^#?\s?([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) listed.set(m[1], m[2]);
    }
    const problems = vars
      .filter((v) => listed.get(v.name) !== v.default)
      .map((v) =>
        listed.has(v.name)
          ? `${v.name}: listed "${listed.get(v.name)}", default "${v.default}"`
          : `${v.name}: missing`,
      );
    expect(problems).toEqual([]);
  });

  it('the README configuration table names every variable', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf('<!-- env-table:start -->'),
      readme.indexOf('<!-- env-table:end -->'),
    );
    expect(vars.filter((v) => !table.includes(`| \`${v.name}\` |`)).map((v) => v.name)).toEqual([]);
  });
});
