/** How answers are made: how many passages go with a question, confirming first, reasoning effort. */
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../../core/settings/settings.ts';
import { t } from '../../i18n.ts';
import { parseIntIn } from '../../lib/input.ts';
import { CheckField, Field, SettingsForm } from './SettingsForm.tsx';
import type { SectionProps } from './types.ts';

export function AnswersSection({ s, busy, status, onSave }: SectionProps) {
  const [passages, setPassages] = useState(String(s.passages));
  const [confirm, setConfirm] = useState(s.confirmBeforeSend);
  const [effort, setEffort] = useState(s.reasoningEffort);
  useEffect(() => {
    setPassages(String(s.passages));
    setConfirm(s.confirmBeforeSend);
    setEffort(s.reasoningEffort);
  }, [s.passages, s.confirmBeforeSend, s.reasoningEffort]);
  const n = parseIntIn(passages, 1, 20);
  return (
    <SettingsForm id="answers" title={t('answersTitle')} busy={busy} status={status} onSubmit={() => n !== null && onSave({ passages: n, confirmBeforeSend: confirm, reasoningEffort: effort })}>
      <Field id="set-passages" label={t('passagesLabel')} error={n === null ? t('passagesBad') : null} hint={t('passagesHint')}>
        <input
          id="set-passages"
          type="number"
          min={1}
          max={20}
          value={passages}
          class="narrow"
          onInput={(e) => setPassages(e.currentTarget.value)}
          aria-invalid={n === null ? 'true' : undefined}
          aria-describedby="set-passages-hint"
        />
      </Field>
      <CheckField id="set-confirm" label={t('confirmLabel')} hint={t('confirmHint')} checked={confirm} onChange={setConfirm} />
      <Field id="set-effort" label={t('effortLabel')}>
        <select id="set-effort" value={effort} class="narrow" onChange={(e) => setEffort(e.currentTarget.value as Settings['reasoningEffort'])}>
          <option value="low">{t('effortLow')}</option>
          <option value="medium">{t('effortMedium')}</option>
          <option value="high">{t('effortHigh')}</option>
        </select>
      </Field>
    </SettingsForm>
  );
}
