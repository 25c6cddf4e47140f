import type { EngineEvent, WorkerRequest } from '../messaging/engine-api.ts';
import type { Reply } from '../messaging/reply.ts';
// `?worker&url` gives the built worker's URL, so a query can be added: `opfs-disable` stops
// SQLite from trying its default "opfs" VFS (we use opfs-sahpool), which would otherwise
// look for a proxy script this build does not ship and log an error.
import engineUrl from '../worker/engine.ts?worker&url';

/** Request/response over postMessage with numbered ids; one Worker for the document's life. */
export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply<unknown>) => void>();

  constructor(onEvent: (e: EngineEvent) => void) {
    this.worker = new Worker(`${engineUrl}?opfs-disable`, { type: 'module', name: 'confidant-engine' });
    this.worker.addEventListener('message', (ev: MessageEvent<({ id: number } & Reply<unknown>) | { event: EngineEvent }>) => {
      if ('event' in ev.data) {
        onEvent(ev.data.event);
        return;
      }
      const done = this.pending.get(ev.data.id);
      if (!done) return;
      this.pending.delete(ev.data.id);
      done(ev.data);
    });
    this.worker.addEventListener('error', (ev) => {
      const error = { name: 'ConfidantError' as const, code: 'E_INTERNAL' as const, message: `Engine worker failed: ${ev.message}` };
      for (const done of this.pending.values()) done({ ok: false, error });
      this.pending.clear();
    });
  }

  /** One request (an engine or, in the test build, a debug type: the caller checked which). */
  request(type: string, payload: unknown): Promise<Reply<unknown>> {
    const id = this.nextId++;
    const msg: WorkerRequest<string> = { id, type, payload };
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: Reply<unknown>) => void);
      this.worker.postMessage(msg);
    });
  }
}
