import { IsIn, IsOptional, IsString } from 'class-validator';
import { defineConfig } from './config.util';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

class LoggingEnv {
  /** development → pretty logs by default; anything else → JSON lines. */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** debug also logs every inbound frame (secrets redacted); trace adds connects/closes. */
  @IsIn(LEVELS, { message: `must be one of ${LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LEVELS)[number] = 'info';

  /** Overrides the NODE_ENV-based default: json (one object per line) or pretty (human-readable). */
  @IsOptional()
  @IsIn(['json', 'pretty'], { message: 'must be one of json, pretty' })
  LOG_FORMAT?: 'json' | 'pretty';
}

export const loggingConfig = defineConfig('logging', LoggingEnv, (env) => ({
  level: env.LOG_LEVEL,
  format:
    env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? ('pretty' as const) : ('json' as const)),
}));
export type LoggingConfig = ReturnType<typeof loggingConfig.parse>;
