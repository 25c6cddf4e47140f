import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { ConfidantError } from '../../core/errors.ts';
import { createLane } from './lane.ts';
import type { Embedder } from './types.ts';
import { modelKey, type ModelSpec } from './models.ts';
import { STORE_ORIGIN, transformersCache } from './store.ts';

/** Where a model's files are read from; neither touches the network. */
export type ModelLocation = 'bundled' | 'downloaded';

/**
 * Texts per ONNX Runtime call. Chunks are sorted by length first, so a batch pads little. 2, 4, 8,
 * 16 and 24 measured the same within noise (MiniLM-shaped q8, 128 tokens, 1 and 2 threads).
 */
const BATCH = 8;

/** Models bundled into this build (dist/models/index.json, written by vite.config.ts). */
export async function bundledModelIds(): Promise<string[]> {
  try {
    const res = await fetch(new URL('/models/index.json', self.location.origin));
    return ((await res.json()) as { bundled: string[] }).bundled;
  } catch {
    return [];
  }
}

/**
 * ONNX Runtime reads its thread count once, when its WebAssembly starts (the first model load
 * in this engine); later loads run with the same count whatever they ask.
 */
let runtimeThreads: number | null = null;

export function threadsInUse(): number | null {
  return runtimeThreads;
}

/**
 * transformers.js on ONNX Runtime's WebAssembly backend, with no remote code and no network:
 *  - ORT's .wasm files and, for threads, its pthread worker and glue script are served by the
 *    extension (/ort/, copied and patched at build time, see vite.config.ts);
 *  - model files come from the build (/models/) or from the model store, which transformers.js
 *    reads as its custom cache under the store's own URLs (store.ts); downloading is done before,
 *    by download.ts, and never by transformers.js.
 * Threads need cross-origin isolation (SharedArrayBuffer), which the manifest's COOP/COEP give.
 */
export async function loadEmbedder(spec: ModelSpec, location: ModelLocation, opts: { threads?: number } = {}): Promise<Embedder & { threads: number }> {
  if (location === 'bundled') {
    env.allowLocalModels = true;
    env.localModelPath = new URL('/models/', self.location.origin).href;
    env.allowRemoteModels = false;
    env.useCustomCache = false;
  } else {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = STORE_ORIGIN;
    env.remotePathTemplate = '{model}/{revision}/';
    env.useCustomCache = true;
    (env as unknown as { customCache: unknown }).customCache = transformersCache();
  }
  env.useBrowserCache = false;

  const onnx = env.backends.onnx as { wasm: { wasmPaths: string; numThreads: number; proxy: boolean } };
  onnx.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  onnx.wasm.proxy = false;
  if (runtimeThreads === null) {
    onnx.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, Math.floor(opts.threads ?? 1)) : 1;
  }

  let extractor: FeatureExtractionPipeline;
  try {
    extractor = (await pipeline('feature-extraction', spec.id, { quantized: spec.quantized, revision: spec.revision })) as FeatureExtractionPipeline;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ConfidantError('E_INTERNAL', `The embedding model ${spec.id} could not be loaded: ${msg}`, { location });
  }
  runtimeThreads ??= onnx.wasm.numThreads;

  const lane = createLane();
  const tokenizer = extractor.tokenizer as unknown as { encode(text: string, pair: null, o: { add_special_tokens: boolean }): number[] };
  return {
    modelId: modelKey(spec),
    dims: spec.dims,
    threads: runtimeThreads,
    countTokens: (text) => tokenizer.encode(text, null, { add_special_tokens: false }).length,
    async embed(texts, onProgress) {
      const out = new Float32Array(texts.length * spec.dims);
      // Longest first, so each batch holds texts of similar length and pads little.
      const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const idx = order.slice(i, i + BATCH);
        const t = await lane(() => extractor(idx.map((j) => texts[j]!), { pooling: 'mean', normalize: true }), texts.length <= BATCH);
        const data = t.data as Float32Array;
        idx.forEach((j, r) => out.set(data.subarray(r * spec.dims, (r + 1) * spec.dims), j * spec.dims));
        onProgress?.(Math.min(texts.length, i + BATCH), texts.length);
      }
      return out;
    },
  };
}
