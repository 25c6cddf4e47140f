/**
 * The engine: a dedicated Worker owned by the offscreen document. It is the only owner of the
 * SQLite database on OPFS (and, later, of the embedding model). Requests arrive by postMessage
 * with numbered ids; every reply is data, failures included.
 */
import { ConfidantError } from '../core/errors.ts';
import type { EngineApi, EngineType, WorkerRequest } from '../messaging/engine.ts';
import { toReply } from '../messaging/reply.ts';
import { openDatabase, type OpenDb } from './db.ts';

let opening: Promise<OpenDb> | null = null;
function database(): Promise<OpenDb> {
  opening ??= openDatabase().catch((e: unknown) => {
    opening = null; // let the next request try again (e.g. after the user freed disk space)
    throw e;
  });
  return opening;
}

type Handlers = { [K in EngineType]: (p: EngineApi[K]['req']) => Promise<EngineApi[K]['res']> };

const handlers: Handlers = {
  'engine.status': async () => (await database()).status,
  'kv.put': async ({ key, value }) => {
    const { db } = await database();
    db.exec('INSERT INTO kv(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', {
      bind: [key, value, Date.now()],
    });
    return null;
  },
  'kv.get': async ({ key }) => {
    const { db } = await database();
    const v = db.selectValue('SELECT value FROM kv WHERE key = ?', [key]);
    return v === undefined ? null : String(v);
  },
};

self.addEventListener('message', (ev: MessageEvent<WorkerRequest>) => {
  const { id, type, payload } = ev.data;
  const handler = handlers[type] as ((p: unknown) => Promise<unknown>) | undefined;
  void toReply(() => {
    if (!handler) throw new ConfidantError('E_BAD_REQUEST', `Unknown engine request: ${String(type)}`);
    return handler(payload);
  }).then((reply) => self.postMessage({ id, ...reply }));
});
