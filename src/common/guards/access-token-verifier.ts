/**
 * The port the token guard uses, implemented by the auth module. It keeps src/common free of
 * auth internals (JWT library, session storage).
 */
export interface VerifiedAccess {
  userId: string;
  sessionId: string;
  device?: string;
  /** When the token itself expires (ms): until then a connection need not verify it again. */
  expiresAt: number;
}

export abstract class AccessTokenVerifier {
  /**
   * Checks signature and expiry, then that the session is still active (not revoked, not
   * expired). Throws ProtocolError 401 TOKEN_INVALID / TOKEN_EXPIRED / SESSION_REVOKED.
   */
  abstract verify(token: string): Promise<VerifiedAccess>;

  /**
   * Is this session still active? Throws (or rejects with) SESSION_REVOKED. May answer
   * synchronously (validity in memory): the token guard then costs no promise per frame.
   */
  abstract assertSessionActive(userId: string, sessionId: string): void | Promise<void>;

  /** The guard refused a frame with `error` (the auth module counts it in its metrics). */
  failed(error: unknown): void {
    void error;
  }
}
