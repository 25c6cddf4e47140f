import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { ConfidantError } from '../../core/errors.ts';
import type { EmbedBackend } from '../../messaging/engine-api.ts';
import { createLane } from './lane.ts';
import type { Embedder } from './types.ts';
import { modelKey, type ModelSpec } from './models.ts';
import { startRuntime } from './runtime.ts';
import { STORE_ORIGIN, storeBase, transformersCache } from './store.ts';

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

/** What the loaded model runs on; changes once if WebGPU fails and the model moves to WebAssembly. */
let backendInUse: EmbedBackend | null = null;

export function backendOf(): EmbedBackend | null {
  return backendInUse;
}

/** Test build only: the next WebGPU batch throws, as a lost device would (tests the fallback). */
export const testFaults = { failNextGpuBatch: false };

type Extractor = FeatureExtractionPipeline;

/**
 * ONNX Runtime's thread pool keeps its threads spinning for a while after each run, waiting for
 * more work. After a question's query embedding there is none, and on a 2-core machine the
 * spinning thread took the core the keyword thread and the vector stage needed: stopping it at
 * the end of every run took search p50 at 100k chunks from 17 to 14 ms there (`npm run bench --
 * library`), and made the embedding itself faster, not slower.
 */
const SESSION_OPTIONS = { extra: { session: { force_spinning_stop: '1' } } };

function offline(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input), self.location.href);
  if (url.origin === self.location.origin) return fetch(url, init);
  return Promise.resolve(new Response(null, { status: 404, statusText: 'Not Found (offline: Confidant fetches model files itself)' }));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * transformers.js (@huggingface/transformers) on ONNX Runtime Web, with no remote code and no
 * network:
 *  - ORT's WebAssembly comes from the extension (/ort/, see runtime.ts and vite.config.ts);
 *  - model files come from the build (/models/) or from the model store, which transformers.js
 *    reads as its custom cache under the store's own URLs (store.ts); downloading is done before,
 *    by download.ts, and never by transformers.js.
 * With a WebGPU adapter the model runs on the GPU, and on WebAssembly if that fails: at load, or
 * at any later batch (that batch is run again on WebAssembly, the ones done are kept, and the
 * model stays on WebAssembly from then on).
 */
export async function loadEmbedder(
  spec: ModelSpec,
  location: ModelLocation,
  opts: { threads?: number; onBackendChange?: (b: EmbedBackend) => void } = {},
): Promise<Embedder & { threads: number }> {
  if (location === 'bundled') {
    env.allowLocalModels = true;
    env.localModelPath = new URL('/models/', self.location.origin).href;
    env.allowRemoteModels = false;
    env.useCustomCache = false;
  } else {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = STORE_ORIGIN;
    // The revision is written in, not left to {revision}: transformers.js 4 asks for some files
    // (config.json) at "main" whatever revision the pipeline was given.
    env.remotePathTemplate = storeBase(spec).slice(STORE_ORIGIN.length).replace(spec.id, '{model}');
    env.useCustomCache = true;
    env.customCache = transformersCache();
  }
  env.useBrowserCache = false;
  env.useFSCache = false;
  // Every request transformers.js makes goes through env.fetch: the extension's own files are
  // served, anything else is answered "not found" without touching the network. (It asks about
  // files a model may have, e.g. external weights; the ones ours has come from the store above.)
  env.fetch = offline;

  const runtime = await startRuntime(opts.threads ?? 1);
  const dtype = spec.quantized ? 'q8' : 'fp32';
  const load = async (device: 'webgpu' | 'wasm'): Promise<Extractor> => {
    try {
      return (await pipeline('feature-extraction', spec.id, { dtype, device, revision: spec.revision, session_options: SESSION_OPTIONS })) as Extractor;
    } catch (e) {
      throw new ConfidantError('E_INTERNAL', `The embedding model ${spec.id} could not be loaded: ${message(e)}`, { location, device });
    }
  };

  let gpu: Extractor | null = null;
  let cpu: Extractor | null = null;
  let fallback: string | undefined;
  if (runtime.adapter) {
    try {
      gpu = await load('webgpu');
    } catch (e) {
      fallback = `WebGPU could not load the model: ${message(e)}`;
    }
  }
  if (!gpu) cpu = await load('wasm');
  const describe = (): EmbedBackend =>
    gpu ? { device: 'webgpu', adapter: runtime.adapter ?? undefined, threads: runtime.threads } : { device: 'wasm', threads: runtime.threads, ...(fallback ? { fallback } : {}) };
  backendInUse = describe();

  const run = async (batch: string[]): Promise<Float32Array> => {
    if (gpu) {
      try {
        if (__TEST_BUILD__ && testFaults.failNextGpuBatch) {
          testFaults.failNextGpuBatch = false;
          throw new Error('GPU device lost (test fault)');
        }
        return (await gpu(batch, { pooling: 'mean', normalize: true })).data as Float32Array;
      } catch (e) {
        fallback = `WebGPU failed while embedding, moved to WebAssembly: ${message(e)}`;
        const lost = gpu;
        gpu = null;
        void lost.dispose().catch(() => {});
        cpu ??= await load('wasm');
        backendInUse = describe();
        opts.onBackendChange?.(backendInUse);
      }
    }
    return (await cpu!(batch, { pooling: 'mean', normalize: true })).data as Float32Array;
  };

  const lane = createLane();
  const tokenizer = (gpu ?? cpu)!.tokenizer;
  return {
    modelId: modelKey(spec),
    dims: spec.dims,
    threads: runtime.threads,
    countTokens: (text) => tokenizer.encode(text, { add_special_tokens: false }).length,
    async embed(texts, onProgress) {
      const out = new Float32Array(texts.length * spec.dims);
      // Longest first, so each batch holds texts of similar length and pads little.
      const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length);
      for (let i = 0; i < order.length; i += BATCH) {
        const idx = order.slice(i, i + BATCH);
        const data = await lane(() => run(idx.map((j) => texts[j]!)), texts.length <= BATCH);
        idx.forEach((j, r) => out.set(data.subarray(r * spec.dims, (r + 1) * spec.dims), j * spec.dims));
        onProgress?.(Math.min(texts.length, i + BATCH), texts.length);
      }
      return out;
    },
  };
}
