/**
 * TypeORM CLI entry (`npm run migration:*`): the same data source the app uses, configured from
 * the same environment variables, with the entities and migrations every feature declares in its
 * manifest (src/app.features.ts) — the same ordered migration set the app runs at start.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { APP_FEATURES } from './src/app.features';
import { databaseConfig } from './src/config/database.config';
import { buildDataSourceOptions } from './src/database/data-source.options';

export default new DataSource(
  buildDataSourceOptions(databaseConfig.parse(process.env), { entities: APP_FEATURES.entities, migrations: APP_FEATURES.migrations }),
);
