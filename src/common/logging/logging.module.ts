/**
 * Makes the root pino logger injectable (`@Inject(ROOT_LOGGER)`) and registers the request-log
 * transport plugin. createApp builds the logger (it is also Nest's own logger) and mounts this
 * module with it, so everything in one app writes to the same destination.
 */
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ROOT_LOGGER } from './logging.tokens';
import type { RootLogger } from './pino-logger';
import { RequestLogPlugin } from './request-log.plugin';

@Global()
@Module({})
export class LoggingModule {
  static forRoot(root: RootLogger): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useValue: root }, RequestLogPlugin],
      exports: [ROOT_LOGGER],
    };
  }
}
