/**
 * The Nest LoggerService adapter over pino: Nest's calling conventions map to clean JSON fields,
 * levels filter, and secrets are redacted at any of the first levels of nesting.
 */
import { LogCapture } from '../../support/log-capture';
import { createRootLogger, PinoLoggerService } from '../../../src/common/logging';

function setup(level: 'info' | 'debug' | 'warn' = 'info') {
  const capture = new LogCapture();
  const root = createRootLogger({ level, format: 'json' }, { stream: capture });
  return { capture, root, nest: new PinoLoggerService(root) };
}

describe('PinoLoggerService', () => {
  it('maps log(message, context) and error(message, stack, context) to fields', () => {
    const { capture, nest } = setup();
    nest.log('started', 'Bootstrap');
    nest.error('boom', 'Error: boom\n    at x (y.ts:1:1)', 'Worker');
    nest.error('plain failure', undefined, 'Transport');
    nest.warn({ event: 'slow', ms: 12 }, 'Db');
    expect(capture.lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'started', context: 'Bootstrap' }),
      expect.objectContaining({
        level: 'error',
        msg: 'boom',
        context: 'Worker',
        stack: expect.stringContaining('at x'),
      }),
      expect.objectContaining({ level: 'error', msg: 'plain failure', context: 'Transport' }),
      expect.objectContaining({ level: 'warn', event: 'slow', ms: 12, context: 'Db' }),
    ]);
    expect(capture.lines[2]).not.toHaveProperty('params');
    expect(typeof capture.lines[0].time).toBe('string');
  });

  it('logs Error objects with their stack and honours the level', () => {
    const { capture, nest } = setup('warn');
    nest.log('hidden');
    nest.debug('hidden too');
    nest.error(new Error('kaput'), 'Ctx');
    expect(capture.lines).toHaveLength(1);
    expect(capture.lines[0]).toMatchObject({
      level: 'error',
      msg: 'kaput',
      context: 'Ctx',
      err: { type: 'Error', message: 'kaput' },
    });
  });

  it('setLogLevels maps Nest levels onto pino', () => {
    const { capture, nest } = setup('info');
    nest.setLogLevels(['error']);
    nest.log('dropped');
    nest.error('kept');
    expect(capture.lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it('redacts secrets at the top level and nested', () => {
    const { capture, root } = setup();
    root.info(
      {
        password: 'p1',
        frame: {
          headers: { Authorization: 'Bearer t1' },
          payload: { refresh_token: 'r1', nested: { private_key: 'k1' } },
        },
      },
      'x',
    );
    expect(capture.text).not.toMatch(/p1|t1|r1|k1/);
    expect(capture.lines[0]).toMatchObject({
      password: '[REDACTED]',
      frame: {
        headers: { Authorization: '[REDACTED]' },
        payload: { refresh_token: '[REDACTED]', nested: { private_key: '[REDACTED]' } },
      },
    });
  });
});
