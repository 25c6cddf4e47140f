/** The library is locked: unlock it (with the passphrase, or with this browser's device key). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ErrorData } from '../../../core/errors.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';

export interface UnlockCardProps {
  protection: 'passphrase' | 'device' | null;
  busy: boolean;
  error: ErrorData | null;
  onUnlock: (passphrase: string | null) => void;
  /** Why the person is asked (e.g. "to ask about this page"). */
  reason?: string;
}

export function UnlockCard({ protection, busy, error, onUnlock, reason }: UnlockCardProps) {
  const [pass, setPass] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (error) {
      input.current?.focus();
      input.current?.select();
    }
  }, [error]);
  const needsPass = protection === 'passphrase';
  return (
    <section class="card unlock" aria-labelledby="unlock-h" data-testid="unlock-card">
      <div class="card-icon">
        <Icon name="lock" size={22} />
      </div>
      <h2 id="unlock-h">{t('unlockTitle')}</h2>
      <p class="muted">{reason ?? (needsPass ? t('unlockExplainPass') : t('unlockExplainDevice'))}</p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (busy) return;
          onUnlock(needsPass ? pass : null);
        }}
      >
        {needsPass && (
          <div class="field">
            <label for="unlock-pass">{t('passphrase')}</label>
            <input
              id="unlock-pass"
              ref={input}
              type="password"
              autocomplete="current-password"
              value={pass}
              aria-invalid={error?.code === 'E_WRONG_PASSPHRASE' ? 'true' : undefined}
              aria-describedby={error ? 'unlock-error' : undefined}
              onInput={(e) => setPass(e.currentTarget.value)}
              autoFocus
            />
          </div>
        )}
        {error && <ErrorNotice error={error} id="unlock-error" />}
        <button type="submit" class="btn btn-primary btn-block" disabled={needsPass && !pass} aria-disabled={busy ? 'true' : undefined}>
          {busy ? <Spinner /> : <Icon name="unlock" />} {t('unlock')}
        </button>
      </form>
    </section>
  );
}
