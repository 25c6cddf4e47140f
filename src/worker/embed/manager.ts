/**
 * The engine's embedding model: which one is configured, whether its files are on this device,
 * and loading it. States, as the panel shows them:
 *   not-loaded  the files are not on this device; the person must agree to a download
 *   loading     downloading (progress events, task "model") or reading the files
 *   ready       loaded
 *   error       the last attempt failed (message says why and what to do)
 * A model that was bundled or downloaded before is loaded at engine start without asking and
 * without network, so after a relaunch the state goes loading → ready on its own.
 */
import { ConfidantError } from '../../core/errors.ts';
import type { ModelConfig, ModelState } from '../../messaging/engine-api.ts';
import { downloadModel, HUB, type RemoteSource } from './download.ts';
import { importModel } from './import.ts';
import { DEFAULT_MODEL_ID, MODELS, modelFiles, type ModelSpec } from './models.ts';
import { removeModel, storedModel } from './store.ts';
import { threadsInUse } from './runtime.ts';
import { backendOf, bundledModelIds, loadEmbedder, type ModelLocation } from './transformers.ts';
import type { Embedder } from './types.ts';

export function specOf(id: string): ModelSpec {
  const spec = MODELS[id];
  if (!spec) throw new ConfidantError('E_BAD_REQUEST', `Unknown embedding model: ${id}`);
  return spec;
}

/**
 * The store build loads models only from the hub (or a folder), only those with published
 * hashes: another host or a generated test model (no hashes) is for the test build (review
 * finding 11).
 */
function storeBuildAllows(config: ModelConfig): ModelSpec {
  const spec = specOf(config.modelId);
  if (!__TEST_BUILD__ && (config.remoteHost !== undefined || config.remotePathTemplate !== undefined || spec.id.startsWith('confidant-test/'))) {
    throw new ConfidantError('E_BAD_REQUEST', 'This build loads embedding models only from the Hugging Face hub, pinned by hash.');
  }
  return spec;
}

export function defaultThreads(): number {
  return Math.min(2, navigator.hardwareConcurrency || 1);
}

export class ModelManager {
  config: ModelConfig = { modelId: DEFAULT_MODEL_ID };
  private status: ModelState = { modelId: DEFAULT_MODEL_ID, state: 'not-loaded' };
  private embedder: Promise<Embedder> | null = null;
  /** The current load is fetching files from the network (not reading them from this device). */
  private downloading = false;
  /** Loads run one at a time (ONNX Runtime refuses to start twice at once). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly onProgress: (done: number, total: number, file: string) => void,
    /** The state changed with no request asking (the model moved from WebGPU to WebAssembly). */
    private readonly onChange: (state: ModelState) => void = () => {},
  ) {}

  get state(): ModelState {
    const spec = MODELS[this.status.modelId];
    // The backend is read live: a failing GPU moves the model to WebAssembly between two states.
    const backend = this.status.state === 'ready' ? backendOf() : null;
    return { ...this.status, ...(spec ? { files: modelFiles(spec) } : {}), ...(backend ? { backend } : {}) };
  }

  /** A model is loaded or loading (from the build, the store, or a download under way). */
  get available(): boolean {
    return this.embedder !== null;
  }

  /** The loaded (or loading) model; a clear error if the person has not let it download yet. */
  current(): Promise<Embedder> {
    if (this.embedder) return this.embedder;
    throw new ConfidantError('E_MODEL_NOT_READY', 'The embedding model is not loaded yet. Download it in Settings (once; it stays on this device).');
  }

  /**
   * The model if it can embed without waiting on the network: loaded, or loading from files
   * already on this device. Null while it would first have to download (or after a failure), so
   * asking falls back to keyword search instead of waiting minutes for 23 MB.
   */
  async usable(): Promise<Embedder | null> {
    if (!this.embedder || this.downloading) return null;
    try {
      return await this.embedder;
    } catch {
      return null;
    }
  }

  /** At engine start: the saved configuration; its model is loaded if its files are here. */
  async restore(saved: ModelConfig | null): Promise<void> {
    if (saved) this.config = saved;
    const spec = MODELS[this.config.modelId];
    if (!spec) {
      this.status = { modelId: this.config.modelId, state: 'error', error: `Unknown embedding model: ${this.config.modelId}` };
      return;
    }
    this.status = { modelId: spec.id, state: 'not-loaded', dims: spec.dims };
    const where = await this.locate(spec);
    if (where) void this.start(spec, this.config, 'stored').catch(() => {});
  }

  /**
   * The person's go-ahead: configure `config` and load it, downloading once if needed. The same
   * model again, already loaded or loading, is not loaded twice.
   */
  async load(config: ModelConfig): Promise<{ state: ModelState; changed: boolean }> {
    const spec = storeBuildAllows(config);
    const changed = spec.id !== this.config.modelId;
    this.config = config;
    if (!changed && this.embedder) {
      try {
        await this.embedder;
        return { state: this.state, changed };
      } catch {
        /* the earlier attempt failed: try again below */
      }
    }
    await this.start(spec, config, 'download');
    return { state: this.state, changed };
  }

  /**
   * Configures `config` and loads it from files the panel staged from a folder, checked like a
   * download (import.ts); they replace any stored copy.
   */
  async importFolder(config: ModelConfig): Promise<{ state: ModelState; changed: boolean }> {
    const spec = storeBuildAllows(config);
    const changed = spec.id !== this.config.modelId;
    this.config = config;
    await this.start(spec, config, 'folder');
    return { state: this.state, changed };
  }

  private async locate(spec: ModelSpec): Promise<ModelLocation | null> {
    if ((await bundledModelIds()).includes(spec.id)) return 'bundled';
    if (await storedModel(spec)) return 'downloaded';
    return null;
  }

  /** Loads `spec` from this device; first from the network (`download`) or a staged folder if asked. */
  private start(spec: ModelSpec, config: ModelConfig, obtain: 'stored' | 'download' | 'folder'): Promise<Embedder> {
    this.status = { modelId: spec.id, state: 'loading', dims: spec.dims };
    const run = this.queue.then(async () => {
      if (obtain === 'folder') await importModel(spec, config.sha256);
      let where = await this.locate(spec);
      if (!where) {
        if (obtain !== 'download') throw new ConfidantError('E_MODEL_NOT_READY', `The embedding model ${spec.id} is not on this device.`);
        const source: RemoteSource = config.remoteHost ? { host: config.remoteHost, pathTemplate: config.remotePathTemplate ?? '{model}/' } : HUB;
        this.downloading = true;
        try {
          await downloadModel(spec, source, { sha256: config.sha256, onProgress: this.onProgress });
        } finally {
          this.downloading = false;
        }
        where = 'downloaded';
      }
      try {
        return { embedder: await loadEmbedder(spec, where, { threads: config.threads ?? defaultThreads(), onBackendChange: () => this.onChange(this.state) }), where };
      } catch (e) {
        if (where !== 'downloaded') throw e;
        // A stored copy that does not load is damaged: forget it, so the next attempt downloads it anew.
        await removeModel(spec).catch(() => {});
        throw new ConfidantError('E_INTERNAL', `The downloaded copy of ${spec.id} could not be loaded and was removed; download it again. (${e instanceof Error ? e.message : String(e)})`);
      }
    });
    this.queue = run.catch(() => undefined);
    const embedder: Promise<Embedder> = run.then(
      (r) => {
        if (this.embedder === embedder) this.status = { modelId: spec.id, state: 'ready', dims: spec.dims, threads: threadsInUse() ?? 1, source: r.where };
        return r.embedder;
      },
      (e: unknown) => {
        if (this.embedder === embedder) {
          this.embedder = null;
          this.status =
            e instanceof ConfidantError && e.code === 'E_MODEL_NOT_READY'
              ? { modelId: spec.id, state: 'not-loaded', dims: spec.dims }
              : { modelId: spec.id, state: 'error', dims: spec.dims, error: e instanceof Error ? e.message : String(e) };
        }
        throw e;
      },
    );
    this.embedder = embedder;
    return embedder;
  }
}
