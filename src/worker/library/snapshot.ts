/**
 * The index snapshot (docs/storage.md): the in-memory search index, sealed under the data key in
 * a few rows, so unlocking need not re-index every document's keywords. It is used only when its
 * fingerprint matches the documents exactly.
 */
import type { Database } from 'sqlite-vec-wasm-demo';
import { sha256, toHex } from '../../core/bytes.ts';
import { openField, sealField } from '../../core/crypto/seal.ts';
import { toBytes } from './rows.ts';
import { INDEX_FORMAT } from './search-index.ts';

type Model = { modelId: string; dims: number };

export interface FingerprintRow {
  id: number;
  /** The first 13 bytes (format version and IV) of each sealed value; longer input is cut there. */
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

/**
 * The snapshot is stored in parts of this many bytes, each sealed on its own. Reading or binding a
 * BLOB makes SQLite hold all of it in its WebAssembly heap, which never shrinks: one 67 MB blob
 * (100k chunks) grew the engine's heap by that much at unlock and again at the first save. This
 * build of SQLite has no incremental blob I/O (sqlite3_blob_read is not exported), so the parts
 * are rows. Sealing 17 parts instead of one costs 16 more WebCrypto calls (~50 µs each).
 */
export const SNAPSHOT_PART_BYTES = 4 << 20;

/** A part's additional data names the snapshot, its place and the count, so parts cannot be swapped, dropped or mixed. */
const ref = (fingerprint: string, part: number, parts: number) => ({ table: 'index_snapshot', column: 'data', rowid: `${fingerprint}/${part}/${parts}` });

/** The stored snapshot's fingerprint, if there is one (nothing sealed is read). */
export function storedFingerprint(db: Database): string | undefined {
  const v = db.selectValue('SELECT fingerprint FROM index_snapshot WHERE part = 0');
  return v == null ? undefined : String(v);
}

/**
 * Opens the stored snapshot of `fingerprint`, a part at a time (each read while the one before is
 * decrypted). Throws if a part is missing, of another snapshot, tampered with or sealed under
 * another key: the caller rebuilds the index then.
 */
export async function openSnapshot(db: Database, key: CryptoKey, fingerprint: string): Promise<Uint8Array[]> {
  const rows = db.selectArrays('SELECT part, parts, fingerprint FROM index_snapshot ORDER BY part');
  const parts = rows.length;
  rows.forEach(([part, count, fp], i) => {
    if (Number(part) !== i || Number(count) !== parts || fp !== fingerprint) {
      throw new Error(`index snapshot torn: row ${i + 1} of the ${parts} stored is part ${String(part)} of ${String(count)} for ${String(fp).slice(0, 12)}…, want part ${i} of ${parts} for ${fingerprint.slice(0, 12)}…`);
    }
  });
  if (parts === 0) throw new Error('no index snapshot stored');
  // Waiting for each part before reading the one after next also lets the caller's own work
  // (unlocking reads and decrypts the documents meanwhile) run between the reads.
  const out: Uint8Array[] = [];
  let decrypting: Promise<Uint8Array> | null = null;
  for (let i = 0; i < parts; i++) {
    const sealed = toBytes(db.selectValue('SELECT data FROM index_snapshot WHERE part = ?', [i]));
    const opening = openField(key, ref(fingerprint, i, parts), sealed);
    opening.catch(() => {}); // its failure is thrown when it is awaited, unless an earlier part's is
    if (decrypting) out.push(await decrypting);
    decrypting = opening;
  }
  out.push(await decrypting!);
  return out;
}

/** Seals `bytes` and stores them in place of the snapshot, in parts of SNAPSHOT_PART_BYTES. */
export async function storeSnapshot(db: Database, key: CryptoKey, fingerprint: string, bytes: Uint8Array): Promise<void> {
  const parts = Math.max(1, Math.ceil(bytes.byteLength / SNAPSHOT_PART_BYTES));
  const sealed = await Promise.all(
    Array.from({ length: parts }, (_, i) => sealField(key, ref(fingerprint, i, parts), bytes.subarray(i * SNAPSHOT_PART_BYTES, (i + 1) * SNAPSHOT_PART_BYTES))),
  );
  const now = Date.now();
  db.transaction((tx) => {
    tx.exec('DELETE FROM index_snapshot');
    sealed.forEach((data, part) => {
      tx.exec('INSERT INTO index_snapshot(part, parts, fingerprint, data, created_at) VALUES (?, ?, ?, ?, ?)', { bind: [part, parts, fingerprint, data, now] });
    });
  });
}

/**
 * What the fingerprint covers, read from the store without loading the sealed values: their IVs
 * are kept in `document_ivs` by triggers (migration 5). A row missing there (none should be) is
 * read from the values themselves rather than left out of the fingerprint.
 */
export function snapshotRows(db: Database, model: Model): FingerprintRow[] {
  const rows = db.selectObjects(
    `SELECT d.id AS id,
            coalesce(i.body, substr(d.body, 1, 13)) AS body,
            coalesce(i.chunks, substr(d.chunks, 1, 13)) AS chunks,
            coalesce(i.vectors, substr(d.vectors, 1, 13)) AS vectors
       FROM documents AS d LEFT JOIN document_ivs AS i ON i.id = d.id
      WHERE d.model_id = ? AND d.dims = ? ORDER BY d.id`,
    [model.modelId, model.dims],
  );
  return rows.map((r) => ({ id: Number(r.id), body: toBytes(r.body), chunks: toBytes(r.chunks), vectors: toBytes(r.vectors) }));
}
