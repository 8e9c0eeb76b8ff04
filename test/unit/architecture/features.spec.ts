/**
 * The feature-manifest mechanics: features' contributions merge into one set, clashes fail at
 * start with a message naming them, and migrations form one timestamp-ordered set whatever the
 * position of their feature in the list.
 */
import { Module } from '@nestjs/common';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { APP_FEATURES, CONFIG_NAMESPACES, FEATURES } from '../../../src/app.features';
import { collectFeatures, defineFeature } from '../../../src/common/feature/feature';
import { defineConfig } from '../../../src/config';
import { CORE_CONFIG_NAMESPACES } from '../../../src/config';
import { orderMigrations } from '../../../src/database/migration-order';

@Module({})
class AModule {}
@Module({})
class BModule {}
class EnvA {}
class Late1764170000002 {}
class Early1764170000001 {}
class Clash1764170000001 {}
class NoStamp {}

describe('feature manifests', () => {
  it('merge modules, config and migrations of every feature', () => {
    const a = defineConfig('a', EnvA, () => ({}));
    const merged = collectFeatures([
      defineFeature({ name: 'a', module: AModule, config: [a], migrations: [Late1764170000002] }),
      defineFeature({ name: 'b', module: BModule, migrations: [Early1764170000001] }),
    ]);
    expect(merged.modules).toEqual([AModule, BModule]);
    expect(merged.config.map((ns) => ns.key)).toEqual(['a']);
    // The list order is kept here; the data source orders by timestamp (next test).
    expect(merged.migrations).toEqual([Late1764170000002, Early1764170000001]);
  });

  it('refuse a feature listed twice and a config namespace registered twice', () => {
    const a = defineConfig('a', EnvA, () => ({}));
    expect(() => collectFeatures([defineFeature({ name: 'a', module: AModule }), defineFeature({ name: 'a', module: BModule })])).toThrow(
      'feature "a" is listed twice',
    );
    expect(() =>
      collectFeatures([defineFeature({ name: 'a', module: AModule, config: [a] }), defineFeature({ name: 'b', module: BModule, config: [a] })]),
    ).toThrow('config namespace "a" is registered by more than one feature');
  });

  it('the app registers every feature namespace after the core ones, each key once', () => {
    const keys = CONFIG_NAMESPACES.map((ns) => ns.key);
    expect(keys.slice(0, CORE_CONFIG_NAMESPACES.length)).toEqual(CORE_CONFIG_NAMESPACES.map((ns) => ns.key));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['auth', 'message', 'group', 'presence']));
    expect(APP_FEATURES.modules).toHaveLength(FEATURES.length);
  });
});

describe('migration order', () => {
  it('is by the timestamp ending each class name, not by list position', () => {
    expect(orderMigrations([Late1764170000002, Early1764170000001])).toEqual([Early1764170000001, Late1764170000002]);
  });

  it('refuses a missing timestamp, a shared timestamp and a shared name', () => {
    expect(() => orderMigrations([NoStamp])).toThrow('migration class NoStamp must end with a 13-digit timestamp');
    expect(() => orderMigrations([Early1764170000001, Clash1764170000001])).toThrow('share the timestamp 1764170000001');
    const twin = { [Early1764170000001.name]: class {} }[Early1764170000001.name];
    expect(() => orderMigrations([Early1764170000001, twin])).toThrow('two migrations are named Early1764170000001');
  });

  it('accepts the same class contributed twice (once in the set)', () => {
    expect(orderMigrations([Early1764170000001, Early1764170000001])).toEqual([Early1764170000001]);
  });

  it("the app's migration set is ordered and unique", () => {
    const names = orderMigrations(APP_FEATURES.migrations).map((m) => m.name);
    expect(names).toEqual([...names].sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13))));
    expect(names.length).toBeGreaterThan(1);
  });
});

// README ("What is inside") and docs/architecture.md describe every module with this shape.
describe('module folders', () => {
  const root = join(__dirname, '../../../src/modules');
  const modules = readdirSync(root).filter((name) => statSync(join(root, name)).isDirectory());

  it('each has <name>.module.ts, a <name>.feature.ts manifest listed in app.features.ts, and an index.ts', () => {
    const incomplete = modules.flatMap((name) =>
      [`${name}.module.ts`, `${name}.feature.ts`, 'index.ts'].filter((file) => !existsSync(join(root, name, file))).map((file) => `${name}/${file}`),
    );
    expect(incomplete).toEqual([]);
    expect([...FEATURES.map((f) => f.name)].sort()).toEqual([...modules].sort());
  });

  it('none keeps a dto/ folder: protocol payloads come from src/shared/protocol, module-only DTOs sit in <name>.dto.ts', () => {
    expect(modules.filter((name) => existsSync(join(root, name, 'dto')))).toEqual([]);
  });
});
