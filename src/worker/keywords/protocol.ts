import type { KeywordDb, KeywordRange } from './keyword-store.ts';

/**
 * What the engine asks its keyword thread (keyword-thread.ts), one map typed end to end. Requests are
 * answered in the order they were sent, so a search sent after an insert sees that insert.
 */
export interface KeywordApi {
  /** At unlock: an empty index, or one from `snapshot` (its bytes in order, in parts), whose 1-bit codes come back. */
  open: { req: { snapshot: Uint8Array[] | null }; res: { codes: Array<[number, Uint8Array]> } };
  /** At lock: the indexes are dropped, with every term they held. */
  close: { req: null; res: null };
  insert: { req: { db: KeywordDb; docs: Array<{ first: number; texts: string[] }> }; res: null };
  remove: { req: { db: KeywordDb; lo: number; hi: number }; res: null };
  /** `ms`: the thread's own time, for the benchmark's breakdown. */
  search: { req: { terms: string[]; k: number; ranges: KeywordRange[] | null }; res: { rows: Array<[number, number]>; ms: number } };
  /** The saved index with the engine's 1-bit codes of the saved documents, per document id. */
  snapshot: { req: { codes: Array<[number, Uint8Array]> }; res: Uint8Array };
  /** Answered once every request sent before it is done (writes included): nothing else. */
  flush: { req: null; res: null };
}

export type KeywordType = keyof KeywordApi;

export interface KeywordRequest<K extends KeywordType = KeywordType> {
  id: number;
  type: K;
  payload: KeywordApi[K]['req'];
}
