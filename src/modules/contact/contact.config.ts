import { Type } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { ConfigOf, defineConfig } from '../../config/config.util';

export const DIRECTORY_VISIBILITIES = ['everyone', 'contacts'] as const;
export const DIRECT_MESSAGE_POLICIES = ['anyone', 'contacts'] as const;

class ContactEnv {
  /**
   * Who user/lookup and user/profile show: `everyone` (every enabled account on the server, the
   * enterprise default) or `contacts` (only my contacts and pending requests). Users who blocked
   * the searcher are never shown.
   */
  @IsIn(DIRECTORY_VISIBILITIES, { message: `must be one of ${DIRECTORY_VISIBILITIES.join(', ')}` })
  DIRECTORY_VISIBILITY: (typeof DIRECTORY_VISIBILITIES)[number] = 'everyone';

  /** Who may send a direct message: `anyone`, or only accepted `contacts`. Blocks apply either way. */
  @IsIn(DIRECT_MESSAGE_POLICIES, { message: `must be one of ${DIRECT_MESSAGE_POLICIES.join(', ')}` })
  DIRECT_MESSAGE_POLICY: (typeof DIRECT_MESSAGE_POLICIES)[number] = 'anyone';

  /** Most unanswered contact requests one user may have out at a time (429-free spam bound). */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 100000' })
  @Min(1, { message: 'must be an integer between 1 and 100000' })
  @Max(100_000, { message: 'must be an integer between 1 and 100000' })
  CONTACT_PENDING_MAX = 200;
}

export const contactConfig = defineConfig('contact', ContactEnv, (env) => ({
  directoryVisibility: env.DIRECTORY_VISIBILITY,
  directMessagePolicy: env.DIRECT_MESSAGE_POLICY,
  pendingMax: env.CONTACT_PENDING_MAX,
}));
export type ContactConfig = ConfigOf<typeof contactConfig>;
