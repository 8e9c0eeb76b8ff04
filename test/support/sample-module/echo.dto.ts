/**
 * Payloads of the `echo` sample module (test/support/sample-module): a module written the way a
 * team would add one, used by test/e2e/contract/new-module.e2e-spec.ts to prove that a new
 * module's commands reach dispatch and every generated contract file from its own folder alone.
 */
import { IsInt, IsString, Length, Min } from 'class-validator';
import { ResponseStatusDto } from '../../../src/shared/protocol/messages/envelope.messages';

export class EchoSayRequest {
  @IsString({ message: 'text must be a string' })
  @Length(1, 200, { message: 'text must be 1 to 200 characters' })
  text: string;
}

export class EchoSayResponse extends ResponseStatusDto {
  @IsString()
  text: string;

  @IsInt()
  @Min(0)
  length: number;
}

export class EchoShoutResponse extends ResponseStatusDto {
  @IsInt()
  @Min(0)
  heard_by_connections_of: number;
}

export class EchoHeardEvent {
  @IsString()
  from: string;

  @IsString()
  text: string;
}
