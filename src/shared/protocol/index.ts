/**
 * Switchboard wire protocol: pure TypeScript, no Nest imports, shared by the server, the SDK and
 * the CLI. Import it as `switchboard/protocol`.
 */
export * from './command-declaration';
export * from './commands';
export * from './errors';
export * from './extensions';
export * from './envelope';
export * from './file-crypto';
export * from './file-names';
export * from './framing';
export * from './messages';
export * from './validator';
export * from './null-fields';
export * from './api';
// Signing and payload encryption, for clients configured like the server (SIGNATURE_MODE, PAYLOAD_ENCRYPTION).
export * from './crypto';
