/**
 * ONNX Runtime Web starts once per engine (its WebAssembly module, threads and build are fixed at
 * the first model load), so the choices made here hold for the engine's life:
 *
 *  - which build: with a WebGPU adapter, ORT's WebGPU build (ort-wasm-simd-threaded.asyncify,
 *    CPU + WebGPU, 27 MB); without one, the CPU-only build (14 MB, half the memory and download
 *    to compile). Both are served from /ort/ (vite.config.ts);
 *  - how many threads (needs cross-origin isolation, which the manifest's COOP/COEP give).
 */
import { env } from '@huggingface/transformers';

export interface Runtime {
  threads: number;
  /** The WebGPU adapter's description when the WebGPU build was started; null for CPU only. */
  adapter: string | null;
}

let started: Runtime | null = null;

/** Minimal WebGPU typing (lib.dom has none for workers here): only what is used. */
interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
}
interface Gpu {
  requestAdapter(o?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info?: GpuAdapterInfo } | null>;
}

/** The WebGPU adapter ORT would get, described for Settings; null when there is none. */
async function webGpuAdapter(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: Gpu }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const i = adapter.info ?? {};
    return [i.vendor, i.architecture, i.description].filter((s) => s).join(' ') || 'WebGPU adapter';
  } catch {
    return null;
  }
}

export async function startRuntime(threads: number): Promise<Runtime> {
  if (started) return started;
  const adapter = await webGpuAdapter();
  const ort = env.backends.onnx as { wasm: { wasmPaths: unknown; numThreads: number; proxy: boolean } };
  const base = new URL('/ort/', self.location.origin).href;
  const build = adapter ? 'ort-wasm-simd-threaded.asyncify' : 'ort-wasm-simd-threaded';
  ort.wasm.wasmPaths = { mjs: `${base}${build}.mjs`, wasm: `${base}${build}.wasm` };
  ort.wasm.proxy = false;
  ort.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, Math.floor(threads)) : 1;
  // transformers.js would otherwise fetch the two files itself and hand ORT a blob: URL for the
  // glue (to cache it in Cache Storage): the extension's CSP runs no blob: scripts.
  env.useWasmCache = false;
  started = { threads: ort.wasm.numThreads, adapter };
  return started;
}

/** The runtime's thread count once started (ModelState.threads). */
export function threadsInUse(): number | null {
  return started?.threads ?? null;
}
