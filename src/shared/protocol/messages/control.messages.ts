/** control/ping and control/error payloads (draft §2.5). */
import { IsIn, IsInt, IsString, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ErrorPayloadDto, ResponseStatusDto } from './envelope.messages';
import { Strict } from './response-fields';

/**
 * control/ping takes an empty payload (`{}`), so it has no request class: an empty class would
 * be refused by the validation pipe (`forbidUnknownValues`). This is its response.
 */
@Strict()
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

/**
 * control/resync (server → client event): live pushes may have been lost (the cluster bus lost
 * entries beyond its bound, or a node died): catch up with message/history sync and presence/list.
 */
@Strict()
export class ControlResyncEventDto extends ResponseStatusDto {
  @JSONSchema({ description: 'Why: the cluster bus lost pushes.' })
  @IsIn(['cluster_bus_gap'])
  reason: 'cluster_bus_gap';

  @JSONSchema({ description: 'Pushes known lost (0: a node went silent, so some may be).' })
  @IsInt()
  @Min(0)
  missed: number;

  @JSONSchema({ description: 'What to do, for people reading logs.' })
  @IsString()
  hint: string;
}
