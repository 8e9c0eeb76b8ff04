/**
 * Data-channel encryption for file transfers (docs/protocol.md "File transfer: encryption"),
 * shared by the server and the SDK. Pure: node:crypto only.
 *
 * key   = HKDF-SHA256(ikm = the pre-shared key (PAYLOAD_KEYS, by key_id), salt = "switchboard-file-v1",
 *         info = transfer_id, 32 bytes)
 * nonce = 4 zero bytes || uint64 big-endian chunk index, where chunk index = offset / chunk_size
 *         (every data frame but the last carries exactly chunk_size plaintext bytes)
 * frame = AES-256-GCM ciphertext || 16-byte tag; the AAD is the transfer id.
 *
 * One key per transfer and one nonce per chunk index: a resumed chunk is re-sealed under the same
 * nonce only with the same plaintext (the file is fixed by its sha256), so nonces never protect
 * two different plaintexts. Truncation or reordering is caught by the tag (reorder) and by the
 * sha256 check at file_size (truncation).
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

export const FILE_CIPHER = 'aes-256-gcm';
export const FILE_TAG_BYTES = 16;
/** The HKDF salt (its UTF-8 bytes). A string, not a Buffer built at load: the module is also in the browser bundle, which has no Buffer. */
const SALT = 'switchboard-file-v1';

export function deriveTransferKey(preSharedKey: Buffer, transferId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', preSharedKey, SALT, Buffer.from(transferId, 'utf8'), 32));
}

export function chunkNonce(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

export function sealChunk(key: Buffer, transferId: string, index: number, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(FILE_CIPHER, key, chunkNonce(index));
  cipher.setAAD(Buffer.from(transferId, 'utf8'));
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return Buffer.concat([head, tail, cipher.getAuthTag()]);
}

/** Returns the plaintext, or undefined when the payload is too short or its tag does not verify. */
export function openChunk(key: Buffer, transferId: string, index: number, sealed: Buffer): Buffer | undefined {
  if (sealed.length < FILE_TAG_BYTES) return undefined;
  const decipher = createDecipheriv(FILE_CIPHER, key, chunkNonce(index));
  decipher.setAAD(Buffer.from(transferId, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - FILE_TAG_BYTES));
  try {
    const head = decipher.update(sealed.subarray(0, sealed.length - FILE_TAG_BYTES));
    return Buffer.concat([head, decipher.final()]);
  } catch {
    return undefined;
  }
}
