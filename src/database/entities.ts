/**
 * Every entity, listed explicitly (no globs: the same list works from ts-jest, ts-node and dist).
 * A feature module adds its entities here and a migration under ./migrations.
 */
export const ENTITIES: Function[] = [];
