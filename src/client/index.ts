/**
 * The SDK, importable as `switchboard/client`:
 * - SwitchboardSession: reconnecting, retrying, resuming session (what applications use);
 * - SwitchboardClient: one raw connection (tools, tests, custom clients);
 * - the typed protocol maps (RequestOf / ResponseOf / EventOf) and helpers re-exported from
 *   `switchboard/protocol`.
 * Each concern lives in its own file so additions (file transfer, frame policies) stay small.
 */
export * from './backoff';
export * from './cursor-store';
export * from './device-sign-in';
export * from './file-cursor-store';
export * from './message-stream';
export * from './session';
export * from './switchboard-client';
export type { EventOf, KnownRequest, RequestOf, ResponseOf, LoginResponse, HistoryResponse } from '../shared/protocol/api';
