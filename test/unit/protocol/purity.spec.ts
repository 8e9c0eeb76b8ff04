import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../src/shared/protocol');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports, dynamic imports and require() calls. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

describe('src/shared/protocol stays a pure, self-contained package', () => {
  const files = tsFiles(ROOT);

  it('finds the package files', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['index.ts', 'framing.ts', 'messages.ts', 'extensions.ts', 'validator.ts']),
    );
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports nothing from Nest', (_name, file) => {
    const imports = specifiers(readFileSync(file, 'utf8'));
    expect(imports.filter((s) => s.startsWith('@nestjs'))).toEqual([]);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports nothing outside the package', (_name, file) => {
    const outside = specifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .filter((s) => relative(ROOT, resolve(file, '..', s)).startsWith('..'));
    expect(outside).toEqual([]);
  });

  it('the scanner does see imports (so the checks above can fail)', () => {
    expect(specifiers(`import { X } from '@nestjs/common';\nexport * from "../y";\nrequire('z');`)).toEqual([
      '@nestjs/common',
      '../y',
      'z',
    ]);
  });
});
