/**
 * Downloaded model files, kept in the extension's Cache Storage (origin-private, counted in the
 * extension's quota, kept across restarts, cleared with the extension's data). Model files are
 * public, so they are stored as they came; what matters is that they are complete and the ones
 * that were checked.
 *
 * Layout: one cache, entries keyed by synthetic URLs
 *   https://models.confidant.invalid/<owner>/<name>/<revision>/<path>
 * (the Cache API wants http(s) URLs; `.invalid` never resolves, RFC 2606) plus one manifest per
 * model at `.../<revision>/.confidant-manifest.json`. Files are written first and the manifest
 * last, so a model counts as stored only once every file is in place: an interrupted download
 * leaves no usable half.
 */
import { modelFiles, type ModelSpec } from './models.ts';

export const MODEL_CACHE = 'confidant-models-v1';
export const STORE_ORIGIN = 'https://models.confidant.invalid/';
const MANIFEST = '.confidant-manifest.json';

export interface StoredFile {
  bytes: number;
  /** SHA-256 of the bytes stored, hex. */
  sha256: string;
  /** True when the hash was checked against a known value before storing. */
  verified: boolean;
}

export interface ModelManifest {
  modelId: string;
  revision: string;
  /** Where the files were downloaded from (the hub, or a test origin). */
  source: string;
  downloadedAt: number;
  files: Record<string, StoredFile>;
}

/** The directory URL of a model's files in the store; also the URL transformers.js is told to load from. */
export function storeBase(spec: ModelSpec): string {
  return `${STORE_ORIGIN}${spec.id}/${encodeURIComponent(spec.revision)}/`;
}

async function open(): Promise<Cache> {
  return caches.open(MODEL_CACHE);
}

/** The model's manifest, if every file it lists is stored; null otherwise. */
export async function storedModel(spec: ModelSpec): Promise<ModelManifest | null> {
  if (typeof caches === 'undefined') return null;
  const cache = await open();
  const res = await cache.match(storeBase(spec) + MANIFEST);
  if (!res) return null;
  let manifest: ModelManifest;
  try {
    manifest = (await res.json()) as ModelManifest;
  } catch {
    return null;
  }
  for (const file of modelFiles(spec)) {
    if (!manifest.files[file] || !(await cache.match(storeBase(spec) + file))) return null;
  }
  return manifest;
}

/** Stores verified files, then the manifest that makes them count. */
export async function storeModel(spec: ModelSpec, source: string, files: ReadonlyMap<string, { data: Uint8Array; sha256: string; verified: boolean }>): Promise<ModelManifest> {
  const cache = await open();
  const manifest: ModelManifest = { modelId: spec.id, revision: spec.revision, source, downloadedAt: Date.now(), files: {} };
  for (const [path, f] of files) {
    await cache.put(
      storeBase(spec) + path,
      new Response(f.data as BufferSource, { headers: { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'content-length': String(f.data.byteLength) } }),
    );
    manifest.files[path] = { bytes: f.data.byteLength, sha256: f.sha256, verified: f.verified };
  }
  await cache.put(storeBase(spec) + MANIFEST, new Response(JSON.stringify(manifest), { headers: { 'content-type': 'application/json' } }));
  return manifest;
}

/** Forgets a model's files (a corrupt copy, or the person removing it). */
export async function removeModel(spec: ModelSpec): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await open();
  await cache.delete(storeBase(spec) + MANIFEST);
  for (const file of modelFiles(spec)) await cache.delete(storeBase(spec) + file);
}

/**
 * The store as transformers.js's custom cache (`env.customCache`): it asks for each file by the
 * URL it would download it from, which for a stored model is exactly the store's key. Nothing is
 * ever written through it (downloads go through download.ts, which checks them first).
 */
export function transformersCache(): { match(key: string | Request): Promise<Response | undefined>; put(): Promise<void> } {
  return {
    async match(key) {
      const url = typeof key === 'string' ? key : key.url;
      if (!url.startsWith(STORE_ORIGIN)) return undefined;
      return (await open()).match(url);
    },
    async put() {},
  };
}
