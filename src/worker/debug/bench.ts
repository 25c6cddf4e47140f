/**
 * Test build only: engine requests the benchmarks use (bench/library.ts). Synthetic documents go
 * through the library's real sealing, store and index code; searches are timed inside the engine,
 * so the figures leave out extension messaging.
 */
import { queryTerms } from '../../core/library/fuse.ts';
import type { DebugApi as EngineApi } from '../../messaging/debug-api.ts';
import type { Embedder } from '../embed/types.ts';
import type { Library } from '../library/library.ts';
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
  return { documents: l.list().length, chunks: index.size };
}

export async function timedSearch(l: Library, embedder: () => Promise<Embedder>, req: EngineApi['debug.search']['req']): Promise<EngineApi['debug.search']['res']> {
  const index = l.debugIndex();
  const q = corpus(index.dims, req.seed).query(req.queryIndex);
  const ids = (hits: { chunkId: number }[]) => hits.map((h) => h.chunkId);
  switch (req.mode) {
    case 'library': {
      // The product's search, end to end: query embedding, vector + BM25, fusion, snippets.
      const t0 = performance.now();
      const { passages } = await l.search(q.text, { kind: 'library' }, req.k);
      return { ms: performance.now() - t0, embedMs: 0, ids: passages.map((p) => p.chunkId) };
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
      const t0 = performance.now();
      const hits = index.keywordSearch(queryTerms(q.text), req.k);
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
    case 'exact': {
      const t0 = performance.now();
      const hits = index.exactSearch(q.vector, req.k, [...index.allDocs()].map((d) => d.id));
      return { ms: performance.now() - t0, embedMs: 0, ids: ids(hits) };
    }
  }
}
