import { parseCommand } from '../../../src/client/cli/chat-commands';
import { formatBytes, progressBar } from '../../../src/client/cli/chat-files';

describe('chat CLI: /send-file and /get', () => {
  it('parses /send-file with a path that may contain spaces, and /get with an optional destination', () => {
    expect(parseCommand('/send-file u-1a2b ./my report.pdf')).toEqual({ ok: true, command: { kind: 'send-file', to: 'u-1a2b', path: './my report.pdf' } });
    expect(parseCommand('/send-file g-abc x.bin')).toEqual({ ok: true, command: { kind: 'send-file', to: 'g-abc', path: 'x.bin' } });
    expect(parseCommand('/get f-123')).toEqual({ ok: true, command: { kind: 'get', fileId: 'f-123' } });
    expect(parseCommand('/get f-123 /tmp/out.pdf')).toEqual({ ok: true, command: { kind: 'get', fileId: 'f-123', dest: '/tmp/out.pdf' } });
  });

  it('answers a usage line when arguments are missing', () => {
    expect(parseCommand('/send-file u-1')).toEqual({ ok: false, error: 'usage: /send-file <username|group_id> <path>' });
    expect(parseCommand('/get')).toEqual({ ok: false, error: 'usage: /get <file_id> [dest]' });
  });

  it('draws a progress bar with percentage and sizes', () => {
    expect(progressBar('a.bin', 0, 4096)).toBe('[........................]   0% 0 B/4.0 KiB a.bin');
    expect(progressBar('a.bin', 5 * 1024 * 1024, 10 * 1024 * 1024)).toBe('[############............]  50% 5.0 MiB/10.0 MiB a.bin');
    expect(progressBar('empty', 0, 0)).toBe('[########################] 100% 0 B/0 B empty');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GiB');
  });
});
