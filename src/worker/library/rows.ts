/**
 * The `documents` table's rows and the sealing around them: what a row holds, opening one with
 * the data key. Every sealed value's AAD names
 * its table, column and row, so a value moved to another row or column does not open.
 */
import { openFieldText, openSegment } from '../../core/crypto/seal.ts';
import { ConfidantError } from '../../core/errors.ts';
import type { DocSummary, NewDocument } from '../../messaging/library.ts';
import type { IndexedDoc } from './search-index.ts';

export interface DocMeta {
  title: string;
  url: string | null;
  lang?: string;
  byline?: string | null;
  mime?: string;
}

export type Row = {
  id: number;
  kind: NewDocument['kind'];
  created_at: number;
  text_bytes: number;
  chunk_count: number;
  model_id: string;
  dims: number;
  meta: Uint8Array;
  body: Uint8Array;
  chunks: Uint8Array;
  vectors: Uint8Array;
};

/**
 * A row as unlocking reads it: everything but the body. (Not even the body's first bytes, which it
 * used to take: substr() on a BLOB reads all of it, and bodies are 90 MB at 100k chunks.)
 */
export type ListedRow = Omit<Row, 'body'>;
export const LISTED_COLUMNS = 'id, kind, created_at, text_bytes, chunk_count, model_id, dims, meta, chunks, vectors';
export const INSERT_ROW = 'INSERT INTO documents(id, kind, created_at, text_bytes, chunk_count, model_id, dims, meta, body, chunks, vectors) VALUES (?,?,?,?,?,?,?,?,?,?,?)';

export const rowBinding = (r: Row) => [r.id, r.kind, r.created_at, r.text_bytes, r.chunk_count, r.model_id, r.dims, r.meta, r.body, r.chunks, r.vectors];

/** Decrypts a row; with `body: null` the text is left sealed (opened on demand). */
export async function openRow(key: CryptoKey, row: Omit<Row, 'body'> & { body: Uint8Array | null }): Promise<IndexedDoc> {
  const ref = (column: string) => ({ table: 'documents', column, rowid: row.id });
  const [metaText, text, chunksText, seg] = await Promise.all([
    openFieldText(key, ref('meta'), toBytes(row.meta)),
    row.body === null ? null : openFieldText(key, ref('body'), toBytes(row.body)),
    openFieldText(key, ref('chunks'), toBytes(row.chunks)),
    openSegment(key, { segmentId: row.id, modelId: row.model_id, dims: row.dims, count: row.chunk_count }, toBytes(row.vectors)),
  ]);
  const meta = JSON.parse(metaText) as DocMeta;
  const chunks = (JSON.parse(chunksText) as [number, number, string][]).map(([start, end, heading]) => ({ start, end, heading }));
  return { id: row.id, title: meta.title, url: meta.url, text, chunks, vectors: seg.data, ephemeral: false };
}

export function summaryOf(row: Pick<Row, 'id' | 'kind' | 'created_at' | 'text_bytes' | 'chunk_count' | 'model_id'>, doc: IndexedDoc): DocSummary {
  let site: string | null = null;
  try {
    site = doc.url ? new URL(doc.url).hostname : null;
  } catch {
    site = null;
  }
  return { id: row.id, kind: row.kind, title: doc.title, url: doc.url, site, createdAt: row.created_at, bytes: row.text_bytes, chunks: row.chunk_count, modelId: row.model_id };
}

export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new ConfidantError('E_DB', 'A stored value has the wrong type.', { reason: 'integrity' });
}
