/**
 * The test tree has one layout (README, "Tests and CI"): unit specs in test/unit/<area>/, e2e specs
 * in test/e2e/<domain>/, shared helpers in test/support/. A spec dropped flat into test/unit or
 * test/e2e (as 32 once were) fails here, so the next one lands in its domain's folder.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TEST = join(__dirname, '../..');
const flat = (dir: string) => readdirSync(join(TEST, dir)).filter((name) => statSync(join(TEST, dir, name)).isFile());

describe('test layout', () => {
  it('no spec or helper sits directly in test/unit or test/e2e', () => {
    expect(flat('unit')).toEqual([]);
    expect(flat('e2e')).toEqual([]);
  });

  it('e2e specs are named *.e2e-spec.ts and unit specs *.spec.ts (jest finds nothing else)', () => {
    const files = (dir: string): string[] =>
      readdirSync(join(TEST, dir)).flatMap((name) => (statSync(join(TEST, dir, name)).isDirectory() ? files(`${dir}/${name}`) : [`${dir}/${name}`]));
    const e2e = files('e2e');
    expect(e2e.filter((f) => f.endsWith('.spec.ts') && !f.endsWith('.e2e-spec.ts'))).toEqual([]);
    expect(e2e.filter((f) => f.endsWith('.e2e-spec.ts')).length).toBeGreaterThan(50);
    expect(files('unit').filter((f) => f.endsWith('.e2e-spec.ts'))).toEqual([]);
  });
});
