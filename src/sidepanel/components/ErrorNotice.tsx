/** An error where the person is looking: what happened, why (when known), and what to do next. */
import { useEffect, useState } from 'preact/hooks';
import type { ErrorData } from '../../core/errors.ts';
import { t } from '../i18n.ts';
import { adviceFor, secondsLeft, type NextStep } from '../lib/errors.ts';
import { Icon } from './Icon.tsx';

const STEP_KEY: Record<NextStep, string> = {
  unlock: 'stepUnlock',
  loadModel: 'stepLoadModel',
  openSettings: 'stepOpenSettings',
  openAttestation: 'stepOpenAttestation',
  checkAgain: 'stepCheckAgain',
  retry: 'stepRetry',
  askLibrary: 'stepAskLibrary',
};

/** The error's own words: a message key raised in the panel, or the background's sentence. */
export function errorMessage(error: ErrorData): string {
  const key = error.detail?.messageKey;
  if (typeof key === 'string') {
    const { site, subs } = error.detail ?? {};
    return t(key, Array.isArray(subs) ? subs.map(String) : typeof site === 'string' ? [site] : undefined);
  }
  return error.message;
}

export interface ErrorNoticeProps {
  error: ErrorData;
  /** The next steps this place can do; others are not offered. */
  actions?: Partial<Record<NextStep, () => void>>;
  /** Rate limits: when retrying makes sense again (ms since epoch). */
  retryAt?: number | null;
  onDismiss?: () => void;
  /** id for aria-describedby from the field the error is about. */
  id?: string;
}

export function ErrorNotice({ error, actions = {}, retryAt = null, onDismiss, id }: ErrorNoticeProps) {
  const advice = adviceFor(error);
  const [now, setNow] = useState(() => Date.now());
  const wait = retryAt ? secondsLeft(retryAt, now) : 0;
  useEffect(() => {
    if (!retryAt || secondsLeft(retryAt, Date.now()) === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [retryAt, wait > 0]);
  const steps = advice.steps.filter((s) => actions[s]);
  const message = advice.showMessage ? errorMessage(error) : null;
  return (
    <div class="notice notice-error" role="alert" id={id} data-code={error.code}>
      <Icon name="alert" class="notice-icon" />
      <div class="notice-body">
        <p class="notice-title">{t(advice.titleKey)}</p>
        {message && message !== t(advice.titleKey) && <p class="notice-text">{message}</p>}
        {error.code === 'E_RATE_LIMITED' && wait > 0 ? (
          <p class="notice-text">{t('errRateLimitedWait', [String(wait)])}</p>
        ) : (
          advice.hintKey && <p class="notice-text">{t(advice.hintKey)}</p>
        )}
        {steps.length > 0 && (
          <div class="notice-actions">
            {steps.map((s, i) => (
              <button
                type="button"
                class={i === 0 ? 'btn btn-small btn-primary' : 'btn btn-small'}
                key={s}
                onClick={actions[s]}
                disabled={s === 'retry' && wait > 0}
              >
                {t(STEP_KEY[s])}
              </button>
            ))}
          </div>
        )}
      </div>
      {onDismiss && (
        <button type="button" class="icon-btn notice-close" aria-label={t('dismiss')} title={t('dismiss')} onClick={onDismiss}>
          <Icon name="x" />
        </button>
      )}
    </div>
  );
}

/** Good news, briefly (polite live region). */
export function SuccessNotice({ text, onDismiss }: { text: string; onDismiss?: () => void }) {
  return (
    <div class="notice notice-ok" role="status">
      <Icon name="check" class="notice-icon" />
      <div class="notice-body">
        <p class="notice-text">{text}</p>
      </div>
      {onDismiss && (
        <button type="button" class="icon-btn notice-close" aria-label={t('dismiss')} title={t('dismiss')} onClick={onDismiss}>
          <Icon name="x" />
        </button>
      )}
    </div>
  );
}
