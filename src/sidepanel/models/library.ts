/**
 * The private library as the panel sees it: locked or not, its documents, storage, the
 * embedding model, and engine progress. Actions report failures as data on `error`, tagged with
 * the action that failed, so the view shows them next to the control that was used.
 */
import { batch, computed, signal } from '@preact/signals';
import { ConfidantError, toErrorData, type ErrorData } from '../../core/errors.ts';
import type { ModelConfig, ModelState } from '../../messaging/engine-api.ts';
import type { DocSummary, LibraryState, Passage, Progress, Retrieval, StorageUsage } from '../../messaging/library.ts';
import { textFragmentUrl } from '../lib/citations.ts';
import { backupFileName } from '../lib/format.ts';
import { isFinished } from '../lib/progress.ts';
import type { PickedFile, Platform, Transport } from '../transport.ts';

export type LibraryAction =
  | 'load'
  | 'setup'
  | 'unlock'
  | 'lock'
  | 'savePage'
  | 'import'
  | 'search'
  | 'delete'
  | 'export'
  | 'importBackup'
  | 'persist'
  | 'model'
  | 'changePassphrase'
  | 'wipe';

/** Good news to show briefly (components turn it into words). */
export type LibraryNotice =
  | { kind: 'saved'; title: string }
  | { kind: 'imported'; count: number; failed: string[] }
  | { kind: 'exported' }
  | { kind: 'restored'; count: number }
  | { kind: 'deleted'; title: string }
  | { kind: 'persisted'; granted: boolean }
  | { kind: 'passphraseChanged' };

export interface LibraryDeps {
  transport: Transport;
  platform: Platform;
}

export function createLibraryModel({ transport, platform }: LibraryDeps) {
  const state = signal<LibraryState | null>(null);
  const docs = signal<DocSummary[] | null>(null);
  const usage = signal<StorageUsage | null>(null);
  const model = signal<ModelState | null>(null);
  const progress = signal<Progress | null>(null);
  const busy = signal<LibraryAction | null>(null);
  const error = signal<{ action: LibraryAction; error: ErrorData } | null>(null);
  const notice = signal<LibraryNotice | null>(null);
  /** What the background did from a context menu (a save, or why it failed), in its words. */
  const menuNotice = signal<{ level: 'info' | 'error'; text: string } | null>(null);
  const query = signal('');
  const results = signal<Passage[] | null>(null);
  /** How the shown results were found (keywords only while the embedding model is not here). */
  const resultsRetrieval = signal<Retrieval>('hybrid');
  /** A document opened for reading in the panel (files have no page to open). */
  const viewing = signal<{ summary: DocSummary; text: string; highlight: string | null } | null>(null);
  /** Bumped whenever the library locks, so other models can drop what they cached from it. */
  const lockCount = signal(0);

  const unlocked = computed(() => state.value?.unlocked === true);
  const modelReady = computed(() => model.value?.state === 'ready');

  async function act<T>(action: LibraryAction, work: () => Promise<T>): Promise<T | null> {
    busy.value = action;
    if (error.value?.action === action || action !== 'load') error.value = null;
    notice.value = null;
    try {
      return await work();
    } catch (e) {
      const data = toErrorData(e);
      error.value = { action, error: data };
      if (data.code === 'E_LOCKED') void refreshState();
      return null;
    } finally {
      if (busy.value === action) busy.value = null;
    }
  }

  async function refreshState(): Promise<LibraryState | null> {
    try {
      const s = await transport.request('library.state', {});
      setState(s);
      return s;
    } catch (e) {
      error.value = { action: 'load', error: toErrorData(e) };
      return null;
    }
  }

  function setState(s: LibraryState): void {
    const wasUnlocked = state.value?.unlocked;
    state.value = s;
    if (!s.unlocked) {
      docs.value = null;
      viewing.value = null;
      results.value = null;
      if (wasUnlocked) lockCount.value++;
    }
  }

  async function refreshModel(): Promise<void> {
    try {
      model.value = await transport.request('model.state', {});
    } catch {
      /* shown where the model matters */
    }
  }

  async function refreshDocs(): Promise<void> {
    if (!state.value?.unlocked) return;
    try {
      docs.value = await transport.request('library.list', {});
    } catch (e) {
      error.value = { action: 'load', error: toErrorData(e) };
    }
    await refreshUsage();
  }

  async function refreshUsage(): Promise<void> {
    try {
      usage.value = await transport.request('storage.usage', {});
    } catch {
      /* optional */
    }
  }

  async function load(): Promise<void> {
    await Promise.all([refreshState(), refreshModel()]);
    await refreshDocs();
  }

  const setup = (passphrase: string | null) =>
    act('setup', async () => {
      setState(await transport.request('library.setup', { passphrase }));
      await refreshDocs();
      return true;
    });

  const unlock = (passphrase: string | null) =>
    act('unlock', async () => {
      setState(await transport.request('library.unlock', { passphrase }));
      await refreshDocs();
      return true;
    });

  const lock = () =>
    act('lock', async () => {
      setState(await transport.request('library.lock', {}));
      return true;
    });

  /** The tab the panel acts on: `?tab=` in the test build, else the background's active tab. */
  async function activeTab(): Promise<{ tabId: number; url: string | null; title: string | null }> {
    const override = platform.tabOverride;
    if (override === null) return transport.request('tabs.active', {});
    const active = await transport.request('tabs.active', {}).catch(() => null);
    if (active?.tabId === override) return active;
    return (await platform.tabInfo(override)) ?? { tabId: override, url: null, title: null };
  }

  const savePage = () =>
    act('savePage', async () => {
      // The background reads the page and saves it: its text never passes through the panel.
      const tab = await activeTab();
      const saved = await transport.request('page.save', { tabId: tab.tabId });
      notice.value = { kind: 'saved', title: saved.title };
      await refreshDocs();
      return saved;
    });

  const importFiles = (files: readonly PickedFile[]) =>
    act('import', async () => {
      let count = 0;
      const failed: string[] = [];
      let lastError: unknown = null;
      for (const f of files) {
        try {
          const doc = await platform.readDocument(f);
          await transport.request('library.save', { doc });
          count++;
        } catch (e) {
          const code = toErrorData(e).code;
          // A locked library or a missing model stops the whole import: every file would fail.
          if (code === 'E_LOCKED' || code === 'E_MODEL_NOT_READY' || code === 'E_QUOTA') throw e;
          failed.push(f.name);
          lastError = e;
        }
      }
      await refreshDocs();
      if (count === 0 && lastError) throw lastError;
      notice.value = { kind: 'imported', count, failed };
      return count;
    });

  const search = (q: string) =>
    act('search', async () => {
      query.value = q;
      if (!q.trim()) {
        results.value = null;
        return [];
      }
      const found = await transport.request('library.search', { query: q, scope: { kind: 'library' }, k: 10 });
      if (query.value === q) {
        batch(() => {
          results.value = found.passages;
          resultsRetrieval.value = found.retrieval;
        });
      }
      return found.passages;
    });

  function clearSearch(): void {
    query.value = '';
    results.value = null;
  }

  const remove = (doc: DocSummary) =>
    act('delete', async () => {
      await transport.request('library.delete', { id: doc.id });
      docs.value = docs.value?.filter((d) => d.id !== doc.id) ?? null;
      results.value = results.value?.filter((p) => p.docId !== doc.id) ?? null;
      notice.value = { kind: 'deleted', title: doc.title };
      await refreshState();
      await refreshUsage();
      return true;
    });

  const exportBackup = (currentPassphrase: string | null, backupPassphrase: string) =>
    act('export', async () => {
      const json = await transport.request('library.export', { currentPassphrase, backupPassphrase });
      platform.download(backupFileName(platform.now()), json, 'application/json');
      notice.value = { kind: 'exported' };
      return true;
    });

  const importBackup = (file: PickedFile, passphrase: string) =>
    act('importBackup', async () => {
      const backup = await platform.readText(file);
      const { imported } = await transport.request('library.import', { backup, passphrase });
      notice.value = { kind: 'restored', count: imported };
      await refreshState();
      await refreshDocs();
      return imported;
    });

  const requestPersist = () =>
    act('persist', async () => {
      const granted = await platform.persistStorage();
      notice.value = { kind: 'persisted', granted };
      await refreshUsage();
      return granted;
    });

  /** Loads (downloading once) the embedding model: the configured one unless another is named. */
  const loadModel = (config?: ModelConfig) =>
    act('model', async () => {
      const modelId = config?.modelId ?? model.value?.modelId;
      if (!modelId) throw new ConfidantError('E_BAD_REQUEST', 'noModelConfigured', { messageKey: 'noModelConfigured' });
      model.value = { modelId, state: 'loading' };
      try {
        model.value = await transport.request('model.load', config ?? { modelId });
      } finally {
        await refreshModel();
      }
      return true;
    });

  /**
   * Loads the configured model from a folder the person picked (an offline machine): its files
   * are staged for the engine, which checks each against the pinned hashes before keeping it.
   */
  const loadModelFromFolder = (files: readonly PickedFile[]) =>
    act('model', async () => {
      const current = model.value ?? (await transport.request('model.state', {}));
      const { modelId } = current;
      const wanted = current.files ?? [];
      const { missing } = await platform.stageModelFiles(files, wanted);
      if (missing.length) throw new ConfidantError('E_BAD_REQUEST', 'modelFolderMissing', { messageKey: 'modelFolderMissing', subs: [missing.join(', ')] });
      model.value = { modelId, state: 'loading' };
      try {
        model.value = await transport.request('model.import', { modelId });
      } finally {
        await refreshModel();
      }
      return true;
    });

  const changePassphrase = (current: string | null, next: string | null) =>
    act('changePassphrase', async () => {
      setState(await transport.request('library.changePassphrase', { current, next }));
      notice.value = { kind: 'passphraseChanged' };
      return true;
    });

  const wipe = () =>
    act('wipe', async () => {
      setState(await transport.request('library.wipe', {}));
      docs.value = null;
      usage.value = null;
      lockCount.value++;
      return true;
    });

  /** Opens a document's source: its page in a new tab (at the passage), or its text in the panel. */
  const openSource = (docId: number, url: string | null, passage: string | null = null) =>
    act('load', async () => {
      if (url && /^https?:/i.test(url)) {
        await platform.openTab(passage ? textFragmentUrl(url, passage) : url);
        return true;
      }
      const { summary, text } = await transport.request('library.get', { id: docId });
      viewing.value = { summary, text, highlight: passage };
      return true;
    });

  function closeViewer(): void {
    viewing.value = null;
  }

  function dismiss(): void {
    error.value = null;
    notice.value = null;
  }

  const unsubscribe = transport.onEvent((e) => {
    if (e.type === 'notice') {
      menuNotice.value = e.payload;
      if (e.payload.level === 'info' && state.value?.unlocked) void refreshDocs();
      return;
    }
    if (e.type !== 'engine.event') return;
    const ev = e.payload;
    if (ev.kind === 'progress') {
      progress.value = isFinished(ev.progress) ? null : ev.progress;
      if (ev.progress.task === 'model' && isFinished(ev.progress)) void refreshModel();
    } else if (ev.kind === 'locked') {
      if (state.value) setState({ ...state.value, unlocked: false });
      void refreshState();
    } else if (ev.kind === 'model') {
      model.value = ev.state;
    }
  });

  return {
    state,
    docs,
    usage,
    model,
    progress,
    busy,
    error,
    notice,
    menuNotice,
    query,
    results,
    resultsRetrieval,
    lockCount,
    viewing,
    openSource,
    closeViewer,
    unlocked,
    modelReady,
    load,
    refreshState,
    refreshDocs,
    refreshModel,
    refreshUsage,
    activeTab,
    setup,
    unlock,
    lock,
    savePage,
    importFiles,
    search,
    clearSearch,
    remove,
    exportBackup,
    importBackup,
    requestPersist,
    loadModel,
    loadModelFromFolder,
    changePassphrase,
    wipe,
    dismiss,
    dispose: unsubscribe,
  };
}

export type LibraryModel = ReturnType<typeof createLibraryModel>;
