/**
 * Company sign-in without a browser on this device (RFC 8628, brokered by the server:
 * auth/oidc-start + auth/oidc-poll). The user opens `verification_uri` anywhere and enters
 * `user_code`; this polls at the server's interval until they approved, and answers the
 * session's tokens. Resume a SwitchboardSession with the refresh token afterwards:
 *
 *   const tokens = await deviceSignIn({ port, provider: 'corp', onCode: (c) => show(c) });
 *   const session = await SwitchboardSession.start({ port, refreshToken: tokens.refresh_token });
 */
import { SwitchboardError } from './session';
import { ClientOptions, ResponsePayload, SwitchboardClient } from './switchboard-client';

export interface DeviceCode {
  verification_uri: string;
  verification_uri_complete?: string;
  user_code: string;
  expires_in: number;
}

export interface DeviceSignInOptions extends Omit<ClientOptions, 'timeoutMs'> {
  /** An OpenID Connect provider with `device_flow` in auth/providers. */
  provider: string;
  device?: string;
  clientVersion?: string;
  /** Show the user where to go and which code to enter. */
  onCode(code: DeviceCode): void;
  requestTimeoutMs?: number;
  /** Stops waiting (e.g. the user gave up). */
  signal?: AbortSignal;
}

/** Resolves with the login tokens (as auth/login); rejects with SwitchboardError when denied, expired or refused. */
export async function deviceSignIn(options: DeviceSignInOptions): Promise<ResponsePayload> {
  const client = await SwitchboardClient.connect({ ...options, timeoutMs: options.requestTimeoutMs ?? 10_000 });
  try {
    const clientInfo = { device: options.device ?? 'sdk', version: options.clientVersion ?? 'sdk-0.1.0' };
    const started = await client.request('auth/oidc-start', { provider: options.provider, client_info: clientInfo });
    if (started.payload.status >= 300) throw new SwitchboardError('auth/oidc-start', started.payload);
    const p = started.payload as ResponsePayload & DeviceCode & { handle: string; interval: number };
    options.onCode({ verification_uri: p.verification_uri, verification_uri_complete: p.verification_uri_complete, user_code: p.user_code, expires_in: p.expires_in });
    let interval = p.interval;
    for (;;) {
      // RFC 8628 §3.5: wait the interval between polls (the server answers slow_down otherwise).
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, interval * 1000);
        options.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('device sign-in aborted'))), { once: true });
      });
      const res = await client.request('auth/oidc-poll', { handle: p.handle });
      const answer = res.payload;
      if (answer.status >= 300) throw new SwitchboardError('auth/oidc-poll', answer);
      if (answer.state === 'done') return answer;
      if (answer.state === 'pending' || answer.state === 'slow_down') {
        interval = typeof answer.interval === 'number' ? answer.interval : interval;
        continue;
      }
      throw new SwitchboardError('auth/oidc-poll', { status: 401, error_code: answer.state === 'denied' ? 'ACCESS_DENIED' : 'EXPIRED', error_message: `device sign-in ${answer.state}` });
    }
  } finally {
    await client.close();
  }
}
