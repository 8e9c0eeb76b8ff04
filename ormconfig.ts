/**
 * TypeORM CLI entry (`npm run migration:*`): the same data source the app uses, configured from
 * the same environment variables.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseConfig } from './src/config/database.config';
import { buildDataSourceOptions } from './src/database/data-source.options';

export default new DataSource(buildDataSourceOptions(databaseConfig.parse(process.env)));
