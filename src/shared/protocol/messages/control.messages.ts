/** control/ping and control/error payloads (draft §2.5). */
import { IsInt, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ErrorPayloadDto, ResponseStatusDto } from './envelope.messages';

/**
 * control/ping takes an empty payload (`{}`), so it has no request class: an empty class would
 * be refused by the validation pipe (`forbidUnknownValues`). This is its response.
 */
export class PingResponseDto extends ResponseStatusDto {
  @JSONSchema({ description: 'Server time, Unix seconds.' })
  @IsInt()
  @Min(0)
  server_time: number;

  @JSONSchema({ description: 'Server time, Unix milliseconds (for RTT and clock-skew estimates).' })
  @IsInt()
  @Min(0)
  server_time_ms: number;
}

/**
 * control/error (server → client event): a protocol violation or a forced close. When it is
 * about a frame the server could read, the event's `id` is that frame's id.
 */
@JSONSchema({ additionalProperties: true })
export class ControlErrorEventDto extends ErrorPayloadDto {}
