import {
  EnvelopeDto,
  contentTypes,
  ErrorPayloadDto,
  FileAckDto,
  FileAcceptDto,
  FileCancelDto,
  FileRequestDto,
  NotificationEventDto,
  PingResponseDto,
  ProtocolError,
  validateEnvelope,
  validatePayload,
} from '../../../src/shared/protocol';
import { failure } from '../../support/protocol-error';


function fieldsOf(err: ProtocolError): string[] {
  return ((err.details?.fields ?? []) as { field: string }[]).map((f) => f.field);
}

describe('EnvelopeDto mirrors the hand-written validateEnvelope', () => {
  const cases: [string, unknown, boolean][] = [
    ['draft login frame', { id: '9fbb', type: 'request', timestamp: 1730795173, command: 'auth/login', headers: { version: '1.0', client: 'cli-0.1.0' }, payload: { username: 'alice' } }, true],
    ['minimal frame', { id: '1', command: 'control/ping' }, true],
    ['event frame', { id: 'hb-1', type: 'event', command: 'presence/heartbeat', payload: { seq: 1024 } }, true],
    ['alias command', { id: '1', command: 'message.send', payload: {} }, true],
    ['missing id', { command: 'control/ping' }, false],
    ['empty id', { id: '', command: 'control/ping' }, false],
    ['numeric id', { id: 1, command: 'control/ping' }, false],
    ['id too long', { id: 'x'.repeat(129), command: 'control/ping' }, false],
    ['missing command', { id: '1' }, false],
    ['command too long', { id: '1', command: 'x'.repeat(65) }, false],
    ['unknown type', { id: '1', command: 'control/ping', type: 'push' }, false],
    ['array payload', { id: '1', command: 'control/ping', payload: [] }, false],
    ['string payload', { id: '1', command: 'control/ping', payload: 'x' }, false],
    ['string headers', { id: '1', command: 'control/ping', headers: 'x' }, false],
    ['string timestamp', { id: '1', command: 'control/ping', timestamp: '1730795173' }, false],
  ];

  it.each(cases)('%s', (_name, frame, valid) => {
    const handWritten = (() => {
      try {
        validateEnvelope(structuredClone(frame));
        return true;
      } catch (err) {
        expect((err as ProtocolError).code).toBe('INVALID_ENVELOPE');
        return false;
      }
    })();
    const viaDto = (() => {
      try {
        validatePayload(EnvelopeDto, structuredClone(frame));
        return true;
      } catch (err) {
        expect((err as ProtocolError).code).toBe('VALIDATION_FAILED');
        return false;
      }
    })();
    expect(handWritten).toBe(valid);
    expect(viaDto).toBe(valid);
  });

  it('checks header contents the fast path leaves to later stages', () => {
    const err = failure(() =>
      validatePayload(EnvelopeDto, { id: '1', command: 'x/y', headers: { version: 'one', Authorization: 'token' } }),
    );
    expect(fieldsOf(err).sort()).toEqual(['headers.Authorization', 'headers.version']);
  });
});

describe('validatePayload', () => {
  const request = {
    file_name: 'report.pdf',
    file_size: 5242880,
    hash: 'sha256:9f86d081884c7d65',
    target: { type: 'user', id: 'u-10002' },
    resume: { transfer_id: 'tr-001', offset: 1048576 },
  };

  it('accepts the draft file/request example and returns a class instance', () => {
    const dto = validatePayload(FileRequestDto, request);
    expect(dto).toBeInstanceOf(FileRequestDto);
    expect(dto.target.id).toBe('u-10002');
    expect(dto.resume?.offset).toBe(1048576);
  });

  it('strips unknown fields like the server pipe does', () => {
    const dto = validatePayload(FileCancelDto, { transfer_id: 'tr-1', evil: true });
    expect(dto).toEqual({ transfer_id: 'tr-1' });
  });

  it('names every failing field, nested ones with a dotted path', () => {
    const err = failure(() =>
      validatePayload(FileRequestDto, {
        ...request,
        file_name: '../etc/passwd',
        file_size: -1,
        hash: 'nohash',
        target: { type: 'planet', id: '' },
        resume: { transfer_id: 'tr-1', offset: 1.5 },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(fieldsOf(err).sort()).toEqual(
      ['file_name', 'file_size', 'hash', 'resume.offset', 'target.id', 'target.type'].sort(),
    );
    expect(err.message).toMatch(/^invalid payload: /);
    expect(err.message).toContain('file_name must be a base name');
    expect(err.toPayload()).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED', fields: expect.any(Array) });
  });

  it('refuses a missing nested object', () => {
    const { target: _target, ...noTarget } = request;
    expect(fieldsOf(failure(() => validatePayload(FileRequestDto, noTarget)))).toContain('target');
  });

  it('refuses non-object payloads', () => {
    for (const payload of [null, [], 'x', 3]) {
      const err = failure(() => validatePayload(FileCancelDto, payload));
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(err)).toEqual(['payload']);
    }
  });

  it('validates the draft server-side payload examples too', () => {
    expect(() =>
      validatePayload(FileAcceptDto, {
        status: 200,
        transfer_id: 'tr-54879',
        mode: 'passive',
        endpoint: { host: 'server.example.com', port: 9500, protocol: 'tcp' },
        chunk_size: 65536,
        resume_offset: 1048576,
      }),
    ).not.toThrow();
    expect(() => validatePayload(FileAckDto, { transfer_id: 'tr-54879', offset: 1310720, status: 200 })).not.toThrow();
    expect(() => validatePayload(PingResponseDto, { status: 200, server_time: 1, server_time_ms: 1000 })).not.toThrow();
    expect(() =>
      validatePayload(ErrorPayloadDto, { status: 400, error_code: 'INVALID_JSON', error_message: 'bad' }),
    ).not.toThrow();
    expect(fieldsOf(failure(() => validatePayload(FileAcceptDto, { status: 200, transfer_id: 't', mode: 'x', endpoint: { host: 'h', port: 70000, protocol: 'udp' }, chunk_size: 0, resume_offset: 0 })))).toEqual(
      expect.arrayContaining(['mode', 'endpoint.port', 'endpoint.protocol', 'chunk_size']),
    );
  });

  it('notification/event requires a lower-case type', () => {
    // As NotificationService sends it: id and times always, type-specific fields beside.
    const sent = { status: 200, notification_id: 'n-1', sent_at: 1730795220, sent_at_ms: 1730795220123, conversation_id: 'g-1' };
    expect(validatePayload(NotificationEventDto, { ...sent, type: 'group.member_added' }).type).toBe('group.member_added');
    expect(fieldsOf(failure(() => validatePayload(NotificationEventDto, { ...sent, type: 'Group Added' })))).toEqual(['type']);
    expect(fieldsOf(failure(() => validatePayload(NotificationEventDto, { type: 'group.member_added' })))).toEqual(['notification_id', 'sent_at', 'sent_at_ms']);
  });
});

describe('the draft example frames (comments removed) are valid envelopes', () => {
  const examples: Record<string, unknown> = {
    'auth/login request': { id: '9fbb4e7e-73f6-4e71-9f44-70cdaeb71b0b', type: 'request', timestamp: 1730795173, command: 'auth/login', payload: { username: 'alice', password: 'hashed-password', client_info: { device: 'windows', version: 'cli-0.1.0' } } },
    'auth/login response': { id: '9fbb4e7e-73f6-4e71-9f44-70cdaeb71b0b', type: 'response', timestamp: 1730795174, command: 'auth/login', payload: { status: 200, token: 'jwt-or-session-id', user_id: 'u-10001', expires_in: 3600 } },
    'presence/heartbeat': { id: 'hb-1730795200', type: 'event', command: 'presence/heartbeat', payload: { seq: 1024 } },
    'message/send': { id: 'msg-58123', type: 'request', command: 'message/send', payload: { conversation_id: 'room-001', target: { type: 'user', id: 'u-10002' }, content: { type: 'text', text: 'Hello world!' }, attachments: [{ file_id: 'f-abc123', name: 'image.png', size: 2048 }], meta: { reply_to: 'msg-57111', priority: 'normal' } } },
    'message/event': { id: 'msg-58123', type: 'event', command: 'message/event', payload: { status: 200, message: { message_id: 'msg-58123', conversation_id: 'room-001', sender_id: 'u-10001', sent_at: 1730795220, content: { type: 'text', text: 'Hello world!' } } } },
    'file/request': { id: 'file-req-1', type: 'request', command: 'file/request', payload: { file_name: 'report.pdf', file_size: 5242880, hash: 'sha256:...', target: { type: 'user', id: 'u-10002' }, resume: { transfer_id: 'tr-001', offset: 1048576 } } },
    'file/request response': { id: 'file-req-1', type: 'response', command: 'file/request', payload: { status: 200, transfer_id: 'tr-54879', mode: 'passive', endpoint: { host: 'server.example.com', port: 9500, protocol: 'tcp' }, chunk_size: 65536, resume_offset: 1048576 } },
    'envelope skeleton': { id: 'uuid', type: 'request', timestamp: 1730795173, command: 'auth/login', headers: { version: '1.0', client: 'cli-0.1.0' }, payload: { '...': '...' } },
  };

  it.each(Object.entries(examples))('%s', (_name, frame) => {
    expect(() => validateEnvelope(structuredClone(frame))).not.toThrow();
    expect(() => validatePayload(EnvelopeDto, structuredClone(frame))).not.toThrow();
  });

  it('the draft file/request and its response match the file DTOs', () => {
    const req = examples['file/request'] as { payload: unknown };
    const res = examples['file/request response'] as { payload: unknown };
    expect(validatePayload(FileRequestDto, req.payload).hash).toBe('sha256:...');
    expect(validatePayload(FileAcceptDto, res.payload).endpoint.port).toBe(9500);
  });

  it('the draft content examples are valid content types', () => {
    const send = examples['message/send'] as { payload: { content: unknown } };
    expect(contentTypes.validate(send.payload.content)).toBeUndefined();
  });
});
