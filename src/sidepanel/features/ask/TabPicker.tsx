/** Choosing several open tabs to ask about together (shown above the question box). */
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { MAX_TABS } from '../../lib/chat.ts';
import { siteOf } from '../../lib/format.ts';
import type { TabPickerModel } from '../../models/tab-picker.ts';

export function TabPicker({ picker, onUse }: { picker: TabPickerModel; onUse: () => void }) {
  const tabs = picker.available.value;
  const checked = picker.checked.value;
  return (
    <section class="card tab-picker" aria-labelledby="tab-picker-title" data-testid="tab-picker">
      <h2 id="tab-picker-title">
        {t('tabsPickerTitle')}
      </h2>
      <p class="muted small">{t('tabsPickerHint', [String(MAX_TABS)])}</p>
      {picker.loading.value && <Spinner />}
      {!picker.loading.value && tabs.length === 0 && !picker.error.value && <p class="muted small">{t('tabsPickerNone')}</p>}
      {tabs.length > 0 && (
        <fieldset class="tab-list">
          <legend class="sr-only">{t('tabsPickerTitle')}</legend>
          {tabs.map((tab) => {
            const on = checked.includes(tab.tabId);
            return (
              <label key={tab.tabId} class="tab-option">
                <input type="checkbox" checked={on} disabled={!on && checked.length >= MAX_TABS} onChange={() => picker.toggle(tab.tabId)} />
                <span class="tab-title">{tab.title || siteOf(tab.url ?? '') || '—'}</span>
                <span class="muted small tab-site">{siteOf(tab.url ?? '')}</span>
              </label>
            );
          })}
        </fieldset>
      )}
      {picker.error.value && <ErrorNotice error={picker.error.value} onDismiss={() => (picker.error.value = null)} />}
      <div class="row-actions">
        <button type="button" class="btn btn-primary" disabled={checked.length === 0} onClick={onUse}>
          {t('tabsPickerUse')}
        </button>
        <button type="button" class="btn" onClick={() => picker.close()}>
          {t('cancel')}
        </button>
      </div>
    </section>
  );
}
