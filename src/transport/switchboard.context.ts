/** What guards, interceptors and handlers see of the frame being handled. */
import { BaseRpcContext } from '@nestjs/microservices';
import type { Envelope, Headers } from '../shared/protocol';
import type { Connection } from './connection';

export class SwitchboardContext extends BaseRpcContext<[Connection, Envelope]> {
  /** The command after alias normalization (`auth.login` → `auth/login`). */
  readonly command: string;
  readonly receivedAt = Date.now();
  /** Callbacks to run right after the response frame is written (see afterResponse). */
  readonly answeredCallbacks: (() => void)[] = [];
  /** Status of the response, set just before the afterResponse callbacks run. */
  responseStatus?: number;

  constructor(connection: Connection, envelope: Envelope, command: string) {
    super([connection, envelope]);
    this.command = command;
  }

  get connection(): Connection {
    return this.args[0];
  }

  get envelope(): Envelope {
    return this.args[1];
  }

  get headers(): Headers {
    return this.args[1].headers ?? {};
  }

  get userId(): string | undefined {
    return this.args[0].userId;
  }

  /**
   * For `{ ordered: true }` handlers: lets the connection's next ordered frame start before this
   * one finishes, once whatever fixes their relative order is done (message/send: its write is
   * queued). Idempotent; a no-op for unordered handlers.
   */
  releaseOrder: () => void = () => undefined;

  /**
   * Runs `fn` once the response to this request has been written, e.g. to push offline messages
   * only after the client has its auth/login response. Runs even if the request failed.
   */
  afterResponse(fn: () => void): void {
    this.answeredCallbacks.push(fn);
  }
}
