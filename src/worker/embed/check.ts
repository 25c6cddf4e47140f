/**
 * The one place model files are checked before they are stored, whether they were downloaded or
 * picked from a folder: the SHA-256 of the bytes against every hash known for that path (the
 * model's spec pins the weights and tokenizer; a caller may add more).
 */
import { ConfidantError } from '../../core/errors.ts';
import type { ModelSpec } from './models.ts';

export interface CheckedFile {
  data: Uint8Array;
  sha256: string;
  /** At least one known hash matched (files without a known hash are stored with their hash recorded). */
  verified: boolean;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Every hash that applies to `file`: the spec's and the caller's (lower-case hex). */
function expectedHashes(spec: ModelSpec, extra: Record<string, string> | undefined, file: string): string[] {
  return [spec.sha256?.[file], extra?.[file]].filter((h): h is string => typeof h === 'string').map((h) => h.toLowerCase());
}

/**
 * Hashes `data` and compares it with what is known for `file`. E_INTEGRITY names the file, the
 * hash got and the hash wanted; `from` says where the bytes came from, for the message.
 */
export async function checkModelFile(spec: ModelSpec, file: string, data: Uint8Array, extra: Record<string, string> | undefined, from: 'download' | 'folder'): Promise<CheckedFile> {
  const got = await sha256Hex(data);
  const want = expectedHashes(spec, extra, file);
  const bad = want.find((h) => h !== got);
  if (bad) {
    const what = from === 'download' ? `The downloaded ${file} of ${spec.id}` : `The ${file} in that folder`;
    const why = from === 'download' ? 'it may have been corrupted or tampered with on the way' : `it is not the ${spec.id} file Confidant pins (another model or version?)`;
    throw new ConfidantError('E_INTEGRITY', `${what} is not the expected file (SHA-256 ${got}, expected ${bad}). Nothing was saved; ${why}.`, {
      reason: 'integrity',
      modelId: spec.id,
      file,
      expected: bad,
      actual: got,
      from,
    });
  }
  return { data, sha256: got, verified: want.length > 0 };
}
