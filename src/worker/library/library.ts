import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';
import { fromBase64Lenient, toBase64 } from '../../core/bytes.ts';
import { createKeyRecord, generateDeviceKey, needsKdfUpgrade, needsPassphrase, parseKeyRecord, rewrapKeyRecord, unwrapDataKey, type KeyRecord, type KeySource } from '../../core/crypto/keys.ts';
import { openField, openFieldText, openSegment, sealField, sealSegment } from '../../core/crypto/seal.ts';
import { ConfidantError } from '../../core/errors.ts';
import { dropNearDuplicates, fuseRrf, queryTerms } from '../../core/library/fuse.ts';
import type { ConversationRecord, ConversationSummary } from '../../messaging/views.ts';
import type { DocSummary, LibraryState, NewDocument, Passage, SearchResult, SearchScope } from '../../messaging/library.ts';
import type { Embedder } from '../embed/types.ts';
import { deleteDeviceKey, loadDeviceKey, storeDeviceKey } from './device-key.ts';
import { chunkForEmbedding } from './chunking.ts';
import { CHUNKS_PER_DOC, chunkIdOf, docIdOf, INDEX_FORMAT, SearchIndex, type ChunkSpan, type IndexedDoc } from './search-index.ts';

/** Ephemeral (unsaved) pages get ids far above any saved document's. */
const EPHEMERAL_BASE = 2 ** 32;
const EPHEMERAL_KEEP = 4;
/** Rows decrypted at once when unlocking. */
const OPEN_BATCH = 16;
/** The index snapshot is rewritten this long after the last change (and at lock). */
const SNAPSHOT_DELAY_MS = 10_000;
/** Most text one document may hold (characters); larger input is refused, not truncated silently. */
export const MAX_DOC_CHARS = 8_000_000;
/**
 * Without the embedding model, a page up to this long is sent whole rather than searched by
 * keywords (about 4,000 tokens: a few percent of the model's context, and most articles fit).
 */
export const WHOLE_PAGE_CHARS = 16_000;
/**
 * Chunk sizes without the model's tokenizer: about four characters per WordPiece token in English
 * prose. Only keyword search and whole-page sending use these chunks, so an estimate is enough.
 */
const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

interface DocMeta {
  title: string;
  url: string | null;
  lang?: string;
  byline?: string | null;
  mime?: string;
}

type Row = {
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

/** A row as unlocking reads it: everything but the body, of which only the format byte and IV. */
type ListedRow = Omit<Row, 'body'> & { body_head: Uint8Array };
const LISTED_COLUMNS = 'id, kind, created_at, text_bytes, chunk_count, model_id, dims, meta, chunks, vectors, substr(body, 1, 13) AS body_head';

export interface LibraryDeps {
  sqlite3: Sqlite3Static;
  db: Database;
  /** The configured model: known without loading it, so unlocking never waits for a download. */
  model: () => { modelId: string; dims: number };
  /** The loaded model; throws E_MODEL_NOT_READY until the user has let it download. */
  embedder: () => Promise<Embedder>;
  /** The model if it can embed now without a download; null otherwise (asking then uses keywords). */
  usableEmbedder: () => Promise<Embedder | null>;
  progress: (task: string, done: number, total: number, detail?: string) => void;
}

/**
 * The private library: an encrypted store in SQLite on OPFS (ciphertext only) plus the in-memory
 * search index built from it at unlock. Writes are serialized, and each save is one INSERT in one
 * transaction, so a browser killed mid-ingest leaves the document either complete or absent.
 */
export class Library {
  private dataKey: CryptoKey | null = null;
  private index: SearchIndex | null = null;
  private summaries = new Map<number, DocSummary>();
  private ephemeral: number[] = [];
  private nextEphemeral = EPHEMERAL_BASE;
  private queue: Promise<unknown> = Promise.resolve();
  /** The stored index snapshot no longer matches the index (docs/storage.md, "index snapshot"). */
  private snapshotDirty = false;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where the index came from at the last unlock (tests). */
  private indexSource: 'snapshot' | 'rebuilt' | null = null;

  constructor(private readonly deps: LibraryDeps) {}

  /** Runs write operations one at a time, in order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private keyRecord(): KeyRecord | null {
    const raw = this.deps.db.selectValue('SELECT record FROM keyring WHERE id = 1');
    return raw == null ? null : parseKeyRecord(JSON.parse(String(raw)));
  }

  state(autoLockMinutes: number): LibraryState {
    const rec = this.keyRecord();
    return {
      initialized: rec !== null,
      unlocked: this.dataKey !== null,
      protection: rec ? (needsPassphrase(rec) ? 'passphrase' : 'device') : null,
      documents: Number(this.deps.db.selectValue('SELECT count(*) FROM documents') ?? 0),
      autoLockMinutes,
    };
  }

  get isUnlocked(): boolean {
    return this.dataKey !== null;
  }

  private requireKey(): CryptoKey {
    if (!this.dataKey) throw new ConfidantError('E_LOCKED', 'The library is locked. Unlock it to continue.');
    return this.dataKey;
  }

  private requireIndex(): SearchIndex {
    this.requireKey();
    return this.index!;
  }

  private async lockSource(passphrase: string | null): Promise<KeySource> {
    if (passphrase !== null) {
      if (passphrase.length < 8) throw new ConfidantError('E_BAD_REQUEST', 'Choose a passphrase of at least 8 characters.');
      return { passphrase };
    }
    const key = await generateDeviceKey();
    await storeDeviceKey(key);
    return { deviceKey: key };
  }

  private async unlockSource(rec: KeyRecord, passphrase: string | null | undefined): Promise<KeySource> {
    if (needsPassphrase(rec)) {
      if (!passphrase) throw new ConfidantError('E_WRONG_PASSPHRASE', 'Enter your passphrase to unlock the library.');
      return { passphrase };
    }
    const key = await loadDeviceKey();
    if (!key) throw new ConfidantError('E_LOCKED', "This browser's device key is missing, so the library cannot be opened. Import a backup or wipe the library.");
    return { deviceKey: key };
  }

  /** First run: a fresh data key, wrapped by the passphrase or by a device key. */
  setup(passphrase: string | null): Promise<void> {
    return this.serial(async () => {
      if (this.keyRecord()) throw new ConfidantError('E_BAD_REQUEST', 'The library is already set up.');
      const { record, dataKey } = await createKeyRecord(await this.lockSource(passphrase));
      this.deps.db.exec('INSERT INTO keyring(id, record, created_at) VALUES (1, ?, ?)', { bind: [JSON.stringify(record), Date.now()] });
      this.dataKey = dataKey;
      await this.buildIndex([]);
    });
  }

  unlock(passphrase?: string | null): Promise<void> {
    return this.serial(async () => {
      if (this.dataKey) return;
      const rec = this.keyRecord();
      if (!rec) throw new ConfidantError('E_LOCKED', 'The library has not been set up yet.');
      const source = await this.unlockSource(rec, passphrase);
      const key = await unwrapDataKey(rec, source);
      // A passphrase record from before Argon2id is re-wrapped under it now (same data key, so no
      // data changes); if that fails, the old record stays and still opens.
      if (needsKdfUpgrade(rec) && 'passphrase' in source) {
        try {
          const upgraded = await rewrapKeyRecord(rec, source, { passphrase: source.passphrase });
          this.deps.db.exec('UPDATE keyring SET record = ? WHERE id = 1', { bind: [JSON.stringify(upgraded)] });
        } catch (e) {
          console.warn('Confidant: could not upgrade the passphrase record to Argon2id:', (e as Error).message);
        }
      }
      const rows = this.listedRows();
      this.dataKey = key;
      try {
        await this.buildIndex(rows);
      } catch (e) {
        this.dataKey = null;
        this.index?.close();
        this.index = null;
        throw e;
      }
    });
  }

  /** Rebuilds the in-memory index from the store (after the embedding model changed). */
  reloadIndex(): Promise<void> {
    return this.serial(async () => {
      this.requireKey();
      await this.buildIndex(this.listedRows());
    });
  }

  /**
   * Opens every row and makes the in-memory index: from the sealed snapshot when it matches the
   * documents exactly (fingerprint), otherwise built from the rows (then a snapshot is written).
   */
  private listedRows(): ListedRow[] {
    return this.deps.db.selectObjects(`SELECT ${LISTED_COLUMNS} FROM documents ORDER BY id`) as unknown as ListedRow[];
  }

  /**
   * Opens every row and makes the in-memory index: from the sealed snapshot when it matches the
   * documents exactly (fingerprint), otherwise built from the rows (then a snapshot is written).
   * With a snapshot, bodies are left out of unlocking (a third of what it reads and decrypts) and
   * opened right after, in the background (warmTexts), or first by whatever needs one (textOf).
   */
  private async buildIndex(rows: ListedRow[]): Promise<void> {
    const key = this.requireKey();
    const model = this.deps.model();
    this.index?.close();
    this.index = null;
    this.summaries.clear();
    const current = (r: Pick<Row, 'model_id' | 'dims'>) => r.model_id === model.modelId && r.dims === model.dims;
    const fingerprint = await indexFingerprint(model, rows.filter(current).map((r) => ({ id: r.id, body: toBytes(r.body_head), chunks: toBytes(r.chunks), vectors: toBytes(r.vectors) })));
    const snap = this.deps.db.selectObjects('SELECT fingerprint, data FROM index_snapshot WHERE id = 1')[0];
    const useSnapshot = snap !== undefined && snap.fingerprint === fingerprint && rows.some(current);
    // Without a usable snapshot FTS5 is rebuilt, which needs every body now.
    const bodies = useSnapshot ? null : new Map(this.deps.db.selectArrays('SELECT id, body FROM documents').map(([id, body]) => [Number(id), toBytes(body)]));
    const docs: IndexedDoc[] = [];
    // Rows are opened a batch at a time: WebCrypto decrypts off this thread, so several rows in
    // flight keep it busy while this thread parses the previous ones.
    for (let i = 0; i < rows.length; i += OPEN_BATCH) {
      const batch = rows.slice(i, i + OPEN_BATCH);
      const opened = await Promise.all(batch.map((row) => this.openRow(key, { ...row, body: bodies?.get(row.id) ?? null })));
      batch.forEach((row, j) => {
        this.summaries.set(row.id, summaryOf(row, opened[j]!));
        if (current(row)) docs.push(opened[j]!);
      });
      this.deps.progress('unlock', Math.min(rows.length, i + OPEN_BATCH), rows.length);
    }
    let index: SearchIndex | null = null;
    if (useSnapshot) {
      try {
        const bytes = await openField(key, { table: 'index_snapshot', column: 'data', rowid: fingerprint }, toBytes(snap.data));
        index = SearchIndex.open(this.deps.sqlite3, model.dims, bytes, docs);
      } catch {
        index = null; // damaged: rebuilt below, and rewritten
      }
    }
    this.indexSource = index ? 'snapshot' : 'rebuilt';
    if (!index) {
      for (const d of docs) await this.textOf(d, key);
      index = SearchIndex.create(this.deps.sqlite3, model.dims);
      index.add(docs);
      if (docs.length > 0) this.indexChanged();
    }
    this.index = index;
    this.stale = rows.filter((r) => !current(r)).map((r) => r.id);
    if (useSnapshot) void this.warmTexts(docs, key);
  }

  /**
   * After unlocking from the snapshot, the texts are decrypted in the background, a batch per
   * task, so searches soon find them open (a search that cites a text still sealed opens it
   * itself). Stops when the library is locked.
   */
  private async warmTexts(docs: readonly IndexedDoc[], key: CryptoKey): Promise<void> {
    for (let i = 0; i < docs.length; i += OPEN_BATCH) {
      await new Promise((r) => setTimeout(r, 0));
      if (this.dataKey !== key) return;
      await Promise.all(docs.slice(i, i + OPEN_BATCH).map((d) => this.textOf(d, key).catch(() => null)));
    }
  }

  /** A saved document's text, decrypted from the store the first time it is needed. */
  private async textOf(doc: IndexedDoc, key: CryptoKey = this.requireKey()): Promise<string> {
    if (doc.text !== null) return doc.text;
    const body = this.deps.db.selectValue('SELECT body FROM documents WHERE id = ?', [doc.id]);
    if (body == null) throw new ConfidantError('E_NOT_FOUND', `There is no document ${doc.id} in the library.`);
    doc.text = await openFieldText(key, { table: 'documents', column: 'body', rowid: doc.id }, toBytes(body));
    return doc.text;
  }

  /** Documents changed: the snapshot is rewritten once things are quiet for a while (or at lock). */
  private indexChanged(): void {
    this.snapshotDirty = true;
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = setTimeout(() => void this.serial(() => this.writeSnapshot()).catch(() => {}), SNAPSHOT_DELAY_MS);
  }

  /** The index as it stands, sealed, in place of the stored snapshot. Call inside `serial`. */
  private async writeSnapshot(): Promise<void> {
    if (!this.snapshotDirty || !this.dataKey || !this.index) return;
    const model = this.deps.model();
    const fingerprint = await indexFingerprint(model, this.indexedRowIvs(model));
    await this.storeSnapshot(this.dataKey, fingerprint, this.index.snapshot());
  }

  private async storeSnapshot(key: CryptoKey, fingerprint: string, bytes: Uint8Array): Promise<void> {
    const sealed = await sealField(key, { table: 'index_snapshot', column: 'data', rowid: fingerprint }, bytes);
    this.deps.db.exec('INSERT INTO index_snapshot(id, fingerprint, data, created_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, data = excluded.data, created_at = excluded.created_at', {
      bind: [fingerprint, sealed, Date.now()],
    });
    this.snapshotDirty = false;
  }

  /** What the fingerprint covers, read from the store without loading the sealed values whole. */
  private indexedRowIvs(model: { modelId: string; dims: number }): FingerprintRow[] {
    const rows = this.deps.db.selectObjects(
      'SELECT id, substr(body, 1, 13) AS body, substr(chunks, 1, 13) AS chunks, substr(vectors, 1, 13) AS vectors FROM documents WHERE model_id = ? AND dims = ? ORDER BY id',
      [model.modelId, model.dims],
    );
    return rows.map((r) => ({ id: Number(r.id), body: toBytes(r.body), chunks: toBytes(r.chunks), vectors: toBytes(r.vectors) }));
  }

  /** Documents whose vectors another model made; re-embedded once the current model is loaded. */
  private stale: number[] = [];

  reembedStale(): Promise<void> {
    const ids = this.stale;
    this.stale = [];
    return ids.length ? this.reembed(ids) : Promise.resolve();
  }

  /** Decrypts a row; with `body: null` the text is left sealed (textOf opens it on demand). */
  private async openRow(key: CryptoKey, row: Omit<Row, 'body'> & { body: Uint8Array | null }): Promise<IndexedDoc> {
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

  /**
   * Drops the key and everything decrypted. A snapshot that is behind is written first (from
   * values taken now; sealing and storing finish after the key is gone from this object), unless
   * `persist` is false (wipe).
   */
  lock(opts: { persist?: boolean } = {}): void {
    clearTimeout(this.snapshotTimer);
    if (opts.persist !== false && this.snapshotDirty && this.dataKey && this.index) {
      const key = this.dataKey;
      const model = this.deps.model();
      const rows = this.indexedRowIvs(model);
      const bytes = this.index.snapshot();
      void this.serial(async () => this.storeSnapshot(key, await indexFingerprint(model, rows), bytes)).catch(() => {});
    }
    this.snapshotDirty = false;
    this.dataKey = null;
    this.index?.close();
    this.index = null;
    this.summaries.clear();
    this.ephemeral = [];
  }

  changePassphrase(current: string | null, next: string | null): Promise<void> {
    return this.serial(async () => {
      const rec = this.keyRecord();
      if (!rec) throw new ConfidantError('E_LOCKED', 'The library has not been set up yet.');
      const unlockWith = await this.unlockSource(rec, current);
      const wasDevice = !needsPassphrase(rec);
      const lockWith = await this.lockSource(next);
      const rewrapped = await rewrapKeyRecord(rec, unlockWith, lockWith);
      this.deps.db.exec('UPDATE keyring SET record = ? WHERE id = 1', { bind: [JSON.stringify(rewrapped)] });
      if (wasDevice && next !== null) await deleteDeviceKey();
    });
  }

  /** Chunk, embed and seal a document, then store it in one transaction. */
  save(input: NewDocument): Promise<DocSummary> {
    return this.serial(async () => {
      this.requireKey();
      const embedder = await this.deps.embedder();
      return this.store(input, await this.prepare(input, embedder), embedder);
    });
  }

  /**
   * Test build only (benchmarks): documents whose chunks and vectors are given, stored through
   * the same sealing, store and index code as `save`, without running the model.
   */
  debugSaveEmbedded(docs: ReadonlyArray<{ input: NewDocument; prepared: { text: string; chunks: ChunkSpan[]; vectors: Float32Array } }>): Promise<number> {
    return this.serial(async () => {
      for (const d of docs) await this.store(d.input, d.prepared, this.deps.model());
      return docs.length;
    });
  }

  /** Test build only: the in-memory index, for benchmarks that time its parts. */
  debugIndex(): SearchIndex {
    return this.requireIndex();
  }

  /** Test build only: what the stored snapshot holds (see 'debug.index'). */
  debugSnapshot(terms: string[]): Promise<{ source: 'snapshot' | 'rebuilt' | null; stored: boolean; current: boolean; bytes: number; termsFound: string[] }> {
    return this.serial(async () => {
      const key = this.requireKey();
      const snap = this.deps.db.selectObjects('SELECT fingerprint, data FROM index_snapshot WHERE id = 1')[0];
      if (!snap) return { source: this.indexSource, stored: false, current: false, bytes: 0, termsFound: [] };
      const fingerprint = String(snap.fingerprint);
      const current = fingerprint === (await indexFingerprint(this.deps.model(), this.indexedRowIvs(this.deps.model())));
      const bytes = await openField(key, { table: 'index_snapshot', column: 'data', rowid: fingerprint }, toBytes(snap.data));
      const probe = SearchIndex.open(this.deps.sqlite3, this.deps.model().dims, bytes, []);
      try {
        return { source: this.indexSource, stored: true, current, bytes: bytes.byteLength, termsFound: terms.filter((t) => probe.hasTerm(t)) };
      } finally {
        probe.close();
      }
    });
  }

  /** Seals a prepared document and stores it in one transaction (one INSERT), then indexes it. */
  private async store(input: NewDocument, prepared: { text: string; chunks: ChunkSpan[]; vectors: Float32Array }, embedder: { modelId: string; dims: number }): Promise<DocSummary> {
    const key = this.requireKey();
    const id = Number(this.deps.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM documents'));
    const ref = (column: string) => ({ table: 'documents', column, rowid: id });
    const meta: DocMeta = { title: input.title, url: input.url, lang: input.lang, byline: input.byline ?? null, mime: input.mime };
    const ids = prepared.chunks.map((_, i) => id * CHUNKS_PER_DOC + i);
    const [metaBlob, bodyBlob, chunksBlob, vecBlob] = await Promise.all([
      sealField(key, ref('meta'), JSON.stringify(meta)),
      sealField(key, ref('body'), prepared.text),
      sealField(key, ref('chunks'), JSON.stringify(prepared.chunks.map((c) => [c.start, c.end, c.heading]))),
      sealSegment(key, { segmentId: id, modelId: embedder.modelId, dims: embedder.dims }, ids, prepared.vectors),
    ]);
    const row: Row = {
      id,
      kind: input.kind,
      created_at: Date.now(),
      text_bytes: new TextEncoder().encode(prepared.text).length,
      chunk_count: prepared.chunks.length,
      model_id: embedder.modelId,
      dims: embedder.dims,
      meta: metaBlob,
      body: bodyBlob,
      chunks: chunksBlob,
      vectors: vecBlob,
    };
    this.deps.db.transaction((tx) => {
      tx.exec(
        'INSERT INTO documents(id, kind, created_at, text_bytes, chunk_count, model_id, dims, meta, body, chunks, vectors) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
        { bind: [row.id, row.kind, row.created_at, row.text_bytes, row.chunk_count, row.model_id, row.dims, row.meta, row.body, row.chunks, row.vectors] },
      );
    });
    const doc: IndexedDoc = { id, title: input.title, url: input.url, text: prepared.text, chunks: prepared.chunks, vectors: prepared.vectors, ephemeral: false };
    this.requireIndex().add([doc]);
    this.indexChanged();
    const summary = summaryOf(row, doc);
    this.summaries.set(id, summary);
    return summary;
  }

  /**
   * Cleans and chunks a document, and embeds its chunks with `embedder`; with null (no model on
   * this device) the chunks are sized by an estimate and carry no vectors: keyword search only.
   */
  private async prepare(input: NewDocument, embedder: Embedder | null): Promise<{ text: string; chunks: ChunkSpan[]; vectors: Float32Array }> {
    if (typeof input.text !== 'string') throw new ConfidantError('E_BAD_REQUEST', 'A document needs text.');
    if (input.text.length > MAX_DOC_CHARS) {
      throw new ConfidantError('E_BAD_REQUEST', `This document is too large to save (${(input.text.length / 1e6).toFixed(1)} million characters; the limit is ${MAX_DOC_CHARS / 1e6} million).`);
    }
    const { text, chunks, inputs } = chunkForEmbedding(input.text, input.mime, embedder ?? { countTokens: estimateTokens });
    if (chunks.length === 0) throw new ConfidantError('E_UNREADABLE_PAGE', 'There is no readable text here to save.');
    const vectors = embedder ? await embedder.embed(inputs, (done, total) => this.deps.progress('embed', done, total, input.title)) : new Float32Array(0);
    return { text, chunks, vectors };
  }

  /**
   * A page asked about but not saved: indexed in memory only, forgotten at lock. Without the
   * embedding model it is indexed for keyword search only (and a short one is sent whole).
   */
  indexPage(input: NewDocument): Promise<{ docId: number; chunks: number; embedded: boolean }> {
    return this.serial(async () => {
      const index = this.requireIndex();
      const embedder = await this.deps.usableEmbedder();
      const prepared = await this.prepare(input, embedder);
      const docId = this.nextEphemeral++;
      index.add([{ id: docId, title: input.title, url: input.url, text: prepared.text, chunks: prepared.chunks, vectors: prepared.vectors, ephemeral: true }]);
      this.ephemeral.push(docId);
      while (this.ephemeral.length > EPHEMERAL_KEEP) index.remove(this.ephemeral.shift()!);
      return { docId, chunks: prepared.chunks.length, embedded: embedder !== null };
    });
  }

  /** Test build only: lets a test look for these exact float32 bytes on disk. */
  debugVectors(docId: number, count: number): number[][] {
    const doc = this.requireIndex().doc(docId);
    if (!doc) throw new ConfidantError('E_NOT_FOUND', `There is no document ${docId}.`);
    const dims = doc.vectors.length / Math.max(1, doc.chunks.length);
    return Array.from({ length: Math.min(count, doc.chunks.length) }, (_, i) => Array.from(doc.vectors.subarray(i * dims, (i + 1) * dims)));
  }

  list(): DocSummary[] {
    this.requireKey();
    return [...this.summaries.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  async get(id: number): Promise<{ summary: DocSummary; text: string }> {
    const doc = this.requireIndex().doc(id);
    const summary = this.summaries.get(id);
    if (!doc || !summary) throw new ConfidantError('E_NOT_FOUND', `There is no document ${id} in the library.`);
    return { summary, text: await this.textOf(doc) };
  }

  delete(id: number): Promise<void> {
    return this.serial(async () => {
      this.requireKey();
      this.deps.db.exec('DELETE FROM documents WHERE id = ?', { bind: [id] });
      if (this.deps.db.changes() === 0) throw new ConfidantError('E_NOT_FOUND', `There is no document ${id} in the library.`);
      // The snapshot holds the document's words (sealed): it goes now, not at the next rewrite.
      this.deps.db.exec('DELETE FROM index_snapshot');
      this.index!.remove(id);
      this.indexChanged();
      this.summaries.delete(id);
    });
  }

  /**
   * Hybrid retrieval: vector KNN and BM25, fused by reciprocal rank, near-duplicates removed.
   * Without the embedding model (or for a page indexed before it was here): BM25 alone, and a
   * short page asked about on its own is returned whole, in order.
   */
  async search(query: string, scope: SearchScope, k: number): Promise<SearchResult> {
    const index = this.requireIndex();
    const q = query.trim();
    if (!q) return { passages: [], retrieval: 'hybrid' };
    const docIds = scopeDocs(scope, index);
    const embedder = await this.deps.usableEmbedder();
    const page = scope.kind === 'page' || scope.kind === 'page+library' ? index.doc(scope.docId)! : null;
    const pageEmbedded = !page || page.vectors.length > 0;
    if (scope.kind === 'page' && (!embedder || !pageEmbedded) && page!.text !== null && page!.text.length <= WHOLE_PAGE_CHARS) {
      return { passages: this.wholeDoc(page!), retrieval: 'whole-page' };
    }
    const terms = queryTerms(q);
    const kw = index.keywordSearch(terms, k * 3, docIds);
    if (scope.kind === 'page+library') kw.push(...index.keywordSearch(terms, k * 3));
    const lists = [kw.map((h) => h.chunkId)];
    if (embedder) {
      const [qv] = splitRows(await embedder.embed([q]), embedder.dims);
      const vec = index.vectorSearch(qv!, k * 3, docIds);
      if (scope.kind === 'page+library') vec.push(...index.vectorSearch(qv!, k * 3));
      lists.unshift(vec.map((h) => h.chunkId));
    }
    const passages = await this.passagesOf(fuseRrf(lists).slice(0, k * 3), k);
    return { passages, retrieval: embedder && (scope.kind !== 'page' || pageEmbedded) ? 'hybrid' : 'keywords' };
  }

  /** Every chunk of a document, in order: a short page sent whole. */
  private wholeDoc(doc: IndexedDoc): Passage[] {
    const out: Passage[] = [];
    for (let i = 0; i < doc.chunks.length; i++) {
      const c = this.requireIndex().chunkText(chunkIdOf(doc.id, i));
      if (c) out.push({ chunkId: chunkIdOf(doc.id, i), docId: doc.id, title: doc.title, url: doc.url, text: c.text, start: c.span.start, end: c.span.end, heading: c.span.heading, score: 1 });
    }
    return out;
  }

  /** The ranked chunks' texts (opening their documents as needed), near-duplicates dropped, k at most. */
  private async passagesOf(top: ReadonlyArray<{ id: number; score: number }>, k: number): Promise<Passage[]> {
    const index = this.requireIndex();
    await Promise.all(
      [...new Set(top.map(({ id }) => docIdOf(id)))].map((d) => {
        const doc = index.doc(d);
        return doc ? this.textOf(doc) : null;
      }),
    );
    const candidates: Passage[] = [];
    for (const { id, score } of top) {
      const c = index.chunkText(id);
      if (!c) continue;
      candidates.push({ chunkId: id, docId: c.doc.id, title: c.doc.title, url: c.doc.url, text: c.text, start: c.span.start, end: c.span.end, heading: c.span.heading, score });
    }
    // Near-duplicates are dropped greedily in rank order, so the first k kept from a prefix are the
    // first k kept from the whole list: try a short prefix first (the texts' shingles are the cost).
    const head = dropNearDuplicates(candidates.slice(0, k + 5), (p) => p.text);
    return (head.length >= k ? head : dropNearDuplicates(candidates, (p) => p.text)).slice(0, k);
  }

  private reembed(ids: number[]): Promise<void> {
    return this.serial(async () => {
      const key = this.dataKey;
      if (!key) return;
      const embedder = await this.deps.embedder();
      let done = 0;
      for (const id of ids) {
        const row = this.deps.db.selectObjects('SELECT * FROM documents WHERE id = ?', [id])[0] as unknown as Row | undefined;
        if (!row || !this.dataKey) continue;
        const doc = await this.openRow(key, row);
        const { chunks, inputs } = chunkForEmbedding(await this.textOf(doc, key), undefined, embedder);
        const vectors = await embedder.embed(inputs);
        const segIds = chunks.map((_, i) => id * CHUNKS_PER_DOC + i);
        const [chunksBlob, vecBlob] = await Promise.all([
          sealField(key, { table: 'documents', column: 'chunks', rowid: id }, JSON.stringify(chunks.map((c) => [c.start, c.end, c.heading]))),
          sealSegment(key, { segmentId: id, modelId: embedder.modelId, dims: embedder.dims }, segIds, vectors),
        ]);
        this.deps.db.exec('UPDATE documents SET chunk_count = ?, model_id = ?, dims = ?, chunks = ?, vectors = ? WHERE id = ?', {
          bind: [chunks.length, embedder.modelId, embedder.dims, chunksBlob, vecBlob, id],
        });
        this.index?.add([{ ...doc, chunks, vectors }]);
        this.indexChanged();
        this.deps.progress('reembed', ++done, ids.length, doc.title);
      }
    });
  }

  /**
   * An encrypted backup: the data key re-wrapped under the backup passphrase, and every row's
   * ciphertext as it is stored. Nothing is decrypted to write it. Re-wrapping needs the current
   * protection (the library passphrase, which is never kept, or the device key).
   */
  exportBackup(currentPassphrase: string | null, backupPassphrase: string): Promise<string> {
    return this.serial(async () => {
      const rec = this.keyRecord();
      if (!rec) throw new ConfidantError('E_LOCKED', 'The library has not been set up yet.');
      if (backupPassphrase.length < 8) throw new ConfidantError('E_BAD_REQUEST', 'Choose a backup passphrase of at least 8 characters.');
      const backupKey = await rewrapKeyRecord(rec, await this.unlockSource(rec, currentPassphrase), { passphrase: backupPassphrase });
      const rows = this.deps.db.selectObjects('SELECT * FROM documents ORDER BY id') as unknown as Row[];
      return JSON.stringify({
        format: 'confidant-backup',
        version: 1,
        createdAt: new Date().toISOString(),
        keyRecord: backupKey,
        documents: rows.map((r) => ({
          id: r.id, kind: r.kind, created_at: r.created_at, text_bytes: r.text_bytes, chunk_count: r.chunk_count, model_id: r.model_id, dims: r.dims,
          meta: toBase64(toBytes(r.meta)), body: toBase64(toBytes(r.body)), chunks: toBase64(toBytes(r.chunks)), vectors: toBase64(toBytes(r.vectors)),
        })),
      });
    });
  }

  /** Adds a backup's documents: each is opened with the backup's key and re-sealed under ours. */
  importBackup(json: string, passphrase: string): Promise<{ imported: number }> {
    return this.serial(async () => {
      const key = this.requireKey();
      let parsed: { format?: unknown; version?: unknown; keyRecord?: unknown; documents?: unknown };
      try {
        parsed = JSON.parse(json);
      } catch {
        throw new ConfidantError('E_PARSE', 'This file is not a Confidant backup (it is not JSON).');
      }
      if (parsed.format !== 'confidant-backup' || parsed.version !== 1 || !Array.isArray(parsed.documents)) {
        throw new ConfidantError('E_PARSE', 'This file is not a Confidant backup, or is from a newer version.');
      }
      const backupKey = await unwrapDataKey(parsed.keyRecord, { passphrase });
      let nextId = Number(this.deps.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM documents'));
      const rows: Row[] = [];
      const docs: IndexedDoc[] = [];
      for (const d of parsed.documents as Record<string, unknown>[]) {
        const old: Row = {
          id: Number(d.id), kind: d.kind as Row['kind'], created_at: Number(d.created_at), text_bytes: Number(d.text_bytes), chunk_count: Number(d.chunk_count),
          model_id: String(d.model_id), dims: Number(d.dims), meta: fromBase64Lenient(String(d.meta)), body: fromBase64Lenient(String(d.body)), chunks: fromBase64Lenient(String(d.chunks)), vectors: fromBase64Lenient(String(d.vectors)),
        };
        const doc = await this.openRow(backupKey, old);
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
      this.deps.db.transaction((tx) => {
        for (const r of rows) {
          tx.exec(
            'INSERT INTO documents(id, kind, created_at, text_bytes, chunk_count, model_id, dims, meta, body, chunks, vectors) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            { bind: [r.id, r.kind, r.created_at, r.text_bytes, r.chunk_count, r.model_id, r.dims, r.meta, r.body, r.chunks, r.vectors] },
          );
        }
      });
      const model = this.deps.model();
      const current = (r: Row) => r.model_id === model.modelId && r.dims === model.dims;
      this.index!.add(docs.filter((_, i) => current(rows[i]!)));
      this.indexChanged();
      rows.forEach((r, i) => this.summaries.set(r.id, summaryOf(r, docs[i]!)));
      this.stale.push(...rows.filter((r) => !current(r)).map((r) => r.id));
      return { imported: rows.length };
    });
  }

  // ---- small secrets and conversations, sealed like documents ----------------------------------

  async putSecret(name: string, value: string | null): Promise<void> {
    const key = this.requireKey();
    if (!/^[a-zA-Z][a-zA-Z0-9.-]{0,63}$/.test(name)) throw new ConfidantError('E_BAD_REQUEST', `Bad secret name: ${name}`);
    if (value === null) {
      this.deps.db.exec('DELETE FROM secrets WHERE name = ?', { bind: [name] });
      return;
    }
    const sealed = await sealField(key, { table: 'secrets', column: 'value', rowid: name }, value);
    this.deps.db.exec('INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value', { bind: [name, sealed] });
  }

  async getSecret(name: string): Promise<string | null> {
    const key = this.requireKey();
    const v = this.deps.db.selectValue('SELECT value FROM secrets WHERE name = ?', [name]);
    return v == null ? null : openFieldText(key, { table: 'secrets', column: 'value', rowid: name }, toBytes(v));
  }

  async listConversations(): Promise<ConversationSummary[]> {
    const key = this.requireKey();
    const rows = this.deps.db.selectObjects('SELECT id, body FROM conversations ORDER BY updated_at DESC');
    const out: ConversationSummary[] = [];
    for (const r of rows) {
      const c = JSON.parse(await openFieldText(key, { table: 'conversations', column: 'body', rowid: Number(r.id) }, toBytes(r.body))) as ConversationRecord;
      out.push({ id: Number(r.id), title: c.title, updatedAt: c.updatedAt, messages: c.messages.length });
    }
    return out;
  }

  async getConversation(id: number): Promise<ConversationRecord> {
    const key = this.requireKey();
    const body = this.deps.db.selectValue('SELECT body FROM conversations WHERE id = ?', [id]);
    if (body == null) throw new ConfidantError('E_NOT_FOUND', `There is no conversation ${id}.`);
    return { ...(JSON.parse(await openFieldText(key, { table: 'conversations', column: 'body', rowid: id }, toBytes(body))) as ConversationRecord), id };
  }

  saveConversation(c: ConversationRecord): Promise<ConversationSummary> {
    return this.serial(async () => {
      const key = this.requireKey();
      const id = c.id > 0 ? c.id : Number(this.deps.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM conversations'));
      const now = Date.now();
      const record: ConversationRecord = { ...c, id, createdAt: c.createdAt || now, updatedAt: now };
      const body = await sealField(key, { table: 'conversations', column: 'body', rowid: id }, JSON.stringify(record));
      this.deps.db.exec(
        'INSERT INTO conversations(id, created_at, updated_at, body) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body',
        { bind: [id, record.createdAt, now, body] },
      );
      return { id, title: record.title, updatedAt: now, messages: record.messages.length };
    });
  }

  deleteConversation(id: number): void {
    this.requireKey();
    this.deps.db.exec('DELETE FROM conversations WHERE id = ?', { bind: [id] });
  }

  /** Everything gone: rows, key record, device key; freed pages are zeroed (secure_delete). */
  wipe(): Promise<void> {
    return this.serial(async () => {
      this.lock({ persist: false });
      this.deps.db.transaction((tx) => {
        tx.exec('DELETE FROM documents; DELETE FROM conversations; DELETE FROM secrets; DELETE FROM keyring; DELETE FROM index_snapshot;');
      });
      this.deps.db.exec('VACUUM');
      await deleteDeviceKey();
    });
  }
}

interface FingerprintRow {
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
async function indexFingerprint(model: { modelId: string; dims: number }, rows: readonly FingerprintRow[]): Promise<string> {
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
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function summaryOf(row: Pick<Row, 'id' | 'kind' | 'created_at' | 'text_bytes' | 'chunk_count' | 'model_id'>, doc: IndexedDoc): DocSummary {
  let site: string | null = null;
  try {
    site = doc.url ? new URL(doc.url).hostname : null;
  } catch {
    site = null;
  }
  return { id: row.id, kind: row.kind, title: doc.title, url: doc.url, site, createdAt: row.created_at, bytes: row.text_bytes, chunks: row.chunk_count, modelId: row.model_id };
}

function scopeDocs(scope: SearchScope, index: SearchIndex): number[] | undefined {
  switch (scope.kind) {
    case 'library':
      return undefined;
    case 'documents':
      return scope.docIds;
    case 'page':
    case 'page+library':
      if (!index.doc(scope.docId)) throw new ConfidantError('E_NOT_FOUND', 'That page is no longer indexed; ask again to read it anew.');
      return [scope.docId];
  }
}

function splitRows(flat: Float32Array, dims: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += dims) out.push(flat.subarray(i, i + dims));
  return out;
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw new ConfidantError('E_DB', 'A stored value has the wrong type.', { reason: 'integrity' });
}
