/**
 * Builds the hybrid app: the HTTP ops endpoint plus the Switchboard TCP transport, which is
 * also a DI provider so services can push through it. Used by main.ts and by the e2e tests.
 */
import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_FEATURES, CONFIG_NAMESPACES } from './app.features';
import { checkCommandHandlers } from './common/feature/command-handler-check';
import { CommandDeclaration, CommandRegistry } from './shared/protocol/command-declaration';
import { AppImport, AppModule } from './app.module';
import { createRootLogger, LoggingModule, PinoLoggerService } from './common/logging';
import type { Env } from './config';
import { databaseConfig } from './config/database.config';
import { preflightDatabase } from './database/database-preflight';
import { httpConfig } from './config/http.config';
import { loggingConfig } from './config/logging.config';
import { SwitchboardServer } from './transport/switchboard.server';

export interface SwitchboardApp {
  app: INestApplication;
  transport: SwitchboardServer;
  tcpPort: number;
  httpPort: number;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  env?: Env;
  logger?: LoggerService | LogLevel[] | false;
  /** Extra modules mounted next to the feature modules (tests: test-only handlers). */
  imports?: AppImport[];
  /** Declarations of the commands those extra modules handle (every handler must be declared). */
  commands?: readonly CommandDeclaration[];
  /** Receives the JSON log lines instead of stdout (tests assert on them). */
  logStream?: NodeJS.WritableStream;
}

export async function createApp(options: CreateAppOptions = {}): Promise<SwitchboardApp> {
  const env = options.env ?? process.env;
  // Validate every namespace up front so a bad value fails before anything starts.
  for (const ns of CONFIG_NAMESPACES) ns.parse(env);
  // Every command declared once (the test-only extras included), before anything starts.
  const registry = options.commands?.length
    ? new CommandRegistry([
        { owner: 'the app features', commands: APP_FEATURES.commands.all() },
        { owner: 'createApp({ commands })', commands: options.commands },
      ])
    : APP_FEATURES.commands;
  // One pino root logger per app: Nest's own logger and the request-log plugin share it.
  const root = createRootLogger(loggingConfig.parse(env), { stream: options.logStream });
  // A database that cannot work (no such database, bad credentials) ends the start with one line;
  // one that is not up yet is waited for with a logged backoff (database-preflight.ts).
  const database = databaseConfig.parse(env);
  const dbLog = root.child({ context: 'Database' });
  await preflightDatabase(database, {
    timeoutMs: database.connectTimeoutMs,
    log: { warn: (m) => dbLog.warn(m) },
  });
  const imports = [LoggingModule.forRoot(root), ...(options.imports ?? [])];
  const app = await NestFactory.create(AppModule.forRoot(env, imports), {
    logger: options.logger ?? new PinoLoggerService(root),
    abortOnError: false,
  });
  // Dispatch and the declarations agree (generated docs/schemas/SDK types describe this server).
  try {
    checkCommandHandlers(app, registry);
  } catch (err) {
    await app.close();
    throw err;
  }
  // No enableShutdownHooks(): main.ts installs the graceful drain on SIGTERM/SIGINT instead
  // (modules/lifecycle), and test processes hosting several apps must not react to signals.
  const transport = app.get(SwitchboardServer);
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  const http = httpConfig.parse(env);
  await app.listen(http.port, http.host);
  const address = app.getHttpServer().address();
  return {
    app,
    transport,
    tcpPort: transport.port,
    httpPort: typeof address === 'object' && address ? address.port : http.port,
    close: async () => {
      await app.close();
      root.flush();
    },
  };
}
