/**
 * The import graph of src/, for the architecture spec: which layer every file belongs to, which
 * files it imports (relative specifiers resolved to src-relative paths), and the rules those
 * imports must follow (docs/architecture.md, "Layers and allowed imports").
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const SRC = resolve(__dirname, '../../src');

export type Layer = 'protocol' | 'client' | 'infra' | 'config' | 'transport' | 'common' | 'database' | 'modules' | 'app';

/**
 * What each layer may import (besides itself and npm packages). Lower layers never import higher
 * ones; `app` (main, bootstrap, AppModule, the feature list, the admin CLI) is the composition root.
 */
export const ALLOWED: Record<Layer, readonly Layer[]> = {
  protocol: [],
  client: ['protocol'],
  infra: [],
  config: ['protocol'],
  transport: ['protocol', 'infra'],
  common: ['protocol', 'infra', 'config', 'transport'],
  database: ['config', 'common'],
  modules: ['protocol', 'infra', 'config', 'transport', 'common', 'database'],
  app: ['protocol', 'client', 'infra', 'config', 'transport', 'common', 'database', 'modules'],
};

export function layerOf(srcPath: string): Layer {
  const [top, second] = srcPath.split('/');
  if (top === 'shared') return second === 'protocol' ? 'protocol' : 'infra';
  if (top === 'client') return 'client';
  if (top === 'infra' || top === 'config' || top === 'transport' || top === 'common' || top === 'database' || top === 'modules') return top;
  return 'app'; // main.ts, bootstrap.ts, app.module.ts, app.features.ts, cli/
}

/** `modules/<name>/...` → name; undefined outside src/modules. */
export function moduleOf(srcPath: string): string | undefined {
  const [top, name] = srcPath.split('/');
  return top === 'modules' ? name : undefined;
}

/**
 * A module's public API: its `index.ts` (other modules import `../<name>`), plus its
 * configuration namespace `<name>.config.ts` — plain settings that pull in no module code, so
 * reading another module's setting never creates an import cycle through its index.
 */
export function isPublicApi(srcPath: string): boolean {
  const parts = srcPath.split('/');
  return parts.length === 3 && parts[0] === 'modules' && (parts[2] === 'index.ts' || parts[2] === `${parts[1]}.config.ts`);
}

export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports, dynamic imports and require() calls. */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** Resolves a relative specifier of `fromFile` to a src-relative file path (or undefined outside src). */
export function resolveImport(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) {
      const rel = relative(SRC, candidate);
      return rel.startsWith('..') ? undefined : rel.split('\\').join('/');
    }
  }
  return undefined;
}

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

/** Every rule broken by the import `from` → `to` (both src-relative). */
export function check(from: string, to: string): Violation[] {
  const out: Violation[] = [];
  const a = layerOf(from);
  const b = layerOf(to);
  if (a !== b && !ALLOWED[a].includes(b)) out.push({ file: from, imports: to, rule: `layer ${a} may not import layer ${b}` });
  const ma = moduleOf(from);
  const mb = moduleOf(to);
  if (mb !== undefined && ma !== mb && a === 'modules' && !isPublicApi(to)) {
    out.push({ file: from, imports: to, rule: `module ${ma} reaches into module ${mb}: import its public API (../${mb}) instead` });
  }
  return out;
}

export function violations(root = SRC): Violation[] {
  const out: Violation[] = [];
  for (const file of tsFiles(root)) {
    const from = relative(SRC, file).split('\\').join('/');
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = resolveImport(file, spec);
      if (to !== undefined) out.push(...check(from, to));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One owner per table: entity classes stay inside their module.

/** Entity class name → owning module, from every `@Entity(` class under src/modules/<name>/. */
export function entityOwners(root = SRC): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of tsFiles(join(root, 'modules'))) {
    const source = readFileSync(file, 'utf8');
    if (!source.includes('@Entity(')) continue;
    const owner = moduleOf(relative(root, file).split(sep).join('/'))!;
    for (const m of source.matchAll(/@Entity\([^)]*\)[\s\S]*?export class (\w+)/g)) owners.set(m[1], owner);
  }
  return owners;
}

/** Names a module's `index.ts` exports as values (not `export type`). */
export function valueExports(indexSource: string): string[] {
  const names: string[] = [];
  for (const m of indexSource.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    if (m[1]) continue;
    for (const part of m[2].split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) names.push(name.split(/\s+as\s+/).pop()!.trim());
    }
  }
  return names;
}

/** Names imported (values or types) from each specifier of a source file. */
export function importedNames(source: string): { specifier: string; names: string[] }[] {
  const out: { specifier: string; names: string[] }[] = [];
  for (const m of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/g)) {
    out.push({ specifier: m[2], names: m[1].split(',').map((p) => p.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim()).filter(Boolean) });
  }
  return out;
}

/**
 * `<module>/index.ts exports <Entity>` and `<file> imports <Entity> of module <owner>` findings:
 * a module's entities are its own (no export from index.ts, no import by another module).
 */
export function entityViolations(root = SRC): string[] {
  const owners = entityOwners(root);
  const found: string[] = [];
  for (const file of tsFiles(join(root, 'modules'))) {
    const rel = relative(root, file).split(sep).join('/');
    const mod = moduleOf(rel)!;
    const source = readFileSync(file, 'utf8');
    if (rel === `modules/${mod}/index.ts`) {
      for (const name of valueExports(source)) if (owners.get(name) === mod) found.push(`modules/${mod}/index.ts exports entity ${name}`);
    }
    for (const { names } of importedNames(source)) {
      for (const name of names) {
        const owner = owners.get(name);
        if (owner && owner !== mod) found.push(`${rel} imports entity ${name} of module ${owner}`);
      }
    }
  }
  return found.sort();
}

/** Table name → owning module, read from the `@Entity('<table>')` decorators. */
export function tableOwners(root = SRC): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of tsFiles(join(root, 'modules'))) {
    const source = readFileSync(file, 'utf8');
    const owner = moduleOf(relative(root, file).split(sep).join('/'))!;
    for (const m of source.matchAll(/@Entity\(\{?\s*(?:name:\s*)?['"](\w+)['"]/g)) owners.set(m[1], owner);
  }
  return owners;
}

/** Tables a source names in SQL (`FROM t`, `JOIN t`, `INTO t`, `UPDATE t`, `TABLE t`), comments stripped. */
export function sqlTables(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:IF (?:NOT )?EXISTS\s+)?["`]?(\w+)["`]?/gi)].map((m) => m[1]);
}

/** `<file> names table <t> of module <owner>` findings: raw SQL on another module's table. */
export function sqlTableViolations(root = SRC): string[] {
  const owners = tableOwners(root);
  const found = new Set<string>();
  for (const file of tsFiles(join(root, 'modules'))) {
    const rel = relative(root, file).split(sep).join('/');
    const mod = moduleOf(rel)!;
    for (const table of sqlTables(readFileSync(file, 'utf8'))) {
      const owner = owners.get(table);
      if (owner && owner !== mod) found.add(`${rel} names table ${table} of module ${owner}`);
    }
  }
  return [...found].sort();
}
