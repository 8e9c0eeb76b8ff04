/**
 * The SDK for browsers (`npm run build:browser` → dist/browser/switchboard.js, one ESM file): the
 * same SwitchboardSession and SwitchboardClient as on Node, over the WebSocket transport
 * (`SwitchboardSession.start({ url: 'wss://chat.example.com:9402/', ... })`), plus Blob uploads
 * and in-memory downloads (files.ts). The bundle contains no Node built-in: the build maps
 * `events` to a small emitter and `crypto` to WebCrypto's randomUUID (scripts/build-browser.js);
 * frame signing and payload encryption (SIGNATURE_MODE, PAYLOAD_ENCRYPTION) need Node and throw.
 */
export { SwitchboardSession, SwitchboardError, isRetryable } from '../session';
export type { SessionOptions, SessionEvents, SessionEnd } from '../session';
export { SwitchboardClient } from '../switchboard-client';
export type { ClientOptions, ResponsePayload } from '../switchboard-client';
export { WebSocketTransport } from '../transport/websocket-transport';
export { MemoryCursorStore } from '../cursor-store';
export { backoffDelay } from '../backoff';
export { uploadBlob, downloadBytes, sha256Hex, BrowserFileError } from './files';
export type { BrowserTransferProgress, BrowserTransferOptions } from './files';
export type { EventOf, RequestOf, ResponseOf, LoginResponse } from '../../shared/protocol/api';

// Node's setImmediate, used by the session to hand over events after start() resolves.
const g = globalThis as { setImmediate?: (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown };
g.setImmediate ??= (fn, ...args) => setTimeout(fn, 0, ...args);
