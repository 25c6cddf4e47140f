/** Wiping everything, after typing a confirmation word. */
import { useState } from 'preact/hooks';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';

export function WipeSection({ onWipe, busy }: { onWipe: () => Promise<boolean>; busy: boolean }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const word = t('wipeWord');
  const matches = typed.trim().toLowerCase() === word.toLowerCase();
  return (
    <section class="section danger" id="settings-wipe" aria-labelledby="wipe-h">
      <h3 id="wipe-h">{t('wipeTitle')}</h3>
      <p class="muted small">{t('wipeExplain')}</p>
      <div class="row-actions">
        <button type="button" class="btn btn-danger" onClick={() => (setTyped(''), setOpen(true))}>
          <Icon name="trash" /> {t('wipeButton')}
        </button>
      </div>
      <Dialog open={open} title={t('wipeTitle')} onClose={() => setOpen(false)}>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!matches) return;
            if (await onWipe()) setOpen(false);
          }}
        >
          <p>{t('wipeConfirmBody')}</p>
          <div class="field">
            <label for="wipe-word">{t('wipeTypeLabel', [word])}</label>
            <input id="wipe-word" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </div>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => setOpen(false)}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn btn-danger" disabled={!matches || busy}>
              {busy && <Spinner />} {t('wipeConfirm')}
            </button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}
