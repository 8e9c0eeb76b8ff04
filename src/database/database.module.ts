import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ROOT_LOGGER } from '../common/logging/logging.tokens';
import type { RootLogger } from '../common/logging/pino-logger';
import { PinoTypeOrmLogger, SLOW_QUERY_MS } from '../common/logging/typeorm-pino.logger';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source.options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      // The app's pino logger when createApp provides one (TypeORM's console logger otherwise).
      inject: [databaseConfig.token, { token: ROOT_LOGGER, optional: true }],
      useFactory: (config: DatabaseConfig, root?: RootLogger) => ({
        ...buildDataSourceOptions(config),
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
})
export class DatabaseModule {}
