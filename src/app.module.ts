import { DynamicModule, ForwardReference, Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProtocolExceptionFilter } from './common/filters/protocol-exception.filter';
import { MetricsModule } from './common/metrics/metrics.module';
import { createValidationPipe } from './common/pipes/protocol-validation.pipe';
import { SecurityModule } from './common/security/security.module';
import { CONFIG_NAMESPACES, Env } from './config';
import { DatabaseModule } from './database/database.module';
import { AuthModule } from './modules/auth/auth.module';
import { ControlModule } from './modules/control/control.module';
import { GroupModule } from './modules/group/group.module';
import { HealthModule } from './modules/health/health.module';
import { LifecycleModule } from './modules/lifecycle/lifecycle.module';
import { MessageModule } from './modules/message/message.module';
import { NotificationModule } from './modules/notification/notification.module';
import { PresenceModule } from './modules/presence/presence.module';
import { TransportModule } from './transport/transport.module';

/** Feature modules, in the order their handlers register. */
// Ops modules first: metrics must see outbound frames before plugins that encrypt payloads.
const FEATURE_MODULES = [MetricsModule, LifecycleModule, HealthModule, SecurityModule, AuthModule, ControlModule, NotificationModule, GroupModule, MessageModule, PresenceModule];

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
        DatabaseModule,
        TransportModule,
        ...FEATURE_MODULES,
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProtocolExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
