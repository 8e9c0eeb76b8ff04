/**
 * Nest's LoggerService over pino (nestjs-pino does not support Nest 12). Nest calls
 * `log(message, ...params)` where the last string param is the context (class name); errors come
 * as `error(message, stack?, context?)`.
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { Logger } from 'pino';

type PinoMethod = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's own start-up chatter (one line per module, route and handler: ~50 lines) says nothing an
 * operator acts on: it goes to debug, so a start at info shows warnings and the ready line.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'NestMicroservice',
]);

export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(
      typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info',
      message,
      params,
    );
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack, context); an Error object may also come as the message.
    if (message instanceof Error) {
      const context =
        typeof params[params.length - 1] === 'string'
          ? (params[params.length - 1] as string)
          : undefined;
      this.logger.error({ context, err: message }, message.message);
      return;
    }
    if (params.length >= 2 && typeof params[0] === 'string' && params[0].includes('\n')) {
      const [stack, context] = params as [string, unknown];
      this.logger.error(
        { context: typeof context === 'string' ? context : undefined, stack },
        stringify(message),
      );
      return;
    }
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  setLogLevels(levels: LogLevel[]): void {
    // Nest's levels mapped to the most verbose pino level they enable.
    const order: [LogLevel, string][] = [
      ['verbose', 'trace'],
      ['debug', 'debug'],
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
      ['fatal', 'fatal'],
    ];
    const found = order.find(([nest]) => levels.includes(nest));
    this.logger.level = found ? found[1] : 'silent';
  }

  private write(method: PinoMethod, message: unknown, rawParams: unknown[]): void {
    // Nest's Logger passes `undefined` for an absent stack: not worth a field.
    const params = rawParams.filter((p) => p !== undefined && p !== null);
    let context: string | undefined;
    if (params.length > 0 && typeof params[params.length - 1] === 'string')
      context = params.pop() as string;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.logger[method]({ ...fields, ...(message as Record<string, unknown>) });
    } else if (params.length > 0) {
      this.logger[method]({ ...fields, params }, stringify(message));
    } else {
      this.logger[method](fields, stringify(message));
    }
  }
}

function stringify(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  return String(message);
}
