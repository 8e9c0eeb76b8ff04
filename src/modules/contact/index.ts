/** The contact module's public API: what other modules may import from it. */
export { ContactGate } from './contact-gate';
export { contactConfig } from './contact.config';
export type { ContactConfig } from './contact.config';
export { ContactModule } from './contact.module';
export { ContactRepository } from './contact.repository';
export { userCard } from './user-card';
