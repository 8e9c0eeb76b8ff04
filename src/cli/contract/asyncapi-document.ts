/**
 * docs/asyncapi.yaml: the protocol as an AsyncAPI 3.0 document, generated from the command
 * registry (core and module commands alike) and the payload schemas of commands.json.
 *
 * Described from the server's side: a client → server command is an operation the server
 * `receive`s (with a reply: the success response or the error payload), a server → client one an
 * operation it `send`s; a `both` command is both. Every message's payload is the whole frame: the
 * envelope with `command` and `type` fixed and `payload` the command's payload schema. The file
 * data channel is its own server and channel (TLV frames, binary).
 */
import { CommandDeclaration, CommandRegistry } from '../../shared/protocol/command-declaration';
import { PROTOCOL_VERSION, SUPPORTED_VERSIONS } from '../../shared/protocol/envelope';
import { ErrorCodes } from '../../shared/protocol/errors';
import { EnvelopeDto } from '../../shared/protocol/messages/envelope.messages';
import type { JsonSchema } from '../../shared/protocol/schemas/generate';
import { commandSchemaSet } from './command-schemas';

const SCHEMA_REF = '#/components/schemas/';

/** `poll/create` → `poll.create` (component keys allow letters, digits, `.`, `-`, `_`). */
export function componentId(command: string): string {
  return command.replace(/\//g, '.');
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/definitions/', SCHEMA_REF) : rewriteRefs(v)]),
    );
  }
  return node;
}

function frame(command: string, type: 'request' | 'response' | 'event', payloadClass: string | undefined): JsonSchema {
  return {
    allOf: [
      { $ref: `${SCHEMA_REF}EnvelopeDto` },
      {
        type: 'object',
        properties: {
          command: { const: command },
          type: { const: type },
          ...(payloadClass ? { payload: { $ref: `${SCHEMA_REF}${payloadClass}` } } : {}),
        },
      },
    ],
  };
}

export interface AsyncApiOptions {
  /** The package version (info.version). */
  version: string;
}

export function asyncApiDocument(registry: CommandRegistry, options: AsyncApiOptions): Record<string, unknown> {
  const { payloads, definitions } = commandSchemaSet(registry, [EnvelopeDto]);
  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(definitions)) schemas[name] = rewriteRefs(schema);
  // The error code list (the envelope, base.json's root, came with the payloads).
  schemas.ErrorCode = {
    type: 'string',
    description: `Stable error codes with their status: ${Object.entries(ErrorCodes)
      .map(([code, status]) => `${code} ${status}`)
      .join(', ')}.`,
    enum: Object.keys(ErrorCodes),
  };

  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const addMessage = (id: string, d: CommandDeclaration, type: 'request' | 'response' | 'event', payloadClass: string | undefined, summary: string) => {
    messages[id] = {
      name: `${d.name} ${type}`,
      title: `${d.name} (${type})`,
      summary,
      contentType: 'application/json',
      payload: frame(d.name, type, payloadClass),
    };
    channelMessages[id] = { $ref: `#/components/messages/${id}` };
    return { $ref: `#/channels/control/messages/${id}` };
  };
  for (const d of registry.all()) {
    const id = componentId(d.name);
    const p = payloads.get(d.name)!;
    const security = d.auth === 'public' ? [] : [{ $ref: '#/components/securitySchemes/bearer' }];
    const about = `${d.description} Since protocol ${d.since}; ${d.auth === 'public' ? 'no token needed' : 'needs a bearer token'}.${d.causes?.length ? ` May cause: ${d.causes.join(', ')}.` : ''}`;
    if (d.direction !== 's2c') {
      const received = addMessage(`${id}.${d.kind}`, d, d.kind, p.request, d.description);
      const operation: Record<string, unknown> = {
        action: 'receive',
        channel: { $ref: '#/channels/control' },
        title: d.name,
        summary: d.description,
        description: about,
        messages: [received],
        security,
      };
      if (d.kind === 'request') {
        operation.reply = {
          channel: { $ref: '#/channels/control' },
          messages: [
            addMessage(`${id}.response`, d, 'response', p.response, `Success response of ${d.name}.`),
            addMessage(`${id}.error`, d, 'response', p.error, `Error response of ${d.name} (status >= 400, error_code, error_message).`),
          ],
        };
      }
      operations[`${id}.receive`] = operation;
    }
    if (d.direction !== 'c2s') {
      const sent = addMessage(`${id}.event`, d, 'event', p.event, d.description);
      operations[`${id}.send`] = { action: 'send', channel: { $ref: '#/channels/control' }, title: d.name, summary: d.description, description: about, messages: [sent] };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard protocol',
      version: options.version,
      description:
        'Instant messaging over one long-lived TCP (or TLS) connection carrying newline-delimited JSON frames ' +
        '`{id, type: request|response|event, timestamp, command, headers, payload}`; files travel on a separate TLV data channel. ' +
        `Protocol versions: ${SUPPORTED_VERSIONS.join(', ')} (current ${PROTOCOL_VERSION}, sent in headers.version). ` +
        'Every request gets exactly one response with the same id; its payload carries `status` (HTTP-like: 200, 202, 400, 401, 403, 404, 409, 413, 426, 429, 500, 503) ' +
        'and, on failure, `error_code` and `error_message` (see components.schemas.ErrorCode). ' +
        'Generated from the command declarations by `npm run schemas`; docs/protocol.md is the prose reference.',
    },
    defaultContentType: 'application/json',
    servers: {
      control: {
        host: 'localhost:9400',
        protocol: 'tcp',
        title: 'Control connection',
        description: 'TCP_PORT (default 9400): newline-delimited JSON frames. With TLS_CERT/TLS_KEY the same port speaks TLS.',
        security: [{ $ref: '#/components/securitySchemes/tls' }],
      },
      files: {
        host: 'localhost:9500',
        protocol: 'tcp',
        title: 'File data channel',
        description: 'FILE_PORT (default 9500): TLV frames (type: 1 byte, length: 4 bytes big-endian, value), opened with the transfer_id and access token from file/request.',
        security: [{ $ref: '#/components/securitySchemes/tls' }],
      },
    },
    channels: {
      control: {
        title: 'Control channel',
        description: 'Every JSON frame of the protocol. Requests and responses share an `id`; events carry their own.',
        servers: [{ $ref: '#/servers/control' }],
        messages: channelMessages,
      },
      files: {
        title: 'File data channel',
        description: 'Binary TLV frames: OPEN (0x03, JSON FileOpenDto), CHUNK (0x01, raw bytes of the file at the transfer offset), ACK (0x02, JSON FileAckDto), ERROR (0x04, JSON error payload). See docs/protocol.md, "File channel: TLV frames".',
        servers: [{ $ref: '#/servers/files' }],
        messages: {
          'file.tlv': { $ref: '#/components/messages/file.tlv' },
        },
      },
    },
    operations: {
      ...operations,
      'file.tlv.receive': {
        action: 'receive',
        channel: { $ref: '#/channels/files' },
        title: 'file data (client → server)',
        summary: 'OPEN, then CHUNKs of an upload; ACKs of a download.',
        messages: [{ $ref: '#/channels/files/messages/file.tlv' }],
      },
      'file.tlv.send': {
        action: 'send',
        channel: { $ref: '#/channels/files' },
        title: 'file data (server → client)',
        summary: 'ACKs of an upload; CHUNKs of a download; ERROR before closing.',
        messages: [{ $ref: '#/channels/files/messages/file.tlv' }],
      },
    },
    components: {
      schemas,
      messages: {
        ...messages,
        'file.tlv': {
          name: 'file TLV frame',
          contentType: 'application/octet-stream',
          summary: 'One TLV frame of the file data channel.',
          payload: { type: 'string', format: 'binary', description: 'type (1 byte) + length (4 bytes, big-endian) + value.' },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'httpApiKey',
          name: 'Authorization',
          in: 'header',
          description: 'The access token of auth/login or auth/refresh in the envelope: headers.Authorization = "Bearer <token>" on every authenticated command (signed, expiring JWT; the session is checked on every frame).',
        },
        signature: {
          type: 'httpApiKey',
          name: 'signature',
          in: 'header',
          description: 'Frame signatures (SIGNATURE_MODE=verify|require): payload.signature = lowercase hex HMAC-SHA256 with the pre-shared SIGNING_KEY over the canonical signing form declared in headers.signature_version (docs/protocol.md, Security).',
        },
        payloadEncryption: {
          type: 'symmetricEncryption',
          description: 'Payload encryption (PAYLOAD_ENCRYPTION=aes-256-gcm): the payload travels as {enc, iv, data, tag} sealed with the pre-shared PAYLOAD_KEY; signatures are over the plaintext and travel inside.',
        },
        tls: {
          type: 'X509',
          description: 'TLS (TLS_CERT/TLS_KEY, optional client certificates with TLS_CA): the control port and the file data port speak TLS; clients verify the server certificate.',
        },
      },
    },
  };
}
