/** The push module's public API: what other modules may import from it. */
export { PushModule } from './push.module';
export { PushCommands } from './push.commands';
export { PushWorker } from './push-worker.service';
export { PushIntake } from './push-intake.service';
export { PushProviders } from './push-providers';
export type { PushNotification, PushProvider, PushResult, PushTarget } from './providers/push-provider';
export { PushTester, PushTestModule } from './push-tester';
export type { PushTestResult } from './push-tester';
