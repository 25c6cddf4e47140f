/** Adding, changing or removing the library's passphrase (a re-wrap of its key, nothing re-encrypted). */
import { useState } from 'preact/hooks';
import { ErrorNotice, SuccessNotice } from '../../components/ErrorNotice.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { NewPassphraseFields } from '../../components/NewPassphraseFields.tsx';
import { passphraseProblem } from '../../lib/input.ts';
import type { LibraryModel } from '../../models/library.ts';

export function PassphraseSection({ library }: { library: LibraryModel }) {
  const protection = library.state.value?.protection ?? null;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [none, setNone] = useState(false);
  const [tried, setTried] = useState(false);
  const busy = library.busy.value === 'changePassphrase';
  const err = library.error.value?.action === 'changePassphrase' ? library.error.value.error : null;
  const done = library.notice.value?.kind === 'passphraseChanged';
  const problem = none ? null : passphraseProblem(next, confirm);
  if (!protection) return null;
  return (
    <section class="section" id="settings-passphrase" aria-labelledby="pass-h">
      <h3 id="pass-h">{protection === 'passphrase' ? t('passChangeTitle') : t('passAddTitle')}</h3>
      <p class="muted small">{protection === 'passphrase' ? t('protectPassExplain') : t('protectDeviceExplain')}</p>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (problem || busy) return;
          const ok = await library.changePassphrase(protection === 'passphrase' ? current : null, none ? null : next);
          if (ok) {
            setCurrent('');
            setNext('');
            setConfirm('');
            setTried(false);
            setNone(false);
          }
        }}
      >
        {protection === 'passphrase' && (
          <div class="field">
            <label for="pp-current">{t('currentPassphrase')}</label>
            <input id="pp-current" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
          </div>
        )}
        {protection === 'passphrase' && (
          <label class="check-row">
            <input type="checkbox" checked={none} onChange={(e) => setNone(e.currentTarget.checked)} />
            <span>{t('passRemove')}</span>
          </label>
        )}
        {!none && (
          <>
            <NewPassphraseFields id="pp" label={t('newPassphrase')} value={next} confirm={confirm} onValue={setNext} onConfirm={setConfirm} tried={tried} />
          </>
        )}
        {err && <ErrorNotice error={err} />}
        {done && <SuccessNotice text={t('noticePassphraseChanged')} />}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined} disabled={(protection === 'passphrase' && !current) || library.state.value?.unlocked === false}>
            {busy && <Spinner />} {protection === 'passphrase' ? t('passChange') : t('passAdd')}
          </button>
        </div>
      </form>
    </section>
  );
}
