import { DynamicModule, ForwardReference, Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProtocolExceptionFilter } from './common/filters/protocol-exception.filter';
import { MetricsModule } from './common/metrics/metrics.module';
import { createValidationPipe } from './common/pipes/protocol-validation.pipe';
import { SecurityModule } from './common/security/security.module';
import { APP_FEATURES, CONFIG_NAMESPACES } from './app.features';
import type { Env } from './config';
import { DatabaseModule } from './database/database.module';
import { RedisConfig, redisConfig } from './config/redis.config';
import { TransportConfig, transportConfig } from './config/transport.config';
import { WebSocketConfig, websocketConfig } from './config/websocket.config';
import type { TransportOptions } from './transport/transport-options';
import { TransportModule } from './transport/transport.module';

/** The transport's plain options, from the app's transport and Redis configuration. */
export function transportOptions(transport: TransportConfig, redis: RedisConfig, ws?: WebSocketConfig): TransportOptions {
  return {
    server: { ...transport, websocket: ws?.websocket },
    redisBus: redis.url ? { url: redis.url, keyPrefix: redis.keyPrefix, ...redis.bus } : undefined,
  };
}

/** The transport module configured from the app's configuration (also used by the admin CLI). */
export function configuredTransportModule(): DynamicModule {
  return TransportModule.forRootAsync({ inject: [transportConfig.token, redisConfig.token, websocketConfig.token], useFactory: transportOptions });
}

/** Cross-cutting modules of the common layer; features come from src/app.features.ts. */
const CORE_MODULES = [MetricsModule, SecurityModule];

export type AppImport = Type<unknown> | DynamicModule | Promise<DynamicModule> | ForwardReference;

@Module({})
export class AppModule {
  /**
   * `env` is explicit so tests can run differently configured apps in one process; `extraImports`
   * lets tests mount test-only handlers (guards/interceptors through the real transport).
   */
  static forRoot(env: Env = process.env, extraImports: AppImport[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: CONFIG_NAMESPACES.map((ns) => ns.load(env)),
        }),
        DatabaseModule.forRoot({ migrations: APP_FEATURES.migrations }),
        configuredTransportModule(),
        ...CORE_MODULES,
        ...APP_FEATURES.modules,
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProtocolExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
