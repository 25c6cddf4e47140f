/**
 * The index snapshot (docs/storage.md): the in-memory search index, sealed under the data key in
 * one row, so unlocking need not rebuild FTS5 from every document. It is used only when its
 * fingerprint matches the documents exactly.
 */
import type { Database } from 'sqlite-vec-wasm-demo';
import { sha256, toHex } from '../../core/bytes.ts';
import { openField, sealField } from '../../core/crypto/seal.ts';
import { toBytes } from './rows.ts';
import { INDEX_FORMAT } from './search-index.ts';

type Model = { modelId: string; dims: number };
const ref = (fingerprint: string) => ({ table: 'index_snapshot', column: 'data', rowid: fingerprint });

export interface FingerprintRow {
  id: number;
  /** The sealed values (only their first 13 bytes are read: format version and IV). */
  body: Uint8Array;
  chunks: Uint8Array;
  vectors: Uint8Array;
}

/**
 * What the index snapshot must match: the index format, the model, and for every indexed
 * document its id and the IVs of its sealed body, chunks and vectors. Every write of those
 * values draws a fresh random IV, so any change to what the index holds changes the fingerprint.
 */
export async function indexFingerprint(model: { modelId: string; dims: number }, rows: readonly FingerprintRow[]): Promise<string> {
  const head = new TextEncoder().encode(`confidant-index/${INDEX_FORMAT}|${model.modelId}|${model.dims}|${rows.length}|`);
  const per = 8 + 3 * 13;
  const buf = new Uint8Array(head.length + rows.length * per);
  buf.set(head);
  const view = new DataView(buf.buffer);
  rows.forEach((r, i) => {
    const o = head.length + i * per;
    view.setFloat64(o, r.id);
    buf.set(r.body.subarray(0, 13), o + 8);
    buf.set(r.chunks.subarray(0, 13), o + 21);
    buf.set(r.vectors.subarray(0, 13), o + 34);
  });
  return toHex(await sha256(buf));
}

/** The stored snapshot's fingerprint and sealed bytes, if there is one. */
export function storedSnapshot(db: Database): { fingerprint: string; data: Uint8Array } | undefined {
  const row = db.selectObjects('SELECT fingerprint, data FROM index_snapshot WHERE id = 1')[0];
  return row ? { fingerprint: String(row.fingerprint), data: toBytes(row.data) } : undefined;
}

/** Opens a stored snapshot (throws if it was tampered with or sealed under another key). */
export function openSnapshot(key: CryptoKey, snap: { fingerprint: string; data: Uint8Array }): Promise<Uint8Array> {
  return openField(key, ref(snap.fingerprint), snap.data);
}

/** Seals `bytes` and stores them in place of the snapshot. */
export async function storeSnapshot(db: Database, key: CryptoKey, fingerprint: string, bytes: Uint8Array): Promise<void> {
  const sealed = await sealField(key, ref(fingerprint), bytes);
  db.exec('INSERT INTO index_snapshot(id, fingerprint, data, created_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, created_at = excluded.created_at', {
    bind: [fingerprint, sealed, Date.now()],
  });
}

/** What the fingerprint covers, read from the store without loading the sealed values whole. */
export function snapshotRows(db: Database, model: Model): FingerprintRow[] {
  const rows = db.selectObjects(
    'SELECT id, substr(body, 1, 13) AS body, substr(chunks, 1, 13) AS chunks, substr(vectors, 1, 13) AS vectors FROM documents WHERE model_id = ? AND dims = ? ORDER BY id',
    [model.modelId, model.dims],
  );
  return rows.map((r) => ({ id: Number(r.id), body: toBytes(r.body), chunks: toBytes(r.chunks), vectors: toBytes(r.vectors) }));
}
