/**
 * The encrypted backup file: every row's ciphertext as stored plus the data key re-wrapped under a
 * backup passphrase (nothing is decrypted to write it), and reading one back, re-sealing each row
 * under this library's key with new ids.
 */
import { fromBase64Lenient, toBase64 } from '../../core/bytes.ts';
import { sealField, sealSegment, openField } from '../../core/crypto/seal.ts';
import type { KeyRecord } from '../../core/crypto/keys.ts';
import { ConfidantError } from '../../core/errors.ts';
import { CHUNKS_PER_DOC, type IndexedDoc } from './search-index.ts';
import { openRow, toBytes, type Row } from './rows.ts';

const FORMAT = 'confidant-backup';
const VERSION = 1;

export function backupJson(keyRecord: KeyRecord, rows: readonly Row[]): string {
  return JSON.stringify({
    format: FORMAT,
    version: VERSION,
    createdAt: new Date().toISOString(),
    keyRecord,
    documents: rows.map((r) => ({
      id: r.id, kind: r.kind, created_at: r.created_at, text_bytes: r.text_bytes, chunk_count: r.chunk_count, model_id: r.model_id, dims: r.dims,
      meta: toBase64(toBytes(r.meta)), body: toBase64(toBytes(r.body)), chunks: toBase64(toBytes(r.chunks)), vectors: toBase64(toBytes(r.vectors)),
    })),
  });
}

/** The backup's parts, checked for shape; its key record is unwrapped by the caller. */
export function parseBackup(json: string): { keyRecord: unknown; documents: Record<string, unknown>[] } {
  let parsed: { format?: unknown; version?: unknown; keyRecord?: unknown; documents?: unknown };
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ConfidantError('E_PARSE', 'This file is not a Confidant backup (it is not JSON).');
  }
  if (parsed.format !== FORMAT || parsed.version !== VERSION || !Array.isArray(parsed.documents)) {
    throw new ConfidantError('E_PARSE', 'This file is not a Confidant backup, or is from a newer version.');
  }
  return { keyRecord: parsed.keyRecord, documents: parsed.documents as Record<string, unknown>[] };
}

/**
 * Opens each backed-up row with the backup's data key and seals it under `key` as row
 * `firstId`, `firstId + 1`, …: the rows to insert and the documents to index.
 */
export async function resealBackup(documents: readonly Record<string, unknown>[], backupKey: CryptoKey, key: CryptoKey, firstId: number): Promise<{ rows: Row[]; docs: IndexedDoc[] }> {
  const rows: Row[] = [];
  const docs: IndexedDoc[] = [];
  let nextId = firstId;
  for (const d of documents) {
    const old: Row = {
      id: Number(d.id), kind: d.kind as Row['kind'], created_at: Number(d.created_at), text_bytes: Number(d.text_bytes), chunk_count: Number(d.chunk_count),
      model_id: String(d.model_id), dims: Number(d.dims), meta: fromBase64Lenient(String(d.meta)), body: fromBase64Lenient(String(d.body)), chunks: fromBase64Lenient(String(d.chunks)), vectors: fromBase64Lenient(String(d.vectors)),
    };
    const doc = await openRow(backupKey, old);
    const id = nextId++;
    const ref = (column: string) => ({ table: 'documents', column, rowid: id });
    const metaPlain = await openField(backupKey, { table: 'documents', column: 'meta', rowid: old.id }, old.meta);
    const segIds = doc.chunks.map((_, i) => id * CHUNKS_PER_DOC + i);
    const [meta, body, chunks, vectors] = await Promise.all([
      sealField(key, ref('meta'), metaPlain),
      sealField(key, ref('body'), doc.text ?? ''),
      sealField(key, ref('chunks'), JSON.stringify(doc.chunks.map((c) => [c.start, c.end, c.heading]))),
      sealSegment(key, { segmentId: id, modelId: old.model_id, dims: old.dims }, segIds, doc.vectors),
    ]);
    rows.push({ ...old, id, meta, body, chunks, vectors });
    docs.push({ ...doc, id });
  }
  return { rows, docs };
}
