/**
 * A CursorStore in a JSON file (Node only: kept out of the SDK's core files so a browser bundle
 * never pulls in `fs`). Writes go to a temporary file renamed over the old one, so a crash mid-write
 * leaves the previous position, never a torn file; a file that cannot be read as a position is
 * treated as absent (the session then starts from the beginning, which is safe, not lost).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CursorStore, SyncPosition } from './cursor-store';

export class FileCursorStore implements CursorStore {
  constructor(readonly file: string) {}

  load(): SyncPosition | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(raw) as { cursor?: unknown; positions?: unknown };
      const positions: Record<string, number> = {};
      if (parsed.positions && typeof parsed.positions === 'object') {
        for (const [id, seq] of Object.entries(parsed.positions as Record<string, unknown>))
          if (Number.isSafeInteger(seq) && (seq as number) > 0) positions[id] = seq as number;
      }
      return { cursor: typeof parsed.cursor === 'string' ? parsed.cursor : undefined, positions };
    } catch {
      return undefined;
    }
  }

  save(position: SyncPosition): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(
      tmp,
      JSON.stringify({ version: 1, saved_at: new Date().toISOString(), ...position }),
      { mode: 0o600 },
    );
    fs.renameSync(tmp, this.file);
  }
}
