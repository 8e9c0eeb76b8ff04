import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

class PinEnv {
  /** Most messages pinned at once in one conversation (pin/add beyond it: 409 LIMIT_REACHED). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 100' })
  @Min(1, { message: 'must be an integer between 1 and 100' })
  @Max(100, { message: 'must be an integer between 1 and 100' })
  PIN_MAX_PER_CONVERSATION = 50;
}

export const pinConfig = defineConfig('pin', PinEnv, (env) => ({
  maxPerConversation: env.PIN_MAX_PER_CONVERSATION,
}));
export type PinConfig = ConfigOf<typeof pinConfig>;
