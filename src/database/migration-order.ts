/**
 * Features contribute migrations from their own folders; this turns those lists into the ONE
 * ordered set both engines run (app start and TypeORM CLI alike). Order is the 13-digit
 * timestamp ending every migration class name (TypeORM's own convention), so where a feature sits
 * in the feature list never changes the order. Clashes fail loudly at start instead of skipping a
 * migration whose name is already recorded.
 */
const STAMP = /(\d{13})$/;

export function migrationTimestamp(migration: Function): number {
  const match = STAMP.exec(migration.name);
  if (!match) throw new Error(`migration class ${migration.name} must end with a 13-digit timestamp (e.g. PollSchema1764170000000)`);
  return Number(match[1]);
}

export function orderMigrations(migrations: readonly Function[]): Function[] {
  const byName = new Map<string, Function>();
  const byStamp = new Map<number, string>();
  for (const m of migrations) {
    if (byName.has(m.name)) {
      if (byName.get(m.name) === m) continue; // the same class listed by two manifests
      throw new Error(`two migrations are named ${m.name}`);
    }
    const stamp = migrationTimestamp(m);
    const other = byStamp.get(stamp);
    if (other) throw new Error(`migrations ${other} and ${m.name} share the timestamp ${stamp}`);
    byName.set(m.name, m);
    byStamp.set(stamp, m.name);
  }
  return [...byName.values()].sort((a, b) => migrationTimestamp(a) - migrationTimestamp(b));
}
