/**
 * The one global exception filter. Nest's default RPC filter turns anything that is not an
 * RpcException (including a guard's ForbiddenException) into an opaque 500; this one maps every
 * error to a ProtocolError, which the transport writes as
 * `payload: {status, error_code, error_message}`.
 */
import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { toProtocolError } from '../../transport/protocol-error.mapper';

@Catch()
export class ProtocolExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('ProtocolExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const error = toProtocolError(exception);
    // On the HTTP ops routes Nest answers what this RPC filter leaves unanswered; a failing
    // readiness probe (503) is reported by terminus, not logged here as a server error. A full
    // file storage (507) is an expected answer: its owner logs the condition once.
    if (error.status >= 500 && error.code !== 'UNAVAILABLE' && error.code !== 'STORAGE_FULL' && host.getType() === 'rpc') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    return throwError(() => error);
  }
}
