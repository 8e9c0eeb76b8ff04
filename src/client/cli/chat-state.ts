/**
 * The chat CLI's memory between runs, one folder per server and account
 * (`~/.switchboard/<host>_<port>/<username>/`, or `--state-dir`): `cursor.json` is the SDK's
 * FileCursorStore (where the message stream stopped, per conversation), `chat.json` what the
 * CLI itself needs — the names it learnt, the ids of messages it sent (so they are not printed
 * back as news) and when it last showed anything (the "new since …" marker).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCursorStore } from '../file-cursor-store';
import { NameBookState } from './chat-names';

/** Ids of own messages remembered (the newest); older ones are long covered by the cursor. */
const SENT_KEPT = 500;

export interface ChatMemory {
  names?: Partial<NameBookState>;
  sent?: string[];
  /** When this account last saw messages in this CLI (ms). */
  seen_at?: number;
}

export function defaultStateDir(host: string, port: number, username: string): string {
  const base = process.env.SWITCHBOARD_STATE_DIR ?? path.join(os.homedir(), '.switchboard');
  // Usernames are [A-Za-z0-9_.-]: safe as a folder name; lower-cased like the server compares them.
  return path.join(
    base,
    `${host.replace(/[^A-Za-z0-9_.-]/g, '_')}_${port}`,
    username.toLowerCase(),
  );
}

export class ChatState {
  readonly cursor: FileCursorStore;
  private readonly file: string;
  memory: ChatMemory;

  constructor(readonly dir: string) {
    this.cursor = new FileCursorStore(path.join(dir, 'cursor.json'));
    this.file = path.join(dir, 'chat.json');
    this.memory = ChatState.read(this.file);
  }

  private static read(file: string): ChatMemory {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ChatMemory;
      return parsed && typeof parsed === 'object' ? parsed : {};
    } catch {
      return {};
    }
  }

  rememberSent(messageId: string): void {
    const sent = (this.memory.sent ??= []);
    sent.push(messageId);
    if (sent.length > SENT_KEPT) sent.splice(0, sent.length - SENT_KEPT);
  }

  /** Written atomically (temp file + rename), private to the user. */
  save(names: NameBookState): void {
    this.memory.names = names;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.memory), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
