import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

class GroupEnv {
  /** Most members a group may hold (owner included); group/add beyond it answers 409. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 2 and 100000' })
  @Min(2, { message: 'must be an integer between 2 and 100000' })
  @Max(100_000, { message: 'must be an integer between 2 and 100000' })
  GROUP_MAX_MEMBERS = 1000;
}

export const groupConfig = defineConfig('group', GroupEnv, (env) => ({
  maxMembers: env.GROUP_MAX_MEMBERS,
}));
export type GroupConfig = ConfigOf<typeof groupConfig>;
