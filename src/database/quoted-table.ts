import type { DataSource, EntityTarget } from 'typeorm';

/**
 * An entity's quoted table name for hand-written SQL: schema-qualified on PostgreSQL, as TypeORM
 * does not set search_path to the configured schema. A module passes only its own entities.
 */
export function quotedTable(dataSource: DataSource, entity: EntityTarget<unknown>): string {
  const metadata = dataSource.getMetadata(entity);
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return metadata.schema ? `${quote(metadata.schema)}.${quote(metadata.tableName)}` : quote(metadata.tableName);
}
