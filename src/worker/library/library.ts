/**
 * The private library: an encrypted store in SQLite on OPFS (ciphertext only) plus the in-memory
 * search index built from it at unlock. This file holds the key's lifecycle (setup, unlock, lock),
 * saving and searching; rows and sealing are in rows.ts, the backup file in backup.ts, secrets and
 * conversations in sealed-records.ts, pages asked about in asked-pages.ts.
 */
import type { Database, Sqlite3Static } from 'sqlite-vec-wasm-demo';
import { createKeyRecord, needsKdfUpgrade, needsPassphrase, rewrapKeyRecord, unwrapDataKey } from '../../core/crypto/keys.ts';
import { openFieldText, sealField, sealSegment } from '../../core/crypto/seal.ts';
import { ConfidantError } from '../../core/errors.ts';
import { dropNearDuplicates, fuseRrf, queryTerms } from '../../core/library/fuse.ts';
import type { ConversationRecord, ConversationSummary } from '../../messaging/views.ts';
import type { DocSummary, LibraryState, NewDocument, Passage, SearchResult, SearchScope } from '../../messaging/library.ts';
import type { Embedder } from '../embed/types.ts';
import { AskedPages, type AskedPage } from './asked-pages.ts';
import { backupJson, parseBackup, resealBackup } from './backup.ts';
import { deleteDeviceKey } from './device-key.ts';
import { lockSource, readKeyRecord, unlockSource, writeKeyRecord } from './keyring.ts';
import { ChunkTexts, sealSegments, storeSegments } from './chunk-texts.ts';
import { chunkForEmbedding, chunkNewDocument } from './prepare.ts';
import { INSERT_ROW, LISTED_COLUMNS, openRow, rowBinding, summaryOf, toBytes, type DocMeta, type ListedRow, type Row } from './rows.ts';
import { indexFingerprint, openSnapshot, snapshotRows, storedFingerprint, storeSnapshot } from './snapshot.ts';
import { SealedRecords } from './sealed-records.ts';
import { CHUNKS_PER_DOC, chunkIdOf, docIdOf, SearchIndex, type ChunkSpan, type Hit, type IndexedDoc } from './search-index.ts';
import { KeywordThread } from '../keywords/client.ts';
import { snapshotHasTerms } from '../keywords/keyword-store.ts';

export { MAX_DOC_CHARS } from './prepare.ts';

/** Rows decrypted at once when unlocking. */
const OPEN_BATCH = 16;
/** The index snapshot is rewritten this long after the last change (and at lock). */
const SNAPSHOT_DELAY_MS = 10_000;
/**
 * Without the embedding model, a page up to this long is sent whole rather than searched by
 * keywords (about 4,000 tokens: a few percent of the model's context, and most articles fit).
 */
export const WHOLE_PAGE_CHARS = 16_000;

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
 * Milliseconds per stage of one search (library.search's `stages`). The keyword stage runs in the
 * keyword thread during the embedding and vector stages: `keyword` is its own time there,
 * `keywordWait` how long the search then still waited for it.
 */
export interface SearchStages {
  embed?: number;
  vector?: number;
  keyword?: number;
  keywordWait?: number;
  fusion?: number;
  snippets?: number;
  /** Of `snippets`, the time spent opening texts (the rest is near-duplicate removal). */
  texts?: number;
}

/**
 * Writes are serialized, and each save is one INSERT in one transaction, so a browser killed
 * mid-ingest leaves the document either complete or absent.
 */
export class Library {
  private dataKey: CryptoKey | null = null;
  private index: SearchIndex | null = null;
  /** Saved documents' texts, opened a few chunks at a time for search results (chunk-texts.ts). */
  private texts: ChunkTexts | null = null;
  private summaries = new Map<number, DocSummary>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The stored index snapshot no longer matches the index (docs/storage.md, "index snapshot"). */
  private snapshotDirty = false;
  private snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  /** Where the index came from at the last unlock (tests). */
  private indexSource: 'snapshot' | 'rebuilt' | null = null;
  /** The model the in-memory index was built for (its vectors' model and dimensions). */
  private indexModelId: string | null = null;

  private readonly pages: AskedPages;
  private readonly records: SealedRecords;
  /** The index's keyword half runs there (worker/keywords/); started now, ready by the first unlock. */
  private readonly keywords = new KeywordThread();

  constructor(private readonly deps: LibraryDeps) {
    this.pages = new AskedPages({ index: () => this.requireIndex(), usableEmbedder: deps.usableEmbedder, progress: deps.progress });
    this.records = new SealedRecords(deps.db, () => this.requireKey());
  }

  /** Runs write operations one at a time, in order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private keyRecord() {
    return readKeyRecord(this.deps.db);
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

  /** First run: a fresh data key, wrapped by the passphrase or by a device key. */
  setup(passphrase: string | null): Promise<void> {
    return this.serial(async () => {
      if (this.keyRecord()) throw new ConfidantError('E_BAD_REQUEST', 'The library is already set up.');
      const { record, dataKey } = await createKeyRecord(await lockSource(passphrase));
      writeKeyRecord(this.deps.db, record, true);
      this.dataKey = dataKey;
      await this.buildIndex();
    });
  }

  unlock(passphrase?: string | null): Promise<void> {
    return this.serial(async () => {
      if (this.dataKey) return;
      const rec = this.keyRecord();
      if (!rec) throw new ConfidantError('E_LOCKED', 'The library has not been set up yet.');
      const source = await unlockSource(rec, passphrase);
      const key = await unwrapDataKey(rec, source);
      // A passphrase record from before Argon2id is re-wrapped under it now (same data key, so no
      // data changes); if that fails, the old record stays and still opens.
      if (needsKdfUpgrade(rec) && 'passphrase' in source) {
        try {
          const upgraded = await rewrapKeyRecord(rec, source, { passphrase: source.passphrase });
          writeKeyRecord(this.deps.db, upgraded);
        } catch (e) {
          console.warn('Confidant: could not upgrade the passphrase record to Argon2id:', (e as Error).message);
        }
      }
      this.dataKey = key;
      try {
        await this.buildIndex();
      } catch (e) {
        this.dataKey = null;
        this.index?.close();
        this.index = null;
        this.texts?.close();
        this.texts = null;
        throw e;
      }
    });
  }

  /**
   * Whether the in-memory index was built for the current model. Not always after a model change
   * was reported as none: a model chosen by a load that failed, then imported from a folder.
   */
  get indexIsCurrent(): boolean {
    return this.index !== null && this.indexModelId === this.deps.model().modelId;
  }

  /** Rebuilds the in-memory index from the store (after the embedding model changed). */
  reloadIndex(): Promise<void> {
    return this.serial(async () => {
      this.requireKey();
      await this.buildIndex();
    });
  }

  /**
   * Opens every row and makes the in-memory index: from the sealed snapshot when it matches the
   * documents exactly (fingerprint), otherwise built from the rows (then a snapshot is written).
   * With a snapshot, bodies are left out of unlocking (a third of what it reads and decrypts); search
   * results are opened a few chunks at a time (chunk-texts.ts), many of them in the background
   * right after unlocking. Without one, every body is opened to index it, and let go after.
   * Rows are read a batch at a time, each while the batch before is decrypted (WebCrypto works off
   * this thread), so the sealed vectors (150 MB at 100k chunks) are never all in memory at once.
   */
  private async buildIndex(): Promise<void> {
    const key = this.requireKey();
    const model = this.deps.model();
    const db = this.deps.db;
    this.index?.close();
    this.index = null;
    this.texts?.close();
    this.texts = new ChunkTexts(db, key, (id) => this.openBody(id, key));
    this.summaries.clear();
    const current = (r: Pick<Row, 'model_id' | 'dims'>) => r.model_id === model.modelId && r.dims === model.dims;
    const indexed = snapshotRows(db, model);
    const fingerprint = await indexFingerprint(model, indexed);
    const useSnapshot = indexed.length > 0 && storedFingerprint(db) === fingerprint;
    // The keyword thread opens the snapshot while this thread decrypts the rows.
    const opening = useSnapshot ? openSnapshot(db, key, fingerprint).then((parts) => this.keywords.open(parts)) : null;
    opening?.catch(() => {});
    // Without a usable snapshot the keyword index is rebuilt, which needs every body now.
    const columns = useSnapshot ? LISTED_COLUMNS : `${LISTED_COLUMNS}, body`;
    const readAfter = (id: number) => db.selectObjects(`SELECT ${columns} FROM documents WHERE id > ? ORDER BY id LIMIT ${OPEN_BATCH}`, [id]) as unknown as Array<ListedRow & { body?: Uint8Array }>;
    const total = Number(db.selectValue('SELECT count(*) FROM documents'));
    const docs: IndexedDoc[] = [];
    const stale: number[] = [];
    let batch = readAfter(Number.MIN_SAFE_INTEGER);
    let done = 0;
    while (batch.length > 0) {
      const opened = Promise.all(batch.map((row) => openRow(key, { ...row, body: row.body === undefined ? null : toBytes(row.body) })));
      const next = batch.length === OPEN_BATCH ? readAfter(batch[batch.length - 1]!.id) : [];
      const docsOf = await opened;
      batch.forEach((row, j) => {
        this.summaries.set(row.id, summaryOf(row, docsOf[j]!));
        if (current(row)) docs.push(docsOf[j]!);
        else stale.push(row.id);
      });
      done += batch.length;
      this.deps.progress('unlock', done, total);
      batch = next;
    }
    let index: SearchIndex | null = null;
    if (opening) {
      try {
        index = SearchIndex.fromSnapshot(this.deps.sqlite3, this.keywords, model.dims, await opening, docs);
      } catch {
        index = null; // damaged: rebuilt below, and rewritten
      }
    }
    this.indexSource = index ? 'snapshot' : 'rebuilt';
    this.indexModelId = model.modelId;
    if (!index) {
      // Bodies were left out when a snapshot was expected (one that then failed to open).
      for (const d of docs) d.text ??= await this.openBody(d.id, key);
      index = await SearchIndex.create(this.deps.sqlite3, this.keywords, model.dims);
      index.add(docs);
      // The keyword thread has its copy; the texts are not kept here (chunk-texts.ts).
      for (const d of docs) d.text = null;
      if (docs.length > 0) this.indexChanged();
    }
    this.index = index;
    this.stale = stale;
    void this.texts.warm(docs);
  }

  /** A saved document's whole text, decrypted from the store (not kept). */
  private async openBody(id: number, key: CryptoKey = this.requireKey()): Promise<string> {
    const body = this.deps.db.selectValue('SELECT body FROM documents WHERE id = ?', [id]);
    if (body == null) throw new ConfidantError('E_NOT_FOUND', `There is no document ${id} in the library.`);
    return openFieldText(key, { table: 'documents', column: 'body', rowid: id }, toBytes(body));
  }

  /**
   * Chunks' texts, in the order asked: from the document's text when it is open (pages asked
   * about), else from the sealed segments, all read together.
   */
  private async chunkTexts(items: ReadonlyArray<{ doc: IndexedDoc; ord: number }>): Promise<string[]> {
    const sealed = items.filter(({ doc }) => doc.text === null);
    if (sealed.length > 0 && !this.texts) throw new ConfidantError('E_LOCKED', 'The library is locked. Unlock it to continue.');
    const opened = sealed.length > 0 ? await this.texts!.texts(sealed) : [];
    let next = 0;
    return items.map(({ doc, ord }) => (doc.text !== null ? doc.text.slice(doc.chunks[ord]!.start, doc.chunks[ord]!.end) : opened[next++]!));
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
    const fingerprint = await indexFingerprint(model, snapshotRows(this.deps.db, model));
    await this.storeSnapshot(this.dataKey, fingerprint, await this.index.snapshot());
  }

  private async storeSnapshot(key: CryptoKey, fingerprint: string, bytes: Uint8Array): Promise<void> {
    await storeSnapshot(this.deps.db, key, fingerprint, bytes);
    this.snapshotDirty = false;
  }

  /** Documents whose vectors another model made; re-embedded once the current model is loaded. */
  private stale: number[] = [];

  reembedStale(): Promise<void> {
    const ids = this.stale;
    this.stale = [];
    return ids.length ? this.reembed(ids) : Promise.resolve();
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
      const rows = snapshotRows(this.deps.db, model);
      // Asked for before the index closes: the keyword thread answers it before it ends.
      const bytes = this.index.snapshot();
      void this.serial(async () => this.storeSnapshot(key, await indexFingerprint(model, rows), await bytes)).catch(() => {});
    }
    this.snapshotDirty = false;
    this.dataKey = null;
    this.index?.close();
    this.index = null;
    this.texts?.close();
    this.texts = null;
    this.summaries.clear();
    this.pages.clear();
  }

  changePassphrase(current: string | null, next: string | null): Promise<void> {
    return this.serial(async () => {
      const rec = this.keyRecord();
      if (!rec) throw new ConfidantError('E_LOCKED', 'The library has not been set up yet.');
      const unlockWith = await unlockSource(rec, current);
      const wasDevice = !needsPassphrase(rec);
      const lockWith = await lockSource(next);
      writeKeyRecord(this.deps.db, await rewrapKeyRecord(rec, unlockWith, lockWith));
      if (wasDevice && next !== null) await deleteDeviceKey();
    });
  }

  /** Chunk, embed and seal a document, then store it in one transaction. */
  save(input: NewDocument): Promise<DocSummary> {
    return this.serial(async () => {
      this.requireKey();
      const embedder = await this.deps.embedder();
      const chunked = chunkNewDocument(input, embedder);
      const vectors = await embedder.embed(chunked.inputs, (done, total) => this.deps.progress('embed', done, total, input.title));
      return this.store(input, { ...chunked, vectors }, embedder);
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

  /** Test build only: the benchmark's FTS5 baseline table, built once from every saved document's text. */
  async debugFts5Table(): Promise<void> {
    const index = this.requireIndex();
    if (index.hasFts5Table) return;
    const texts = new Map<number, string>();
    for (const d of index.allDocs()) if (!d.ephemeral) texts.set(d.id, await this.openBody(d.id));
    index.buildFts5Table(texts);
  }

  /** Test build only: the stored text segments (see 'debug.chunkTexts'), and then perhaps `damage` done to them. */
  debugChunkTexts(damage?: 'drop-all' | 'flip-first'): Promise<{ segments: number; openChars: number }> {
    return this.serial(async () => {
      this.requireKey();
      const db = this.deps.db;
      const out = { segments: Number(db.selectValue('SELECT count(*) FROM chunk_texts')), openChars: this.texts?.openChars ?? 0 };
      if (damage === 'drop-all') db.exec('DELETE FROM chunk_texts');
      if (damage === 'flip-first') {
        const [id, sealed] = db.selectArrays('SELECT id, sealed FROM chunk_texts ORDER BY id LIMIT 1')[0] ?? [];
        const data = toBytes(sealed).slice();
        data[data.length >> 1]! ^= 1;
        db.exec('UPDATE chunk_texts SET sealed = ? WHERE id = ?', { bind: [data, Number(id)] });
      }
      return out;
    });
  }

  /** Test build only: what the stored snapshot holds (see 'debug.index'), and then perhaps `damage` done to it. */
  debugSnapshot(terms: string[], damage?: 'tear-last-part' | 'flip-first-part'): Promise<{ source: 'snapshot' | 'rebuilt' | null; stored: boolean; current: boolean; bytes: number; parts: number; termsFound: string[] }> {
    return this.serial(async () => {
      const key = this.requireKey();
      const stored = storedFingerprint(this.deps.db);
      if (stored === undefined) return { source: this.indexSource, stored: false, current: false, bytes: 0, parts: 0, termsFound: [] };
      const current = stored === (await indexFingerprint(this.deps.model(), snapshotRows(this.deps.db, this.deps.model())));
      // A torn or damaged one is reported as holding nothing (unlocking rebuilds the index then).
      const parts = await openSnapshot(this.deps.db, key, stored).catch(() => []);
      if (damage === 'tear-last-part') this.deps.db.exec('DELETE FROM index_snapshot WHERE part = (SELECT max(part) FROM index_snapshot)');
      if (damage === 'flip-first-part') {
        const data = toBytes(this.deps.db.selectValue('SELECT data FROM index_snapshot WHERE part = 0')).slice();
        data[data.length >> 1]! ^= 1;
        this.deps.db.exec('UPDATE index_snapshot SET data = ? WHERE part = 0', { bind: [data] });
      }
      return { source: this.indexSource, stored: true, current, bytes: parts.reduce((n, p) => n + p.byteLength, 0), parts: parts.length, termsFound: parts.length ? snapshotHasTerms(parts, terms) : [] };
    });
  }

  /** Seals a prepared document and stores it in one transaction (one INSERT), then indexes it. */
  private async store(input: NewDocument, prepared: { text: string; chunks: ChunkSpan[]; vectors: Float32Array }, embedder: { modelId: string; dims: number }): Promise<DocSummary> {
    const key = this.requireKey();
    const id = Number(this.deps.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM documents'));
    const ref = (column: string) => ({ table: 'documents', column, rowid: id });
    const meta: DocMeta = { title: input.title, url: input.url, lang: input.lang, byline: input.byline ?? null, mime: input.mime };
    const ids = prepared.chunks.map((_, i) => id * CHUNKS_PER_DOC + i);
    const [metaBlob, bodyBlob, chunksBlob, vecBlob, segments] = await Promise.all([
      sealField(key, ref('meta'), JSON.stringify(meta)),
      sealField(key, ref('body'), prepared.text),
      sealField(key, ref('chunks'), JSON.stringify(prepared.chunks.map((c) => [c.start, c.end, c.heading]))),
      sealSegment(key, { segmentId: id, modelId: embedder.modelId, dims: embedder.dims }, ids, prepared.vectors),
      sealSegments(key, id, prepared.text, prepared.chunks),
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
      tx.exec(INSERT_ROW, { bind: rowBinding(row) });
      storeSegments(tx, segments);
    });
    const doc: IndexedDoc = { id, title: input.title, url: input.url, text: prepared.text, chunks: prepared.chunks, vectors: prepared.vectors, ephemeral: false };
    this.requireIndex().add([doc]);
    doc.text = null;
    this.texts?.remember(id, prepared.text, prepared.chunks);
    this.indexChanged();
    const summary = summaryOf(row, doc);
    this.summaries.set(id, summary);
    return summary;
  }

  /** A page asked about but not saved (asked-pages.ts). */
  indexPage(input: NewDocument): Promise<AskedPage> {
    return this.serial(() => this.pages.add(input));
  }

  /** Test build only: lets a test look for these exact float32 bytes on disk. */
  async debugVectors(docId: number, count: number): Promise<number[][]> {
    const { vectors, chunks } = (await this.debugStoredVectors([docId])).get(docId) ?? { vectors: new Float32Array(0), chunks: 0 };
    if (chunks === 0) throw new ConfidantError('E_NOT_FOUND', `There is no document ${docId}.`);
    const dims = vectors.length / chunks;
    return Array.from({ length: Math.min(count, chunks) }, (_, i) => Array.from(vectors.subarray(i * dims, (i + 1) * dims)));
  }

  /**
   * Test build only: saved documents' float32 vectors as stored (the index keeps int8 copies),
   * all of them or those of `ids`: the benchmark's exact-cosine baseline for recall.
   */
  async debugStoredVectors(ids?: readonly number[]): Promise<Map<number, { vectors: Float32Array; chunks: number }>> {
    const key = this.requireKey();
    const only = ids ? `WHERE id IN (${ids.map(() => '?').join(', ')})` : '';
    const rows = this.deps.db.selectObjects(`SELECT ${LISTED_COLUMNS} FROM documents ${only} ORDER BY id`, ids ? [...ids] : undefined) as unknown as ListedRow[];
    const out = new Map<number, { vectors: Float32Array; chunks: number }>();
    for (const r of rows) {
      const doc = await openRow(key, { ...r, body: null });
      out.set(r.id, { vectors: doc.vectors, chunks: doc.chunks.length });
    }
    return out;
  }

  list(): DocSummary[] {
    this.requireKey();
    return [...this.summaries.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  async get(id: number): Promise<{ summary: DocSummary; text: string }> {
    const doc = this.requireIndex().doc(id);
    const summary = this.summaries.get(id);
    if (!doc || !summary) throw new ConfidantError('E_NOT_FOUND', `There is no document ${id} in the library.`);
    // A page asked about keeps its own text; a saved one's is opened from the store.
    return { summary, text: doc.text ?? (await this.openBody(doc.id)) };
  }

  delete(id: number): Promise<void> {
    return this.serial(async () => {
      this.requireKey();
      this.deps.db.exec('DELETE FROM documents WHERE id = ?', { bind: [id] });
      if (this.deps.db.changes() === 0) throw new ConfidantError('E_NOT_FOUND', `There is no document ${id} in the library.`);
      // The snapshot holds the document's words (sealed): it goes now, not at the next rewrite.
      this.deps.db.exec('DELETE FROM index_snapshot');
      this.texts?.forget(id, this.index!.doc(id)?.chunks.length ?? 0);
      this.index!.remove(id);
      this.indexChanged();
      this.summaries.delete(id);
    });
  }

  /**
   * Hybrid retrieval: vector KNN and BM25, fused by reciprocal rank, near-duplicates removed.
   * Pages without vectors (no embedding model, or a long page still being embedded) are searched
   * by BM25 alone, and pages asked about on their own that are short together are sent whole.
   * `stages`, when given, receives each stage's milliseconds (the bench's breakdown).
   */
  async search(query: string, scope: SearchScope, k: number, stages?: SearchStages): Promise<SearchResult> {
    const index = this.requireIndex();
    const q = query.trim();
    if (!q) return { passages: [], retrieval: 'hybrid' };
    const docIds = scopeDocs(scope, index);
    const embedder = await this.deps.usableEmbedder();
    // The pages named in the scope ('page+library' also searches the whole library).
    const pages = scope.kind === 'library' ? [] : (docIds ?? []).map((id) => index.doc(id)).filter((d): d is IndexedDoc => d !== undefined);
    const pagesOnly = scope.kind === 'page' || scope.kind === 'documents';
    const pagesEmbedded = pages.every((d) => index.embedded(d.id));
    const embedding = pages.some((d) => this.pages.isEmbedding(d.id));
    if (pagesOnly && (!embedder || !pagesEmbedded) && !embedding) {
      // A saved document's length is known without opening it: its UTF-8 size, at least its characters.
      const chars = pages.reduce((n, d) => n + (d.text?.length ?? this.summaries.get(d.id)?.bytes ?? Infinity), 0);
      if (chars <= WHOLE_PAGE_CHARS) return { passages: (await Promise.all(pages.map((d) => this.wholeDoc(d)))).flat(), retrieval: 'whole-page' };
    }
    let t = performance.now();
    const lap = (stage: keyof SearchStages): void => {
      const now = performance.now();
      if (stages) stages[stage] = now - t;
      t = now;
    };
    const terms = queryTerms(q);
    const lists: number[][] = [];
    // No vectors to compare with (pages not embedded yet): the query is not embedded either.
    const useVectors = embedder !== null && (!pagesOnly || pages.some((d) => index.embedded(d.id)));
    // The keyword thread looks keywords up while this thread embeds the query (even on 2 cores
    // with ONNX Runtime on both, that measured faster than one after the other: issue #12).
    const keyword = Promise.all([index.keywordSearch(terms, k * 3, docIds), scope.kind === 'page+library' ? index.keywordSearch(terms, k * 3) : null]);
    if (useVectors) {
      const embedded = embedder.embed([q]);
      // A failed keyword search must not go unhandled while the embedding is awaited.
      keyword.catch(() => {});
      const [qv] = splitRows(await embedded, embedder.dims);
      lap('embed');
      const vec = index.vectorSearch(qv!, k * 3, docIds);
      if (scope.kind === 'page+library') vec.push(...index.vectorSearch(qv!, k * 3));
      lists.push(vec.map((h) => h.chunkId));
      lap('vector');
    }
    const [inScope, wide] = await keyword;
    const kw: Hit[] = [...inScope.hits, ...(wide?.hits ?? [])];
    lists.push(kw.map((h) => h.chunkId));
    lap('keywordWait');
    if (stages) stages.keyword = inScope.ms + (wide?.ms ?? 0);
    const fused = fuseRrf(lists).slice(0, k * 3);
    lap('fusion');
    const passages = await this.passagesOf(fused, k, stages);
    lap('snippets');
    const retrieval = embedding ? 'keywords-embedding' : useVectors && pagesEmbedded ? 'hybrid' : 'keywords';
    return { passages, retrieval };
  }

  /** Every chunk of a document, in order: a short page sent whole. */
  private async wholeDoc(doc: IndexedDoc): Promise<Passage[]> {
    const texts = await this.chunkTexts(doc.chunks.map((_, ord) => ({ doc, ord })));
    return doc.chunks.map((_, ord) => passage(doc, ord, texts[ord]!, 1));
  }

  /**
   * The ranked chunks' texts, near-duplicates dropped, k at most. Texts are opened for the first k
   * (a few segments, often already open), then for a few more than near-duplicates dropped, until
   * k are kept or the list ends.
   */
  private async passagesOf(top: ReadonlyArray<{ id: number; score: number }>, k: number, stages?: SearchStages): Promise<Passage[]> {
    const index = this.requireIndex();
    const ranked = top.flatMap(({ id, score }) => {
      const doc = index.doc(docIdOf(id));
      const ord = id - docIdOf(id) * CHUNKS_PER_DOC;
      return doc?.chunks[ord] ? [{ score, doc, ord }] : [];
    });
    // Near-duplicates are dropped greedily in rank order, so the first k kept from a prefix are the
    // first k kept from the whole list: opening a longer prefix only when needed changes nothing.
    const opened: Passage[] = [];
    let kept: Passage[] = [];
    while (kept.length < k && opened.length < ranked.length) {
      // After the first k, a few more than missing at a time: duplicates tend to come in runs.
      const more = ranked.slice(opened.length, opened.length + k - kept.length + (opened.length > 0 ? 4 : 0));
      const t0 = performance.now();
      const texts = await this.chunkTexts(more);
      if (stages) stages.texts = (stages.texts ?? 0) + performance.now() - t0;
      more.forEach(({ score, doc, ord }, i) => opened.push(passage(doc, ord, texts[i]!, score)));
      kept = dropNearDuplicates(opened, (p) => p.text);
    }
    return kept.slice(0, k);
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
        const doc = await openRow(key, row);
        const text = doc.text ?? (await this.openBody(id, key));
        const { chunks, inputs } = chunkForEmbedding(text, undefined, embedder);
        const vectors = await embedder.embed(inputs);
        const segIds = chunks.map((_, i) => id * CHUNKS_PER_DOC + i);
        const [chunksBlob, vecBlob, segments] = await Promise.all([
          sealField(key, { table: 'documents', column: 'chunks', rowid: id }, JSON.stringify(chunks.map((c) => [c.start, c.end, c.heading]))),
          sealSegment(key, { segmentId: id, modelId: embedder.modelId, dims: embedder.dims }, segIds, vectors),
          sealSegments(key, id, text, chunks),
        ]);
        // The update's trigger drops the text segments cut from the old chunks; the new ones follow.
        this.deps.db.transaction((tx) => {
          tx.exec('UPDATE documents SET chunk_count = ?, model_id = ?, dims = ?, chunks = ?, vectors = ? WHERE id = ?', {
            bind: [chunks.length, embedder.modelId, embedder.dims, chunksBlob, vecBlob, id],
          });
          storeSegments(tx, segments);
        });
        this.texts?.forget(id, Math.max(doc.chunks.length, chunks.length));
        this.index?.add([{ ...doc, text, chunks, vectors }]);
        const indexed = this.index?.doc(id);
        if (indexed) indexed.text = null;
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
      const { passphrase } = (await lockSource(backupPassphrase, 'a backup passphrase')) as { passphrase: string };
      const backupKey = await rewrapKeyRecord(rec, await unlockSource(rec, currentPassphrase), { passphrase });
      return backupJson(backupKey, this.deps.db.selectObjects('SELECT * FROM documents ORDER BY id') as unknown as Row[]);
    });
  }

  /** Adds a backup's documents: each is opened with the backup's key and re-sealed under ours. */
  importBackup(json: string, passphrase: string): Promise<{ imported: number }> {
    return this.serial(async () => {
      const key = this.requireKey();
      const parsed = parseBackup(json);
      const backupKey = await unwrapDataKey(parsed.keyRecord, { passphrase });
      const firstId = Number(this.deps.db.selectValue('SELECT coalesce(max(id), 0) + 1 FROM documents'));
      const { rows, docs } = await resealBackup(parsed.documents, backupKey, key, firstId);
      const segments = await Promise.all(docs.map((d) => sealSegments(key, d.id, d.text ?? '', d.chunks)));
      this.deps.db.transaction((tx) => {
        for (const r of rows) tx.exec(INSERT_ROW, { bind: rowBinding(r) });
        for (const s of segments) storeSegments(tx, s);
      });
      const model = this.deps.model();
      const current = (r: Row) => r.model_id === model.modelId && r.dims === model.dims;
      this.index!.add(docs.filter((_, i) => current(rows[i]!)));
      for (const d of docs) d.text = null;
      this.indexChanged();
      rows.forEach((r, i) => this.summaries.set(r.id, summaryOf(r, docs[i]!)));
      this.stale.push(...rows.filter((r) => !current(r)).map((r) => r.id));
      return { imported: rows.length };
    });
  }

  // ---- small secrets and conversations, sealed like documents ----------------------------------

  putSecret(name: string, value: string | null): Promise<void> {
    return this.records.putSecret(name, value);
  }

  getSecret(name: string): Promise<string | null> {
    return this.records.getSecret(name);
  }

  listConversations(): Promise<ConversationSummary[]> {
    return this.records.listConversations();
  }

  getConversation(id: number): Promise<ConversationRecord> {
    return this.records.getConversation(id);
  }

  saveConversation(c: ConversationRecord): Promise<ConversationSummary> {
    return this.serial(() => this.records.saveConversation(c));
  }

  deleteConversation(id: number): void {
    this.records.deleteConversation(id);
  }

  /** Everything gone: rows, key record, device key; freed pages are zeroed (secure_delete). */
  wipe(): Promise<void> {
    return this.serial(async () => {
      this.lock({ persist: false });
      this.deps.db.transaction((tx) => {
        tx.exec('DELETE FROM documents; DELETE FROM document_ivs; DELETE FROM conversations; DELETE FROM secrets; DELETE FROM keyring; DELETE FROM index_snapshot; DELETE FROM chunk_texts;');
      });
      this.deps.db.exec('VACUUM');
      await deleteDeviceKey();
    });
  }
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

/** Chunk `ord` of a document as a search result, with its text. */
function passage(doc: IndexedDoc, ord: number, text: string, score: number): Passage {
  const span = doc.chunks[ord]!;
  return { chunkId: chunkIdOf(doc.id, ord), docId: doc.id, title: doc.title, url: doc.url, text, start: span.start, end: span.end, heading: span.heading, score };
}
