import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ROOT_LOGGER } from '../common/logging/logging.tokens';
import type { RootLogger } from '../common/logging/pino-logger';
import { PinoTypeOrmLogger, SLOW_QUERY_MS } from '../common/logging/typeorm-pino.logger';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source.options';
import { SqliteCheckpointService } from './sqlite-checkpoint.service';

export interface DatabaseModuleOptions {
  /** Every feature's migrations (collected by the composition root from the feature list). */
  migrations: readonly Function[];
}

@Module({})
export class DatabaseModule {
  /**
   * Entities are auto-loaded from each module's `TypeOrmModule.forFeature(...)`, so a module
   * registers its own; migrations are handed in because they must run as one ordered set
   * before any module starts.
   */
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      // SQLite: WAL checkpoints in a worker thread, not in a commit on the event loop.
      providers: [SqliteCheckpointService],
      imports: [
        TypeOrmModule.forRootAsync({
          // The app's pino logger when createApp provides one (TypeORM's console logger otherwise).
          inject: [databaseConfig.token, { token: ROOT_LOGGER, optional: true }],
          useFactory: (config: DatabaseConfig, root?: RootLogger) => ({
            ...buildDataSourceOptions(config, { entities: [], migrations: options.migrations }),
            autoLoadEntities: true,
            migrationsRun: config.migrationsRun,
            ...(root
              ? {
                  logger: new PinoTypeOrmLogger(root),
                  logging: ['error', 'warn', 'migration'] as const,
                  maxQueryExecutionTime: SLOW_QUERY_MS,
                }
              : {}),
          }),
        }),
      ],
    };
  }
}
