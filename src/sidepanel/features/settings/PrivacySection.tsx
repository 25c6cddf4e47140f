/** Privacy and locking: the library's idle auto-lock, and sites Confidant never reads. */
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n.ts';
import { parseIntIn, parseSites } from '../../lib/input.ts';
import { Field, SettingsForm } from './SettingsForm.tsx';
import type { SectionProps } from './types.ts';

export function PrivacySection({ s, busy, status, onSave }: SectionProps) {
  const [minutes, setMinutes] = useState(String(s.autoLockMinutes));
  const [sites, setSites] = useState(s.neverReadSites.join('\n'));
  useEffect(() => {
    setMinutes(String(s.autoLockMinutes));
    setSites(s.neverReadSites.join('\n'));
  }, [s.autoLockMinutes, s.neverReadSites.join()]);
  const n = parseIntIn(minutes, 0, 1440);
  const parsed = parseSites(sites);
  return (
    <SettingsForm
      id="privacy"
      title={t('privacyTitle')}
      busy={busy}
      status={status}
      onSubmit={() => n !== null && !parsed.invalid.length && onSave({ autoLockMinutes: n, neverReadSites: parsed.values })}
    >
      <Field id="set-autolock" label={t('autoLockLabel')} error={n === null ? t('autoLockBad') : null} hint={t('autoLockHint')}>
        <input
          id="set-autolock"
          type="number"
          min={0}
          max={1440}
          class="narrow"
          value={minutes}
          onInput={(e) => setMinutes(e.currentTarget.value)}
          aria-invalid={n === null ? 'true' : undefined}
          aria-describedby="set-autolock-hint"
        />
      </Field>
      <Field id="set-sites" label={t('neverReadLabel')} error={parsed.invalid.length ? t('neverReadBad', [parsed.invalid.join(', ')]) : null} hint={t('neverReadHint')}>
        <textarea
          id="set-sites"
          rows={3}
          spellcheck={false}
          placeholder="bank.example.com"
          value={sites}
          onInput={(e) => setSites(e.currentTarget.value)}
          aria-invalid={parsed.invalid.length ? 'true' : undefined}
          aria-describedby="set-sites-hint"
        />
      </Field>
    </SettingsForm>
  );
}
