/**
 * Payload DTOs of every command, one file per domain under messages/ (class-validator +
 * class-transformer classes, snake_case field names exactly as the draft). The server's
 * validation pipe, the SDK and the JSON-Schema generator all use these classes.
 *
 * Each domain owner adds its own `export *` line below; keep one line per domain so parallel
 * edits merge cleanly. After changing a DTO, run `npm run schemas` and commit the schemas.
 */
// class-transformer's @Type reads design-time metadata: load the polyfill for SDK users too.
import 'reflect-metadata';

export * from './messages/envelope.messages';
export * from './messages/control.messages';
export * from './messages/file.messages';
export * from './messages/notification.messages';
export * from './messages/group.messages';
export * from './messages/presence.messages';
export * from './messages/auth.messages';
export * from './messages/message.messages';
export * from './messages/search.messages';
export * from './messages/user.messages';
export * from './messages/contact.messages';
