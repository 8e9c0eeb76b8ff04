/** The frame envelope shared by every command (draft §1). */
export type FrameType = 'request' | 'response' | 'event';

export interface Headers {
  version?: string;
  client?: string;
  Authorization?: string;
  supported_versions?: string[];
  [key: string]: unknown;
}

export interface Envelope<P = Record<string, unknown>> {
  id: string;
  type: FrameType;
  /** Unix time in seconds. */
  timestamp?: number;
  command: string;
  headers?: Headers;
  payload: P;
}

/** Protocol version this build speaks, and every version it still accepts. */
export const PROTOCOL_VERSION = '1.0';
export const SUPPORTED_VERSIONS: readonly string[] = ['1.0'];

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
