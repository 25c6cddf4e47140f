import { unwrap, type Reply } from '../../messaging/reply.ts';
import type { KeywordApi, KeywordRequest, KeywordType } from './protocol.ts';
// The thread's built file (a `?worker&url` import names a file, not code).
import threadUrl from './keyword-thread.ts?worker&url';

/**
 * The engine's side of the keyword thread: one Worker for the engine's life, started with the
 * library (so it has started before the first unlock needs it), holding an
 * index from unlock to lock. Writes (insert, remove, close) are sent without waiting for them: the
 * thread keeps their order, so the next search sees them. A write that fails makes every later
 * request fail with its error (the keyword index no longer matches the library) until the next open.
 */
export class KeywordThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply<unknown>) => void>();
  private broken: Error | null = null;

  constructor() {
    this.worker = new Worker(threadUrl, { type: 'module', name: 'confidant-keywords' });
    this.worker.addEventListener('message', (ev: MessageEvent<{ id: number } & Reply<unknown>>) => {
      const done = this.pending.get(ev.data.id);
      this.pending.delete(ev.data.id);
      done?.(ev.data);
    });
    this.worker.addEventListener('error', (ev) => {
      const error = { name: 'ConfidantError' as const, code: 'E_INTERNAL' as const, message: `The keyword index's worker failed: ${ev.message}` };
      for (const done of this.pending.values()) done({ ok: false, error });
      this.pending.clear();
    });
  }

  /** An empty keyword index, or one from a snapshot's parts (handed over); the snapshot's 1-bit codes come back. */
  async open(snapshot: Uint8Array[] | null): Promise<Array<[number, Uint8Array]>> {
    this.broken = null;
    const buffers = new Set((snapshot ?? []).map((p) => p.buffer));
    return (await this.request('open', { snapshot }, [...buffers])).codes;
  }

  /** One request; `transfer` hands buffers over instead of copying them (they are unusable here after). */
  request<K extends KeywordType>(type: K, payload: KeywordApi[K]['req'], transfer: Transferable[] = []): Promise<KeywordApi[K]['res']> {
    if (this.broken && type !== 'open' && type !== 'close') return Promise.reject(this.broken);
    const id = this.nextId++;
    const msg: KeywordRequest<K> = { id, type, payload };
    return new Promise<Reply<unknown>>((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage(msg, { transfer });
    }).then((r) => unwrap(r as Reply<KeywordApi[K]['res']>, `keyword index ${type}`));
  }

  /** A write: sent now, not awaited (see the class comment). */
  write<K extends 'insert' | 'remove' | 'close'>(type: K, payload: KeywordApi[K]['req']): void {
    this.request(type, payload).catch((e: unknown) => {
      if (this.broken || type === 'close') return;
      this.broken = e instanceof Error ? e : new Error(String(e));
      console.error(`Confidant: the keyword index could not ${type}:`, this.broken.message);
    });
  }
}
