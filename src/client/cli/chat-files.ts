/**
 * /send-file and /get for the chat CLI: SDK upload/download with a progress bar. The bar is
 * redrawn in place on a terminal (`progress`), or printed at 25 % steps otherwise (pipes, tests).
 */
import type { DownloadResult, FileTarget, FileTransferOptions, TransferProgress, UploadOptions, UploadResult } from '../file-transfer';

/** What the CLI needs of the SDK for files (SwitchboardClient has both). */
export interface FileTransport {
  upload(source: string, target: FileTarget, options?: UploadOptions): Promise<UploadResult>;
  download(fileId: string, dest: string, options?: FileTransferOptions): Promise<DownloadResult>;
}

export interface ProgressOutput {
  print(line: string): void;
  /** Redraws the current line (terminals). Without it, progress is printed at 25 % steps. */
  progress?(line: string): void;
}

const WIDTH = 24;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** `[########............] 40% 4.0 MiB/10.0 MiB report.pdf` */
export function progressBar(label: string, bytes: number, total: number): string {
  const ratio = total === 0 ? 1 : Math.min(1, bytes / total);
  const filled = Math.round(ratio * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(bytes)}/${formatBytes(total)} ${label}`;
}

function reporter(out: ProgressOutput, label: string): (p: TransferProgress) => void {
  let step = -1;
  return (p) => {
    const line = progressBar(label, p.bytes, p.total);
    if (out.progress) return out.progress(line);
    const now = Math.floor((p.total === 0 ? 1 : p.bytes / p.total) * 4);
    if (now > step) {
      step = now;
      out.print(line);
    }
  };
}

/** `/send-file <user_id|g-group_id> <path>`: ids starting with "g-" are groups. */
export async function sendFile(files: FileTransport, out: ProgressOutput, to: string, file: string): Promise<void> {
  const target: FileTarget = to.startsWith('g-') ? { type: 'group', id: to } : { type: 'user', id: to };
  const name = file.split(/[\\/]/).pop() ?? file;
  const result = await files.upload(file, target, { onProgress: reporter(out, name) });
  out.print(`${result.instant ? '✓ already on the server (instant upload)' : '✓ uploaded'} ${name} (${formatBytes(result.size)}) as ${result.fileId}; sent to ${to}`);
}

/** `/get <file_id> [dest]`: dest defaults to the file id in the current directory. */
export async function getFile(files: FileTransport, out: ProgressOutput, fileId: string, dest?: string): Promise<void> {
  const path = dest ?? fileId;
  const result = await files.download(fileId, path, { onProgress: reporter(out, path) });
  out.print(`✓ downloaded ${fileId} to ${path} (${formatBytes(result.size)}, sha256 ${result.hash.slice(0, 12)}…)`);
}
