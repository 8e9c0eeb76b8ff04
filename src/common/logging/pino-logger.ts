/**
 * The process's root pino logger. JSON lines by default (one object per line, cheap to ship);
 * pretty output in development. pino-pretty formats in-process and synchronously rather than in a
 * `pino.transport` worker thread: no worker to leak in tests, and dev throughput does not matter.
 */
import pino, { DestinationStream, Logger } from 'pino';
import type { LoggingConfig } from '../../config/logging.config';
import { redactSecrets, scrubString } from './redaction';

export type RootLogger = Logger;

export interface RootLoggerOptions {
  /** Where JSON lines go instead of stdout (tests capture them). Always JSON when given. */
  stream?: NodeJS.WritableStream;
}

export function createRootLogger(
  config: LoggingConfig,
  options: RootLoggerOptions = {},
): RootLogger {
  const base: pino.LoggerOptions = {
    level: config.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Secrets are removed from every line, at any depth and whatever the case of the member name
    // (pino's own `redact` paths are case-sensitive and fixed-depth): see redaction.ts.
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubString(args[i] as string);
        return method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  let destination: DestinationStream;
  if (options.stream) {
    destination = options.stream as DestinationStream;
  } else if (config.format === 'pretty') {
    // Loaded lazily: production images never need it in memory. prettyFactory formats each line
    // synchronously, so nothing is lost when the process exits right after logging (the
    // pino-pretty stream pipes asynchronously).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    const format = prettyFactory({
      colorize: process.stdout.isTTY,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid',
    });
    destination = { write: (line: string) => void process.stdout.write(format(line)) };
  } else {
    destination = pino.destination({ fd: 1, sync: false });
  }
  return pino(base, destination);
}
