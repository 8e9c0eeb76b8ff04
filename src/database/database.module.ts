import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions } from './data-source.options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.token],
      useFactory: (config: DatabaseConfig) => ({
        ...buildDataSourceOptions(config),
        migrationsRun: config.migrationsRun,
      }),
    }),
  ],
})
export class DatabaseModule {}
