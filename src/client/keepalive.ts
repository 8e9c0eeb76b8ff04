/**
 * The timers that keep a session alive, both opt-in (SessionOptions.heartbeat / autoRefresh):
 * presence/heartbeat at the interval the login announced, and a token refresh a little before
 * the access token expires (a fifth of its lifetime early, between 1 s and 1 min).
 */
export interface KeepaliveHooks {
  /** Sends one heartbeat event; returns false when not connected (skipped). */
  heartbeat(seq: number): boolean;
  refresh(): Promise<void>;
}

export class Keepalive {
  private heartbeatTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private seq = 0;
  private readonly sentAt = new Map<number, number>();

  constructor(private readonly hooks: KeepaliveHooks) {}

  startHeartbeats(intervalS: number): void {
    clearInterval(this.heartbeatTimer);
    if (!Number.isFinite(intervalS) || intervalS <= 0) return;
    this.heartbeatTimer = setInterval(() => {
      const seq = ++this.seq;
      if (!this.hooks.heartbeat(seq)) return;
      this.sentAt.set(seq, Date.now());
      // Bounded: echoes that never come back are forgotten.
      if (this.sentAt.size > 10) this.sentAt.delete(this.sentAt.keys().next().value!);
    }, intervalS * 1000);
    this.heartbeatTimer.unref?.();
  }

  /** Round-trip time of an echoed heartbeat, if we sent it. */
  echoed(seq: number): number | undefined {
    const sent = this.sentAt.get(seq);
    this.sentAt.delete(seq);
    return sent === undefined ? undefined : Date.now() - sent;
  }

  scheduleRefresh(expiresInS: number): void {
    clearTimeout(this.refreshTimer);
    if (!Number.isFinite(expiresInS) || expiresInS <= 0) return;
    // At least a second early: JWT times are whole seconds, so a token may expire up to 1 s sooner.
    const delayMs = Math.max(500, (expiresInS - Math.min(60, Math.max(1, expiresInS / 5))) * 1000);
    this.refreshTimer = setTimeout(() => void this.hooks.refresh(), delayMs);
    this.refreshTimer.unref?.();
  }

  stop(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.refreshTimer);
    this.heartbeatTimer = undefined;
    this.refreshTimer = undefined;
  }
}
