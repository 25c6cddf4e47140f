/**
 * The engine's keyword thread: a Worker the engine starts, holding the keyword indexes
 * (keyword-store.ts) from unlock to lock. It exists so that keyword search runs while the engine
 * thread embeds the question: ONNX Runtime's WebAssembly inference blocks the thread it runs on.
 * (With FTS5 the two stages took about the same time; with the keyword index, a keyword search
 * is well under a millisecond, and indexing a large page still keeps off the engine thread.) It
 * touches no storage: what it indexes comes from the engine, and its snapshot goes back to the
 * engine to be sealed.
 */
import { toReply } from '../../messaging/reply.ts';
import { KeywordStore } from './keyword-store.ts';
import type { KeywordApi, KeywordRequest, KeywordType } from './protocol.ts';

let index: KeywordStore | null = null;

function current(): KeywordStore {
  if (!index) throw new Error('the keyword index is not open');
  return index;
}

type Handlers = { [K in KeywordType]: (req: KeywordApi[K]['req']) => Promise<KeywordApi[K]['res']> | KeywordApi[K]['res'] };

const handlers: Handlers = {
  open: ({ snapshot }) => {
    // One index at a time: one left open by an unlock that failed half-way goes now.
    index = null;
    try {
      index = new KeywordStore(snapshot);
    } finally {
      // The parts, handed over by the engine, have been read into the index. Detaching them
      // (ArrayBuffer.prototype.transfer, ES2024) frees them at once: left to the garbage collector
      // such buffers stayed, 61 MB of this thread's array buffers at 100k chunks even after a forced
      // collection (CDP Runtime.getHeapUsage; 6 MB with this).
      for (const part of snapshot ?? []) (part.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
    }
    return { codes: index.takeCodes() };
  },
  insert: ({ db, docs }) => {
    current().insert(db, docs);
    return null;
  },
  remove: ({ db, lo, hi }) => {
    current().remove(db, lo, hi);
    return null;
  },
  search: ({ terms, k, ranges }) => {
    const t0 = performance.now();
    const rows = current().search(terms, k, ranges);
    return { rows, ms: performance.now() - t0 };
  },
  snapshot: ({ codes }) => current().snapshot(codes),
  flush: () => null,
  close: () => {
    index = null;
    return null;
  },
};

// Requests are handled one at a time in arrival order (the engine relies on it: a search sees
// every insert sent before it).
let queue: Promise<unknown> = Promise.resolve();
self.addEventListener('message', (ev: MessageEvent<KeywordRequest>) => {
  const { id, type, payload } = ev.data;
  queue = queue.then(async () => {
    const reply = await toReply(() => (handlers[type] as (p: unknown) => unknown)(payload));
    const transfer = reply.ok && reply.value instanceof Uint8Array ? [reply.value.buffer] : [];
    self.postMessage({ id, ...reply }, { transfer });
  });
});
