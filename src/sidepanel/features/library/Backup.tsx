/**
 * Export an encrypted backup (downloaded as a .json file) and import one. The backup is sealed
 * with a backup passphrase of its own; exporting a passphrase-protected library asks for the
 * current passphrase too.
 */
import { useRef, useState } from 'preact/hooks';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { NewPassphraseFields } from '../../components/NewPassphraseFields.tsx';
import { passphraseProblem } from '../../lib/input.ts';
import type { LibraryModel } from '../../models/library.ts';

export function BackupSection({ library }: { library: LibraryModel }) {
  const protection = library.state.value?.protection ?? null;
  const busy = library.busy.value;
  const [current, setCurrent] = useState('');
  const [backupPass, setBackupPass] = useState('');
  const [backupConfirm, setBackupConfirm] = useState('');
  const [exportTried, setExportTried] = useState(false);
  const [restorePass, setRestorePass] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const problem = passphraseProblem(backupPass, backupConfirm);
  const err = library.error.value;
  const exportError = err?.action === 'export' ? err.error : null;
  const importError = err?.action === 'importBackup' ? err.error : null;

  return (
    <section class="section" aria-labelledby="backup-h">
      <h3 id="backup-h">{t('backupTitle')}</h3>
      <details class="disclosure">
        <summary>
          <Icon name="download" /> {t('backupExport')}
        </summary>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            setExportTried(true);
            if (problem || busy === 'export') return;
            const ok = await library.exportBackup(protection === 'passphrase' ? current : null, backupPass);
            if (ok) {
              setCurrent('');
              setBackupPass('');
              setBackupConfirm('');
              setExportTried(false);
            }
          }}
        >
          <p class="muted small">{t('backupExportExplain')}</p>
          {protection === 'passphrase' && (
            <div class="field">
              <label for="bk-current">{t('currentPassphrase')}</label>
              <input id="bk-current" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
            </div>
          )}
          <NewPassphraseFields
            id="bk"
            label={t('backupPassphrase')}
            value={backupPass}
            confirm={backupConfirm}
            onValue={setBackupPass}
            onConfirm={setBackupConfirm}
            tried={exportTried}
          />
          {exportError && <ErrorNotice error={exportError} />}
          <button type="submit" class="btn btn-primary" aria-disabled={busy === 'export' ? 'true' : undefined}>
            {busy === 'export' ? <Spinner /> : <Icon name="download" />} {t('backupDownload')}
          </button>
        </form>
      </details>
      <details class="disclosure">
        <summary>
          <Icon name="upload" /> {t('backupImport')}
        </summary>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!file || busy === 'importBackup') return;
            const n = await library.importBackup(file, restorePass);
            if (n !== null) {
              setRestorePass('');
              setFile(null);
              if (fileInput.current) fileInput.current.value = '';
            }
          }}
        >
          <p class="muted small">{t('backupImportExplain')}</p>
          <div class="field">
            <label for="bk-file">{t('backupFile')}</label>
            <input id="bk-file" ref={fileInput} type="file" accept=".json,application/json" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </div>
          <div class="field">
            <label for="bk-restore-pass">{t('backupPassphrase')}</label>
            <input id="bk-restore-pass" type="password" autocomplete="off" value={restorePass} onInput={(e) => setRestorePass(e.currentTarget.value)} />
          </div>
          {importError && <ErrorNotice error={importError} />}
          <button type="submit" class="btn" disabled={!file || !restorePass} aria-disabled={busy === 'importBackup' ? 'true' : undefined}>
            {busy === 'importBackup' ? <Spinner /> : <Icon name="upload" />} {t('backupRestore')}
          </button>
        </form>
      </details>
    </section>
  );
}
