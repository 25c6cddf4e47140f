/**
 * The engine's API: what the dedicated Worker (SQLite + sqlite-vec on OPFS, embeddings)
 * answers. The panel addresses these through the background, which forwards them to the
 * offscreen document, which posts them to the worker. One map, typed end to end.
 */
export interface EngineStatus {
  sqliteVersion: string;
  vecVersion: string;
  fts5: boolean;
  vfs: string;
  schemaVersion: number;
  /** Milliseconds the worker took to open the database. */
  openMs: number;
  crossOriginIsolated: boolean;
}

export interface EngineApi {
  'engine.status': { req: Record<string, never>; res: EngineStatus };
  /** A small key/value table for non-secret state (settings markers, tests of persistence). */
  'kv.put': { req: { key: string; value: string }; res: null };
  'kv.get': { req: { key: string }; res: string | null };
}

export type EngineType = keyof EngineApi;

/** Runtime list of engine request types, so the background can route without knowing each one. */
export const ENGINE_TYPES = ['engine.status', 'kv.put', 'kv.get'] as const satisfies readonly EngineType[];

export function isEngineType(t: unknown): t is EngineType {
  return typeof t === 'string' && (ENGINE_TYPES as readonly string[]).includes(t);
}

/** Worker wire format (offscreen ↔ worker, postMessage). */
export interface WorkerRequest<K extends EngineType = EngineType> {
  id: number;
  type: K;
  payload: EngineApi[K]['req'];
}
