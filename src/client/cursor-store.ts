/**
 * Where a session keeps its place in the message stream between runs, so an application that
 * restarts resumes from where it was instead of from the beginning of history: the sync cursor
 * (the server's resume token for message/history) and, per conversation, the newest seq already
 * handed to the application. Both move only forward. Pluggable: `FileCursorStore` (Node,
 * file-cursor-store.ts) for CLIs and daemons, anything with the same two methods elsewhere
 * (IndexedDB in a browser, the app's own database).
 */
export interface SyncPosition {
  /** The sync cursor covering what was delivered. */
  cursor?: string;
  /** conversation_id → newest seq delivered. */
  positions: Record<string, number>;
}

export interface CursorStore {
  /** The position saved by an earlier run, or undefined for a first run. */
  load(): SyncPosition | undefined | Promise<SyncPosition | undefined>;
  /** Called (debounced) as messages are delivered and on close; must not throw for a full disk — report it. */
  save(position: SyncPosition): void | Promise<void>;
}

/** Keeps the position in memory (tests; one process that recreates sessions). */
export class MemoryCursorStore implements CursorStore {
  position?: SyncPosition;

  load(): SyncPosition | undefined {
    return (
      this.position && { cursor: this.position.cursor, positions: { ...this.position.positions } }
    );
  }

  save(position: SyncPosition): void {
    this.position = { cursor: position.cursor, positions: { ...position.positions } };
  }
}
