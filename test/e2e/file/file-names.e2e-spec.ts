/**
 * #18.11 (file names): a name other people see, and may save a file under, is normalised to NFC
 * and refused with a 400 naming the field when it holds control characters (ESC/CR sequences
 * rewrite a reader's terminal), bidirectional controls (U+202E makes "gpj.exe" read "exe.jpg"),
 * or is only a path ("." / ".." / with a separator). The same rule holds for the names a sender
 * writes into a file-ref content or an attachment.
 */
import { LoggedInUser, registerAndLogin } from '../../support/users';
import { startTestApp, TestApp } from '../../support/test-app';
import { randomContent, uploadRequest } from './file-helpers';

const BAD_NAMES: [string, string][] = [
  ['.', 'the current directory'],
  ['..', 'the parent directory'],
  ['../../etc/passwd', 'a path'],
  ['dir\\evil.txt', 'a Windows path'],
  ['invoice\u202Egpj.exe', 'a right-to-left override'],
  ['a\u2066b\u2069.txt', 'a bidi isolate'],
  ['\u001b]0;pwned\u0007\u001b[2K\rreport.pdf', 'ESC, BEL and CR sequences'],
  ['tab\there.txt', 'a tab'],
  ['del\u007f.txt', 'DEL'],
  ['c1\u0085.txt', 'a C1 control (NEL)'],
  ['line\u2028break.txt', 'a line separator'],
];

describe('#18.11 file names: normalised to NFC, control / bidi / path-only names refused with a 400 naming the field', () => {
  let app: TestApp;
  let alice: LoggedInUser;
  let bob: LoggedInUser;
  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob] = await Promise.all([registerAndLogin(app), registerAndLogin(app)]);
  });
  afterAll(() => app.close());

  it.each(BAD_NAMES)('file/request refuses %j (%s)', async (name) => {
    const answer = await alice.client.request('file/request', uploadRequest(randomContent(10), { type: 'user', id: bob.userId }, { file_name: name }));
    expect(answer.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(answer.payload.error_message).toContain('file_name');
    expect(answer.payload.error_message).toContain('bidirectional controls');
  });

  it('keeps ordinary names, dots and all scripts, and stores a name in NFC (the file-ref carries the composed form)', async () => {
    const decomposed = 'Cafe\u0301 menu (v2).tar.gz';
    const uploaded = await alice.client.upload(randomContent(100), { type: 'user', id: bob.userId }, { fileName: decomposed });
    const event = await bob.client.waitFor((f) => f.command === 'message/event' && (f.payload as any).message.content.file_id === uploaded.fileId);
    expect(event.payload.message.content.name).toBe('Caf\u00e9 menu (v2).tar.gz');
    for (const name of ['.hidden', '...', '报告.pdf', 'تقرير.pdf']) {
      const ok = await alice.client.request('file/request', uploadRequest(randomContent(10), { type: 'user', id: bob.userId }, { file_name: name }));
      expect(ok.payload.status).toBe(200);
      await alice.client.call('file/cancel', { transfer_id: ok.payload.transfer_id });
    }
  });

  it('refuses the same names written by a sender into a file-ref content or an attachment, naming the field', async () => {
    const file = await alice.client.upload(randomContent(100), { type: 'user', id: bob.userId }, { fileName: 'fine.txt' });
    const target = { type: 'user', id: bob.userId };
    const ref = await alice.client.request('message/send', { target, content: { type: 'file-ref', file_id: file.fileId, name: 'photo\u202Egnp.exe' } });
    expect(ref.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(ref.payload.error_message).toContain('content.name');
    const attachment = await alice.client.request('message/send', { target, content: { type: 'text', text: 'see' }, attachments: [{ file_id: file.fileId, name: '..' }] });
    expect(attachment.payload).toMatchObject({ status: 400, error_code: 'VALIDATION_FAILED' });
    expect(attachment.payload.error_message).toContain('attachments[0].name');
    const fine = await alice.client.request('message/send', { target, content: { type: 'file-ref', file_id: file.fileId, name: 'fine copy.txt' } });
    expect(fine.payload.status).toBe(200);
  });
});
