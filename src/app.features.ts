/**
 * The app's feature modules: ONE list, one line per feature. Adding a module to Switchboard is
 * adding its manifest here (see docs/architecture.md, "Adding a module"); everything else the
 * module needs — entities, migrations, config namespace, metrics, transport plugins — it
 * registers from inside its own folder.
 *
 * The position in this list decides nothing: migrations run by timestamp, transport plugins by
 * their `order`, and Nest resolves module dependencies itself.
 *
 * Read by the composition roots only: AppModule, ormconfig.ts (TypeORM CLI), the admin CLI and
 * scripts/gen-env-docs.js. Core code (src/config, src/database, src/common, src/transport)
 * never imports it.
 */
import { collectFeatures, FeatureManifest } from './common/feature/feature';
import { CORE_CONFIG_NAMESPACES } from './config';
import { authFeature } from './modules/auth/auth.feature';
import { contactFeature } from './modules/contact/contact.feature';
import { controlFeature } from './modules/control/control.feature';
import { conversationFeature } from './modules/conversation/conversation.feature';
import { directoryFeature } from './modules/directory/directory.feature';
import { fileFeature } from './modules/file/file.feature';
import { groupFeature } from './modules/group/group.feature';
import { healthFeature } from './modules/health/health.feature';
import { identityFeature } from './modules/identity/identity.feature';
import { inboxFeature } from './modules/inbox/inbox.feature';
import { lifecycleFeature } from './modules/lifecycle/lifecycle.feature';
import { messageFeature } from './modules/message/message.feature';
import { notificationFeature } from './modules/notification/notification.feature';
import { pinFeature } from './modules/pin/pin.feature';
import { pollFeature } from './modules/poll/poll.feature';
import { presenceFeature } from './modules/presence/presence.feature';
import { pushFeature } from './modules/push/push.feature';
import { reactionFeature } from './modules/reaction/reaction.feature';
import { webappFeature } from './modules/webapp/webapp.feature';

export const FEATURES: readonly FeatureManifest[] = [
  lifecycleFeature,
  healthFeature,
  authFeature,
  controlFeature,
  notificationFeature,
  conversationFeature,
  contactFeature,
  directoryFeature,
  groupFeature,
  messageFeature,
  presenceFeature,
  fileFeature,
  pollFeature,
  reactionFeature,
  pinFeature,
  inboxFeature,
  pushFeature,
  identityFeature,
  webappFeature,
];

export const APP_FEATURES = collectFeatures(FEATURES);

/** Core namespaces first, then each feature's: validated at start, documented by env:docs. */
export const CONFIG_NAMESPACES = [...CORE_CONFIG_NAMESPACES, ...APP_FEATURES.config];
