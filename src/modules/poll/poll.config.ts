import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

class PollEnv {
  /** Most options a poll may offer (poll/create with more answers 400 naming options). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 2 and 50' })
  @Min(2, { message: 'must be an integer between 2 and 50' })
  @Max(50, { message: 'must be an integer between 2 and 50' })
  POLL_MAX_OPTIONS = 10;
}

export const pollConfig = defineConfig('poll', PollEnv, (env) => ({
  maxOptions: env.POLL_MAX_OPTIONS,
}));
export type PollConfig = ConfigOf<typeof pollConfig>;
