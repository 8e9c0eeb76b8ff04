import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

class ReactionEnv {
  /**
   * Most distinct reactions (emojis) one message may carry; a new one beyond it is refused with
   * 409 LIMIT_REACHED (adding yourself to an existing one always works).
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 100' })
  @Min(1, { message: 'must be an integer between 1 and 100' })
  @Max(100, { message: 'must be an integer between 1 and 100' })
  REACTION_MAX_DISTINCT = 20;
}

export const reactionConfig = defineConfig('reaction', ReactionEnv, (env) => ({
  maxDistinct: env.REACTION_MAX_DISTINCT,
}));
export type ReactionConfig = ConfigOf<typeof reactionConfig>;
