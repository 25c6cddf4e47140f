import { env, pipeline, type FeatureExtractionPipeline } from '@xenova/transformers';
import { ConfidantError } from '../../core/errors.ts';
import type { Embedder } from './types.ts';
import { modelKey, type ModelSpec } from './models.ts';

/** Where model files come from. */
export interface ModelSource {
  /** Files bundled in the extension under /models/<id>/ are used first when present. */
  allowBundled: boolean;
  /** Remote host (the Hugging Face hub, or a local origin in tests); null = offline only. */
  remoteHost: string | null;
  /** Path template after the host; the hub's is "{model}/resolve/{revision}/". */
  remotePathTemplate: string;
}

export const HUB_SOURCE: ModelSource = { allowBundled: true, remoteHost: 'https://huggingface.co/', remotePathTemplate: '{model}/resolve/{revision}/' };

const BATCH = 8;

/**
 * transformers.js, WASM backend, with ONNX Runtime's .wasm files served from the extension
 * itself (/ort/, copied at build time): no remote code. Threads only when the context is
 * cross-origin isolated (SharedArrayBuffer).
 */
/** Models bundled into this build (dist/models/index.json, written by vite.config.ts). */
async function bundledModelIds(): Promise<string[]> {
  try {
    const res = await fetch(new URL('/models/index.json', self.location.origin));
    return ((await res.json()) as { bundled: string[] }).bundled;
  } catch {
    return [];
  }
}

export async function loadEmbedder(
  spec: ModelSpec,
  source: ModelSource,
  opts: { threads?: number; onProgress?: (loaded: number, total: number, file: string) => void } = {},
): Promise<Embedder> {
  env.allowLocalModels = source.allowBundled && (await bundledModelIds()).includes(spec.id);
  env.localModelPath = new URL('/models/', self.location.origin).href;
  env.allowRemoteModels = source.remoteHost !== null;
  if (source.remoteHost) env.remoteHost = source.remoteHost;
  env.remotePathTemplate = source.remotePathTemplate;
  env.useBrowserCache = typeof caches !== 'undefined';
  const onnx = env.backends.onnx as { wasm: { wasmPaths: string; numThreads: number; proxy: boolean } };
  onnx.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  onnx.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, opts.threads ?? 1) : 1;
  onnx.wasm.proxy = false;

  let extractor: FeatureExtractionPipeline;
  try {
    extractor = (await pipeline('feature-extraction', spec.id, {
      quantized: spec.quantized,
      revision: spec.revision,
      progress_callback: (p: { status: string; file?: string; loaded?: number; total?: number }) => {
        if (p.status === 'progress' && p.file) opts.onProgress?.(p.loaded ?? 0, p.total ?? 0, p.file);
      },
    })) as FeatureExtractionPipeline;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/fetch|network|Failed to fetch|Could not locate file/i.test(msg)) {
      throw new ConfidantError('E_NETWORK', `The embedding model ${spec.id} is not on this device and could not be downloaded. Check your connection and try again.`, { cause: msg });
    }
    throw new ConfidantError('E_INTERNAL', `The embedding model ${spec.id} could not be loaded: ${msg}`);
  }

  const tokenizer = extractor.tokenizer as unknown as { encode(text: string, pair: null, o: { add_special_tokens: boolean }): number[] };
  return {
    modelId: modelKey(spec),
    dims: spec.dims,
    countTokens: (text) => tokenizer.encode(text, null, { add_special_tokens: false }).length,
    async embed(texts, onProgress) {
      const out = new Float32Array(texts.length * spec.dims);
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH) as string[];
        const t = await extractor(batch, { pooling: 'mean', normalize: true });
        out.set(t.data as Float32Array, i * spec.dims);
        onProgress?.(Math.min(texts.length, i + BATCH), texts.length);
      }
      return out;
    },
  };
}
