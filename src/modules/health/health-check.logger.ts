/**
 * Terminus logs every failed probe at error. A readiness probe that fails because this process is
 * draining is the drain working as designed (load balancers poll it every few seconds), so those
 * go out at info; any other failure (database, Redis, migrations, a full listener) stays an error.
 */
import { Injectable, Logger, LoggerService } from '@nestjs/common';

@Injectable()
export class HealthCheckLogger implements LoggerService {
  private readonly logger = new Logger('Health');

  log(message: string): void {
    this.logger.log(message);
  }

  warn(message: string): void {
    this.logger.warn(message);
  }

  error(message: string): void {
    if (drainingOnly(message)) this.logger.log(message);
    else this.logger.error(message);
  }
}

/** With errorLogStyle 'json' the message ends with the failing indicators as JSON. */
function drainingOnly(message: string): boolean {
  const start = message.indexOf('{');
  if (start < 0) return false;
  try {
    const causes = JSON.parse(message.slice(start)) as Record<
      string,
      { status?: string; state?: string }
    >;
    const state = causes.lifecycle?.state;
    if (state !== 'draining' && state !== 'drained') return false;
    // The listener stops accepting during a drain too; anything else down is a real fault.
    return Object.entries(causes).every(
      ([key, value]) => key === 'lifecycle' || key === 'tcp' || value?.status !== 'down',
    );
  } catch {
    return false;
  }
}
