/**
 * notification/event (server → client, draft §2.5): business notifications such as group
 * membership changes. Only `type` is fixed; each type carries its own fields, documented by the
 * module that emits it (see docs/protocol.md).
 */
import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

@JSONSchema({
  description: 'A business notification; fields other than type depend on the type.',
  additionalProperties: true,
})
export class NotificationEventDto {
  @JSONSchema({ description: 'Dotted or slashed name, e.g. "group.member_added".' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @Matches(/^[a-z][a-z0-9_./-]*$/, { message: 'type must be lower-case, e.g. "group.member_added"' })
  type: string;

  [field: string]: unknown;
}
