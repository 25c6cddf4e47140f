/**
 * Test build only: the engine's answers to the debug requests (messaging/debug-api.ts). The store
 * build never includes this module (engine.ts folds its use to null).
 */
import type { DebugApi, DebugType } from '../../messaging/debug-api.ts';
import type { Embedder } from '../embed/types.ts';
import type { ModelManager } from '../embed/manager.ts';
import { testFaults } from '../embed/transformers.ts';
import { specOf } from '../embed/manager.ts';
import type { Library } from '../library/library.ts';
import { addSynthetic, timedSearch } from './bench.ts';

export interface DebugDeps {
  withLib: <T>(fn: (l: Library) => Promise<T>) => Promise<T>;
  currentEmbedder: () => Promise<Embedder>;
  models: ModelManager;
}

type Handlers = { [K in Exclude<DebugType, 'debug.readPage' | 'debug.menuClick'>]: (p: DebugApi[K]['req']) => Promise<DebugApi[K]['res']> };

export function debugHandlers({ withLib, currentEmbedder, models }: DebugDeps): Handlers {
  return {
    'debug.vectors': async ({ docId, count }) => withLib(async (l) => l.debugVectors(docId, count)),
    'debug.embed': async ({ texts, vectors, failGpuBatch }) => {
      const e = await currentEmbedder();
      testFaults.failNextGpuBatch = failGpuBatch === true;
      const t0 = performance.now();
      const flat = await e.embed(texts);
      const ms = performance.now() - t0;
      const rows = vectors ? texts.map((_, i) => Array.from(flat.subarray(i * e.dims, (i + 1) * e.dims))) : undefined;
      const { threads = 1, backend } = models.state;
      return { ms, tokens: texts.map((t) => e.countTokens(t)), threads, backend, vectors: rows };
    },
    'debug.synthetic': async (req) => withLib((l) => addSynthetic(l, specOf(models.config.modelId).dims, req)),
    'debug.search': async (req) => withLib((l) => timedSearch(l, currentEmbedder, req)),
    'debug.index': async ({ terms, damage }) => withLib((l) => l.debugSnapshot(terms, damage)),
    'debug.chunkTexts': async ({ damage }) => withLib((l) => l.debugChunkTexts(damage)),
  };
}
