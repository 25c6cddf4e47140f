/**
 * The engine: a dedicated Worker owned by the offscreen document. It is the only owner of the
 * SQLite database on OPFS and of the embedding model. Requests arrive by postMessage with
 * numbered ids; every reply is data, failures included; progress and auto-lock are events.
 */
import { ConfidantError } from '../core/errors.ts';
import type { EngineApi, EngineEvent, EngineType, ModelConfig, ModelState, WorkerRequest } from '../messaging/engine-api.ts';
import type { LibraryState } from '../messaging/library.ts';
import { toReply } from '../messaging/reply.ts';
import { openDatabase, type OpenDb } from './db.ts';
import { ModelManager, specOf } from './embed/manager.ts';
import { modelKey } from './embed/models.ts';
import type { Embedder } from './embed/types.ts';
import { Library } from './library/library.ts';
import { debugHandlers } from './debug/handlers.ts';
import { extractPdf } from './pdf/extract.ts';

function emit(event: EngineEvent): void {
  self.postMessage({ event });
}

// ---- database -------------------------------------------------------------------------------

let opening: Promise<OpenDb> | null = null;
function database(): Promise<OpenDb> {
  opening ??= openDatabase().catch((e: unknown) => {
    opening = null; // let the next request try again (e.g. after the user freed disk space)
    throw e;
  });
  return opening;
}

function kvGet(db: OpenDb, key: string): string | null {
  const v = db.db.selectValue('SELECT value FROM kv WHERE key = ?', [key]);
  return v === undefined || v === null ? null : String(v);
}
function kvPut(db: OpenDb, key: string, value: string): void {
  db.db.exec('INSERT INTO kv(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at', {
    bind: [key, value, Date.now()],
  });
}

// ---- model ----------------------------------------------------------------------------------

const models = new ModelManager(
  (done, total, file) => emit({ kind: 'progress', progress: { task: 'model', done, total, detail: file } }),
  (state) => emit({ kind: 'model', state }),
);
let modelsRestored: Promise<void> | null = null;

/** The model, if the user has let it load; a clear error otherwise (no silent downloads). */
function currentEmbedder(): Promise<Embedder> {
  return models.current();
}

/** Saves the configuration, loads the model, and re-embeds the library if the model changed. */
async function loadModel(config: ModelConfig, from: 'download' | 'folder'): Promise<ModelState> {
  specOf(config.modelId);
  const db = await database();
  await lib();
  kvPut(db, 'model.config', JSON.stringify(config));
  const { state, changed } = from === 'folder' ? await models.importFolder(config) : await models.load(config);
  // Vectors remember their model: a new model re-embeds the library, with progress.
  if (library?.isUnlocked) {
    if (changed || !library.indexIsCurrent) await library.reloadIndex();
    void library.reembedStale().catch(() => {});
  }
  return state;
}

// ---- library ----------------------------------------------------------------------------------

let library: Library | null = null;
let autoLockMinutes = 15;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

async function lib(): Promise<Library> {
  if (library) return library;
  const db = await database();
  const saved = kvGet(db, 'model.config');
  await (modelsRestored ??= models.restore(saved ? (JSON.parse(saved) as ModelConfig) : null));
  autoLockMinutes = Number(kvGet(db, 'library.autoLockMinutes') ?? 15);
  library ??= new Library({
    sqlite3: db.sqlite3,
    db: db.db,
    model: () => {
      const spec = specOf(models.config.modelId);
      return { modelId: modelKey(spec), dims: spec.dims };
    },
    embedder: currentEmbedder,
    usableEmbedder: () => models.usable(),
    progress: (task, done, total, detail) => emit({ kind: 'progress', progress: { task, done, total, detail } }),
  });
  return library;
}

/** Every library request counts as activity; after the idle time the key is dropped from memory. */
function touch(l: Library): void {
  clearTimeout(idleTimer);
  if (autoLockMinutes > 0 && l.isUnlocked) {
    idleTimer = setTimeout(() => {
      l.lock();
      emit({ kind: 'locked', reason: 'idle' });
    }, autoLockMinutes * 60_000);
  }
}

async function state(): Promise<LibraryState> {
  return (await lib()).state(autoLockMinutes);
}

// ---- handlers -------------------------------------------------------------------------------

type Handlers = { [K in EngineType]: (p: EngineApi[K]['req']) => Promise<EngineApi[K]['res']> };

const handlers: Handlers = {
  'engine.status': async () => (await database()).status,
  'kv.put': async ({ key, value }) => {
    kvPut(await database(), key, value);
    return null;
  },
  'kv.get': async ({ key }) => kvGet(await database(), key),

  'model.state': async () => {
    await lib();
    return models.state;
  },
  'model.load': async (config) => loadModel(config, 'download'),
  'model.import': async (config) => loadModel(config, 'folder'),

  'library.state': async () => state(),
  'library.setup': async ({ passphrase }) => {
    const l = await lib();
    await l.setup(passphrase);
    touch(l);
    return state();
  },
  'library.unlock': async ({ passphrase }) => {
    const l = await lib();
    await l.unlock(passphrase);
    if (models.available) void l.reembedStale().catch(() => {});
    touch(l);
    return state();
  },
  'library.lock': async () => {
    (await lib()).lock();
    clearTimeout(idleTimer);
    return state();
  },
  'library.changePassphrase': async ({ current, next }) => {
    await (await lib()).changePassphrase(current, next);
    return state();
  },
  'library.setAutoLock': async ({ minutes }) => {
    if (!Number.isFinite(minutes) || minutes < 0 || minutes > 24 * 60) throw new ConfidantError('E_BAD_REQUEST', 'Auto-lock must be between 0 (never) and 1440 minutes.');
    autoLockMinutes = minutes;
    kvPut(await database(), 'library.autoLockMinutes', String(minutes));
    touch(await lib());
    return state();
  },
  'library.save': async ({ doc }) => withLib((l) => l.save(doc)),
  'library.indexPage': async ({ doc }) => withLib((l) => l.indexPage(doc)),
  'library.list': async () => withLib(async (l) => l.list()),
  'library.get': async ({ id }) => withLib(async (l) => l.get(id)),
  'library.delete': async ({ id }) => withLib(async (l) => (await l.delete(id), null)),
  'library.search': async ({ query, scope, k }) => withLib((l) => l.search(query, scope, Math.max(1, Math.min(50, k)))),
  'library.export': async ({ currentPassphrase, backupPassphrase }) => withLib((l) => l.exportBackup(currentPassphrase, backupPassphrase)),
  'library.import': async ({ backup, passphrase }) => withLib((l) => l.importBackup(backup, passphrase)),
  'library.wipe': async () => {
    await (await lib()).wipe();
    return state();
  },
  'storage.usage': async () => {
    const est = await navigator.storage.estimate();
    const persisted = await navigator.storage.persisted();
    return { usage: est.usage ?? 0, quota: est.quota ?? 0, persisted };
  },
  'secret.put': async ({ name, value }) => withLib(async (l) => (await l.putSecret(name, value), null)),
  'secret.get': async ({ name }) => withLib((l) => l.getSecret(name)),
  'conversations.list': async () => withLib((l) => l.listConversations()),
  'conversations.get': async ({ id }) => withLib((l) => l.getConversation(id)),
  'conversations.save': async ({ conversation }) => withLib((l) => l.saveConversation(conversation)),
  'conversations.delete': async ({ id }) => withLib(async (l) => (l.deleteConversation(id), null)),
  'pdf.extract': async ({ data }) => extractPdf(data),
};

/**
 * The debug requests (messaging/debug-api.ts), in the test build only: the store build folds this
 * to null and leaves src/worker/debug out. (Not a dynamic import: a split-off chunk importing back
 * from the entry chunk would load the entry a second time, under a URL without the worker's query,
 * as a second engine.)
 */
const debug = __TEST_BUILD__ ? debugHandlers({ withLib, currentEmbedder, models }) : null;

async function withLib<T>(fn: (l: Library) => Promise<T>): Promise<T> {
  const l = await lib();
  const r = await fn(l);
  touch(l);
  return r;
}

self.addEventListener('message', (ev: MessageEvent<WorkerRequest<string>>) => {
  const { id, type, payload } = ev.data;
  const handler = ((handlers as Record<string, unknown>)[type] ?? (debug as Record<string, unknown> | null)?.[type]) as ((p: unknown) => Promise<unknown>) | undefined;
  void toReply(() => {
    if (!handler) throw new ConfidantError('E_BAD_REQUEST', `Unknown engine request: ${String(type)}`);
    return handler(payload);
  }).then((reply) => self.postMessage({ id, ...reply }));
});
