/**
 * Test build only: engine requests the benchmarks use (bench/library.ts). Synthetic documents go
 * through the library's real sealing, store and index code; searches are timed inside the engine,
 * so the figures leave out extension messaging.
 */
import { queryTerms } from '../../core/library/fuse.ts';
import type { DebugApi as EngineApi } from '../../messaging/debug-api.ts';
import type { Embedder } from '../embed/types.ts';
import type { Library, SearchStages } from '../library/library.ts';
import { chunkIdOf, type Hit, type SearchIndex } from '../library/search-index.ts';
import { dot } from '../../core/library/quantize.ts';
import { SyntheticCorpus } from './synthetic.ts';

const corpora = new Map<string, SyntheticCorpus>();
function corpus(dims: number, seed: number): SyntheticCorpus {
  const key = `${dims}:${seed}`;
  let c = corpora.get(key);
  if (!c) corpora.set(key, (c = new SyntheticCorpus(dims, seed)));
  return c;
}

/** Adds documents number from … from + docs − 1 of the corpus, 50 at a time. */
export async function addSynthetic(l: Library, dims: number, req: EngineApi['debug.synthetic']['req']): Promise<EngineApi['debug.synthetic']['res']> {
  const c = corpus(dims, req.seed);
  for (let n = req.from; n < req.from + req.docs; n += 50) {
    const batch = [];
    for (let i = n; i < Math.min(n + 50, req.from + req.docs); i++) batch.push(c.document(i, req.chunksPerDoc));
    await l.debugSaveEmbedded(batch);
  }
  const index = l.debugIndex();
  // The chunks' keywords are indexed in the keyword thread after each save returns; a library
  // "built" with that still under way made the next lock and unlock wait for it (the first
  // unlock at 100k chunks measured 8.8 s instead of 1.8).
  await index.settled();
  return { documents: l.list().length, chunks: index.size };
}

export async function timedSearch(l: Library, embedder: () => Promise<Embedder>, req: EngineApi['debug.search']['req']): Promise<EngineApi['debug.search']['res']> {
  const index = l.debugIndex();
  const q = corpus(index.dims, req.seed).query(req.queryIndex);
  const ids = (hits: { chunkId: number }[]) => hits.map((h) => h.chunkId);
  switch (req.mode) {
    case 'library': {
      // The product's search, end to end: query embedding, vector + BM25, fusion, snippets.
      const stages: SearchStages = {};
      const t0 = performance.now();
      const { passages } = await l.search(q.text, { kind: 'library' }, req.k, stages);
      return { ms: performance.now() - t0, embedMs: stages.embed ?? 0, ids: passages.map((p) => p.chunkId), stages };
    }
    case 'vec0-f32': {
      // A plain sqlite-vec search: the same query embedding, then a float32 scan of vec0.
      const t0 = performance.now();
      const e = await embedder();
      const qv = await e.embed([q.text]);
      const embedMs = performance.now() - t0;
      const hits = index.floatScan(qv, req.k);
      return { ms: performance.now() - t0, embedMs, ids: ids(hits) };
    }
    case 'vector': {
      const t0 = performance.now();
      const hits = index.vectorSearch(q.vector, req.k);
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
    case 'vec0-bit': {
      const t0 = performance.now();
      const hits = index.bitScanVec0(q.vector, req.k);
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
    case 'keyword': {
      const { hits, ms } = await index.keywordSearch(queryTerms(q.text), req.k);
      return { ms, embedMs: 0, ids: ids(hits) };
    }
    case 'keyword-fts5': {
      // The baseline: FTS5's BM25 over the same chunks (every text must be open to build it).
      await l.debugFts5Table(); // outside the timing
      const t0 = performance.now();
      const hits = index.fts5Search(queryTerms(q.text), req.k);
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
    case 'exact': {
      // Exact float32 cosine over the vectors as stored: the reference the int8 index is measured against.
      const stored = await storedVectors(l, index);
      const t0 = performance.now();
      const hits = exactFloat(q.vector, req.k, stored);
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
  }
}

/** The stored float32 vectors of the index's documents, decrypted once per index and size (recall baselines). */
const storedCache = new WeakMap<SearchIndex, { size: number; vectors: Promise<Map<number, { vectors: Float32Array; chunks: number }>> }>();
function storedVectors(l: Library, index: SearchIndex): Promise<Map<number, { vectors: Float32Array; chunks: number }>> {
  let c = storedCache.get(index);
  if (!c || c.size !== index.size) storedCache.set(index, (c = { size: index.size, vectors: l.debugStoredVectors() }));
  return c.vectors;
}

/** Top k by float32 cosine (the vectors are unit length: the dot product), best first. */
function exactFloat(query: Float32Array, k: number, stored: Map<number, { vectors: Float32Array; chunks: number }>): Hit[] {
  const dims = query.length;
  const all: Hit[] = [];
  for (const [docId, { vectors, chunks }] of stored) {
    for (let i = 0; i < chunks; i++) all.push({ chunkId: chunkIdOf(docId, i), docId, score: dot(query, vectors, i * dims, dims) });
  }
  return all.sort((a, b) => b.score - a.score).slice(0, k);
}
