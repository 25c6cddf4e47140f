/** How much the library uses of what the browser allows, and keeping it when space runs low. */
import type { StorageUsage } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { ProgressBar } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { formatBytes, formatPercent } from '../../lib/format.ts';

export function StorageSection({ usage, busy, onPersist }: { usage: StorageUsage | null; busy: boolean; onPersist: () => void }) {
  return (
    <section class="section" aria-labelledby="storage-h">
      <h3 id="storage-h">{t('storageTitle')}</h3>
      {usage ? (
        <>
          <p class="storage-line">{t('storageUsed', [formatBytes(usage.usage), formatBytes(usage.quota), formatPercent(usage.usage, usage.quota)])}</p>
          <ProgressBar value={usage.quota > 0 ? Math.min(100, (usage.usage / usage.quota) * 100) : null} label={t('storageTitle')} />
          {usage.persisted ? (
            <p class="muted small">
              <Icon name="check" class="ok" /> {t('storagePersisted')}
            </p>
          ) : (
            <div class="callout">
              <p>{t('storageNotPersisted')}</p>
              <button type="button" class="btn btn-small" onClick={onPersist} disabled={busy}>
                {t('storagePersist')}
              </button>
            </div>
          )}
        </>
      ) : (
        <p class="muted">{t('loading')}</p>
      )}
    </section>
  );
}
