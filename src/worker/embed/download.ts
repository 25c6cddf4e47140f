/**
 * Downloads a model's files once, on the person's go-ahead: from the Hugging Face hub at the
 * spec's revision (tests: a local origin), with byte progress over all files together, every file
 * checked against its known SHA-256 before anything is stored, then kept in the model store
 * (store.ts) for good. Nothing is stored unless every file arrived whole and checked.
 */
import { ConfidantError } from '../../core/errors.ts';
import { checkModelFile, type CheckedFile } from './check.ts';
import { modelFiles, type ModelSpec } from './models.ts';
import { storeModel, type ModelManifest } from './store.ts';

/** Where model files are downloaded from. */
export interface RemoteSource {
  /** e.g. "https://huggingface.co/" */
  host: string;
  /** Path after the host; the hub's is "{model}/resolve/{revision}/". */
  pathTemplate: string;
}

export const HUB: RemoteSource = { host: 'https://huggingface.co/', pathTemplate: '{model}/resolve/{revision}/' };

export function fileUrl(source: RemoteSource, spec: ModelSpec, file: string): string {
  const dir = source.pathTemplate.replaceAll('{model}', spec.id).replaceAll('{revision}', encodeURIComponent(spec.revision));
  return new URL(dir.replace(/^\/+/, '') + file, source.host.endsWith('/') ? source.host : `${source.host}/`).href;
}

export interface DownloadOptions {
  /** Hashes (hex) by file path, in addition to the spec's own; both must match where both exist. */
  sha256?: Record<string, string>;
  /** Bytes received over all files, and the total once known (0 while unknown). */
  onProgress?: (done: number, total: number, file: string) => void;
  signal?: AbortSignal;
}

const PROGRESS_EVERY_MS = 100;

function offline(spec: ModelSpec, source: RemoteSource, cause?: string): ConfidantError {
  const host = new URL(source.host).host;
  return new ConfidantError(
    'E_NETWORK',
    `The embedding model ${spec.id} is not on this device yet and ${host} cannot be reached, so it cannot be downloaded now. Connect to the internet and try again; once downloaded it works offline.`,
    cause ? { host, cause, during: 'modelDownload' } : { host, during: 'modelDownload' },
  );
}

/**
 * Fetches, checks and stores every file of `spec`. Throws E_NETWORK when the host cannot be
 * reached or refuses a file, E_INTEGRITY when a file is not the one its hash names; in both cases nothing is stored.
 */
export async function downloadModel(spec: ModelSpec, source: RemoteSource, opts: DownloadOptions = {}): Promise<ModelManifest> {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) throw offline(spec, source);
  const files = modelFiles(spec);

  // Ask for every file at once: their sizes give the total for one progress bar.
  const responses = await Promise.all(
    files.map(async (file) => {
      let res: Response;
      try {
        res = await fetch(fileUrl(source, spec, file), { credentials: 'omit', cache: 'no-store', redirect: 'follow', signal: opts.signal });
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        throw offline(spec, source, e instanceof Error ? e.message : String(e));
      }
      if (res.status !== 200) {
        void res.body?.cancel();
        throw new ConfidantError('E_NETWORK', `Downloading ${spec.id} failed: ${new URL(source.host).host} answered ${res.status} for ${file}.`, { file, status: res.status, during: 'modelDownload' });
      }
      // A compressed response's length is not the length of what we read; count those as unknown.
      const length = res.headers.get('content-encoding') ? NaN : Number(res.headers.get('content-length') ?? NaN);
      return { file, res, length: Number.isFinite(length) && length >= 0 ? length : NaN };
    }),
  );

  const received = new Map<string, number>(files.map((f) => [f, 0]));
  const finished = new Set<string>();
  const total = () => responses.reduce((sum, r) => sum + (Number.isFinite(r.length) && !finished.has(r.file) ? r.length : received.get(r.file)!), 0);
  const done = () => [...received.values()].reduce((a, b) => a + b, 0);
  const allKnown = () => responses.every((r) => Number.isFinite(r.length) || finished.has(r.file));
  let lastEmit = 0;
  const report = (file: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastEmit < PROGRESS_EVERY_MS) return;
    lastEmit = now;
    // Never report "finished" before the files are checked and stored.
    const t = allKnown() ? total() : 0;
    opts.onProgress?.(t ? Math.min(done(), t - 1) : done(), t, file);
  };

  const checked = new Map<string, CheckedFile>();
  try {
    for (const { file, res, length } of responses) {
      const data = await readBody(file, res, length, (n) => {
        received.set(file, n);
        report(file);
      }).catch((e: unknown) => {
        if (opts.signal?.aborted) throw e;
        if (e instanceof ConfidantError) throw e;
        throw offline(spec, source, e instanceof Error ? e.message : String(e));
      });
      finished.add(file);
      received.set(file, data.byteLength);
      report(file, true);
      checked.set(file, await checkModelFile(spec, file, data, opts.sha256, 'download'));
    }
  } finally {
    for (const r of responses) if (!r.res.bodyUsed) void r.res.body?.cancel().catch(() => {});
  }

  const manifest = await storeModel(spec, new URL(source.host).origin, checked);
  const bytes = done();
  opts.onProgress?.(bytes, bytes, files[files.length - 1]!);
  return manifest;
}

/** Reads a body in chunks, reporting bytes so far; `length` (if known) sizes the buffer once. */
async function readBody(file: string, res: Response, length: number, onBytes: (n: number) => void): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  let buf = new Uint8Array(Number.isFinite(length) ? length : 1 << 16);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.byteLength > buf.byteLength) {
      const bigger = new Uint8Array(Math.max(buf.byteLength * 2, n + value.byteLength));
      bigger.set(buf.subarray(0, n));
      buf = bigger;
    }
    buf.set(value, n);
    n += value.byteLength;
    onBytes(n);
  }
  if (Number.isFinite(length) && n !== length) {
    throw new ConfidantError('E_NETWORK', `The download of ${file} was cut short (${n} of ${length} bytes). Try again.`, { file, received: n, expected: length, during: 'modelDownload' });
  }
  return n === buf.byteLength ? buf : buf.slice(0, n);
}
