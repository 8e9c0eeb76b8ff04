/**
 * Admin CLI: `npm run admin -- <command> ...` (runs the built dist/src/cli/admin.js). It boots a
 * Nest application context with only the configuration, database, transport ports and the auth
 * module, against the same database the server uses. Sessions it revokes stop working at once
 * (the token guard reads the session row); connected clients are kicked by the servers' revocation
 * sweep (AUTH_REVOCATION_SWEEP_MS), or immediately when a shared event bus is configured.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { APP_FEATURES, CONFIG_NAMESPACES } from '../app.features';
import { configuredTransportModule } from '../app.module';
import { ConfigError, Env } from '../config';
import { DatabaseModule } from '../database/database.module';
import { AuthModule } from '../modules/auth/auth.module';
import { SessionsService } from '../modules/auth/sessions.service';
import { UsersService } from '../modules/auth/users.service';
import { MessageSearchIndexer } from '../modules/message';
import { PushTester, PushTestModule } from '../modules/push';
import { AdminIo, runAdminCommand, UsageError, USAGE } from './admin-commands';

export interface AdminRunOptions {
  env?: Env;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Parses argv, runs the command against the configured database; returns the exit code. */
export async function runAdmin(argv: string[], options: AdminRunOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  try {
    for (const ns of CONFIG_NAMESPACES) ns.parse(env);
  } catch (err) {
    stderr.write(`${(err as Error).message}\n`);
    return 1;
  }

  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: CONFIG_NAMESPACES.map((ns) => ns.load(env)) }),
      // Every feature's migrations, so MIGRATIONS_RUN behaves as in the server.
      DatabaseModule.forRoot({ migrations: APP_FEATURES.migrations }),
      configuredTransportModule(),
      AuthModule,
      PushTestModule,
    ],
    // search:reindex: the message module's indexer needs only the data source.
    providers: [MessageSearchIndexer],
  })
  class AdminCliModule {}

  const ctx = await NestFactory.createApplicationContext(AdminCliModule, { logger: ['error'], abortOnError: false });
  const io: AdminIo = {
    out: (line) => stdout.write(`${line}\n`),
    readPassword: () => readPassword(stdin, stderr),
  };
  try {
    return await runAdminCommand(argv, { users: ctx.get(UsersService), sessions: ctx.get(SessionsService), searchIndex: ctx.get(MessageSearchIndexer), push: ctx.get(PushTester) }, io);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`error: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

/** First line of piped stdin, or an interactive prompt (not echoed, asked twice). */
async function readPassword(stdin: NodeJS.ReadableStream & { isTTY?: boolean }, stderr: NodeJS.WritableStream): Promise<string> {
  if (!stdin.isTTY) {
    let data = '';
    for await (const chunk of stdin) {
      data += chunk.toString();
      if (data.includes('\n')) break;
    }
    return data.split(/\r?\n/)[0];
  }
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      let muted = false;
      const output = new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (!muted) stderr.write(chunk);
          cb();
        },
      });
      const rl = createInterface({ input: stdin, output, terminal: true });
      rl.question(question, (answer) => {
        rl.close();
        stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  const first = await ask('Password: ');
  const second = await ask('Repeat password: ');
  if (first !== second) throw new UsageError('passwords do not match');
  return first;
}

if (require.main === module) {
  runAdmin(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ConfigError ? err.message : err);
      process.exit(1);
    },
  );
}
