/** The private library: save this page, import files, search, open, delete; storage and backups. */
import { useRef, useState } from 'preact/hooks';
import type { DocSummary } from '../../../messaging/library.ts';
import { ConfirmDialog, Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice, SuccessNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { EngineProgress, Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { IMPORT_ACCEPT } from '../../lib/files.ts';
import { formatBytes, formatDate, siteOf, truncate } from '../../lib/format.ts';
import type { LibraryModel, LibraryNotice } from '../../models/library.ts';
import type { NavModel } from '../../models/nav.ts';
import { BackupSection } from './Backup.tsx';
import { DocList } from './DocList.tsx';
import { StorageSection } from './Storage.tsx';
import { UnlockCard } from './UnlockCard.tsx';

function noticeText(n: LibraryNotice): string {
  switch (n.kind) {
    case 'saved':
      return t('noticeSaved', [n.title]);
    case 'imported':
      return n.failed.length ? t('noticeImportedSome', [String(n.count), n.failed.join(', ')]) : n.count === 1 ? t('noticeImportedOne') : t('noticeImported', [String(n.count)]);
    case 'exported':
      return t('noticeExported');
    case 'restored':
      return t('noticeRestored', [String(n.count)]);
    case 'deleted':
      return t('noticeDeleted', [n.title]);
    case 'persisted':
      return n.granted ? t('noticePersisted') : t('noticePersistRefused');
    case 'passphraseChanged':
      return t('noticePassphraseChanged');
  }
}

export function LibraryView({ library, nav }: { library: LibraryModel; nav: NavModel }) {
  const state = library.state.value;
  const docs = library.docs.value;
  const busy = library.busy.value;
  const err = library.error.value;
  const model = library.model.value;
  const results = library.results.value;
  const [confirm, setConfirm] = useState<DocSummary | null>(null);
  const [q, setQ] = useState(library.query.value);
  const files = useRef<HTMLInputElement>(null);
  const viewing = library.viewing.value;

  if (state && !state.unlocked) {
    return (
      <section class="view" aria-labelledby="library-h">
        <div class="view-toolbar">
          <h2 id="library-h">{t('libraryTitle')}</h2>
        </div>
        <div class="view-body">
          <UnlockCard
            protection={state.protection}
            busy={busy === 'unlock'}
            error={err?.action === 'unlock' ? err.error : null}
            onUnlock={(p) => void library.unlock(p)}
          />
        </div>
      </section>
    );
  }

  const topError = err && err.action !== 'export' && err.action !== 'importBackup' && err.action !== 'unlock' && err.action !== 'changePassphrase' && err.action !== 'wipe' ? err.error : null;

  return (
    <section class="view" aria-labelledby="library-h">
      <div class="view-toolbar">
        <h2 id="library-h">{t('libraryTitle')}</h2>
        {docs && <span class="muted small">{docs.length === 1 ? t('docsOne') : t('docsMany', [String(docs.length)])}</span>}
      </div>
      <div class="view-body">
        {model && model.state !== 'ready' && (
          <div class="callout">
            <p>{model.state === 'error' ? t('modelFailed', [model.error ?? '']) : model.state === 'loading' ? t('modelLoading') : t('libraryNeedsModel')}</p>
            <button type="button" class="btn btn-small btn-primary" onClick={() => void library.loadModel()} disabled={model.state === 'loading'}>
              {model.state === 'loading' ? <Spinner /> : <Icon name="download" />} {t('modelDownload')}
            </button>
          </div>
        )}
        <div class="action-row">
          <button type="button" class="btn btn-primary" onClick={() => busy !== 'savePage' && void library.savePage()} aria-disabled={busy === 'savePage' ? 'true' : undefined} data-testid="save-page">
            {busy === 'savePage' ? <Spinner /> : <Icon name="plus" />} {t('savePage')}
          </button>
          <button type="button" class="btn" onClick={() => busy !== 'import' && files.current?.click()} aria-disabled={busy === 'import' ? 'true' : undefined}>
            {busy === 'import' ? <Spinner /> : <Icon name="upload" />} {t('importFiles')}
          </button>
          <input
            ref={files}
            type="file"
            class="sr-only"
            tabIndex={-1}
            aria-hidden="true"
            multiple
            accept={IMPORT_ACCEPT}
            data-testid="import-input"
            onChange={(e) => {
              const list = [...(e.currentTarget.files ?? [])];
              e.currentTarget.value = '';
              if (list.length) void library.importFiles(list);
            }}
          />
        </div>
        <p class="muted small">{t('importKinds')}</p>
        {library.progress.value && <EngineProgress progress={library.progress.value} />}
        {topError && (
          <ErrorNotice
            error={topError}
            onDismiss={() => library.dismiss()}
            actions={{
              loadModel: () => void library.loadModel(),
              askLibrary: undefined,
              openSettings: () => nav.show('settings'),
            }}
          />
        )}
        {library.notice.value && <SuccessNotice text={noticeText(library.notice.value)} onDismiss={() => library.dismiss()} />}

        <form
          class="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            void library.search(q);
          }}
        >
          <label for="lib-search" class="sr-only">
            {t('searchLabel')}
          </label>
          <Icon name="search" class="search-icon" />
          <input
            id="lib-search"
            type="search"
            placeholder={t('searchPlaceholder')}
            value={q}
            onInput={(e) => {
              setQ(e.currentTarget.value);
              if (!e.currentTarget.value) library.clearSearch();
            }}
          />
          <button type="submit" class="btn btn-small" disabled={!q.trim() || busy === 'search'}>
            {busy === 'search' ? <Spinner /> : t('search')}
          </button>
        </form>

        {results && (
          <section aria-labelledby="results-h" class="results" data-testid="search-results">
            <h3 id="results-h" class="small-heading">
              {results.length === 0 ? t('searchNone', [library.query.value]) : t('searchResults', [String(results.length), library.query.value])}
            </h3>
            {library.resultsRetrieval.value === 'keywords' && <p class="muted small" data-testid="retrieval-note">{t('retrievalKeywordsLibrary')}</p>}
            <ol class="result-list">
              {results.map((p) => (
                <li key={p.chunkId} class="result">
                  <button type="button" class="link-btn result-title" onClick={() => void library.openSource(p.docId, p.url, p.text)}>
                    {p.title || siteOf(p.url) || '—'}
                    {p.url && <Icon name="external" size={12} />}
                  </button>
                  <span class="source-meta">{[siteOf(p.url) ?? t('sourceLocal'), p.heading].filter(Boolean).join(' · ')}</span>
                  <p class="result-text">{truncate(p.text, 280)}</p>
                </li>
              ))}
            </ol>
            <button type="button" class="btn btn-ghost btn-small" onClick={() => (library.clearSearch(), setQ(''))}>
              {t('clearSearch')}
            </button>
          </section>
        )}

        {!results && (
          <section aria-labelledby="docs-h">
            <h3 id="docs-h" class="small-heading">
              {t('docsHeading')}
            </h3>
            {!docs ? (
              <p class="muted">
                <Spinner /> {t('loading')}
              </p>
            ) : docs.length === 0 ? (
              <div class="empty">
                <Icon name="book" size={28} />
                <p>{t('libraryEmpty')}</p>
              </div>
            ) : (
              <DocList docs={docs} onOpen={(d) => void library.openSource(d.id, d.url)} onDelete={setConfirm} />
            )}
          </section>
        )}

        <StorageSection usage={library.usage.value} busy={busy === 'persist'} onPersist={() => void library.requestPersist()} />
        <BackupSection library={library} />
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={t('deleteDocTitle')}
        body={<p>{t('deleteDocBody', [confirm?.title ?? ''])}</p>}
        confirmLabel={t('delete')}
        danger
        busy={busy === 'delete'}
        onCancel={() => setConfirm(null)}
        onConfirm={async () => {
          const d = confirm;
          setConfirm(null);
          if (d) await library.remove(d);
        }}
      />
      <Dialog open={viewing !== null} title={viewing?.summary.title ?? ''} onClose={() => library.closeViewer()} class="dialog-wide">
        {viewing && (
          <>
            <p class="muted small">{[viewing.summary.kind === 'file' ? t('kindFile') : (viewing.summary.site ?? t('kindPage')), formatDate(viewing.summary.createdAt), formatBytes(viewing.summary.bytes)].join(' · ')}</p>
            {viewing.highlight && (
              <blockquote class="highlight-quote">
                <mark>{viewing.highlight}</mark>
              </blockquote>
            )}
            <div class="doc-text">
              <Markdown text={viewing.text} />
            </div>
          </>
        )}
      </Dialog>
    </section>
  );
}
