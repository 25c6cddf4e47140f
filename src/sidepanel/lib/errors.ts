/**
 * What to tell a person about an error, and what they can do next: one switch on the stable
 * error code (class identity does not survive messaging). Keys name strings in messages.json.
 */
import type { ErrorCode, ErrorData } from '../../core/errors.ts';

/** Actions a notice can offer; the feature showing the notice wires each to a model action. */
export type NextStep =
  | 'unlock'
  | 'loadModel'
  | 'openSettings'
  | 'openAttestation'
  | 'checkAgain'
  | 'retry'
  | 'askLibrary';

export interface Advice {
  titleKey: string;
  /** A sentence saying what to do, or null when the title says it all. */
  hintKey: string | null;
  steps: NextStep[];
  /** Show the error's own message too (it carries a specific reason, e.g. why a page is unreadable). */
  showMessage: boolean;
}

/** Advice for an error; a few locally raised errors carry a message key that refines it. */
export function adviceFor(error: { code: ErrorCode; detail?: Record<string, unknown> }): Advice {
  const key = error.detail?.messageKey;
  if (key === 'errNoGateway') return { titleKey: 'errNoGatewayTitle', hintKey: 'errNoGatewayHint', steps: ['openSettings'], showMessage: false };
  // The engine marks network failures of a model download: not the gateway's, whatever the code.
  if (error.detail?.during === 'modelDownload') return { titleKey: 'errModelDownloadTitle', hintKey: 'errModelDownloadHint', steps: ['loadModel'], showMessage: true };
  if (key === 'errPortClosed') return { titleKey: 'errPortClosedTitle', hintKey: 'errPortClosedHint', steps: ['retry'], showMessage: false };
  switch (error.code) {
    case 'E_LOCKED':
      return { titleKey: 'errLockedTitle', hintKey: 'errLockedHint', steps: ['unlock'], showMessage: false };
    case 'E_WRONG_PASSPHRASE':
      return { titleKey: 'errWrongPassphraseTitle', hintKey: 'errWrongPassphraseHint', steps: [], showMessage: false };
    case 'E_MODEL_NOT_READY':
      return { titleKey: 'errModelTitle', hintKey: 'errModelHint', steps: ['loadModel'], showMessage: false };
    case 'E_UNREADABLE_PAGE':
      return { titleKey: 'errUnreadableTitle', hintKey: 'errUnreadableHint', steps: ['askLibrary'], showMessage: true };
    case 'E_NETWORK':
      return { titleKey: 'errNetworkTitle', hintKey: 'errNetworkHint', steps: ['retry', 'openSettings'], showMessage: true };
    case 'E_NOT_A_GATEWAY':
      return { titleKey: 'errNotGatewayTitle', hintKey: 'errNotGatewayHint', steps: ['openSettings'], showMessage: true };
    case 'E_PERMISSION':
      return { titleKey: 'errPermissionTitle', hintKey: 'errPermissionHint', steps: ['retry', 'openSettings'], showMessage: false };
    case 'E_UNTRUSTED_SOFTWARE':
      return { titleKey: 'errUntrustedTitle', hintKey: 'errUntrustedHint', steps: ['openAttestation'], showMessage: true };
    case 'E_INTEGRITY':
      return { titleKey: 'errIntegrityTitle', hintKey: 'errIntegrityHint', steps: ['loadModel'], showMessage: true };
    case 'E_UNAUTHORIZED':
      return { titleKey: 'errUnauthorizedTitle', hintKey: 'errUnauthorizedHint', steps: ['openSettings'], showMessage: false };
    case 'E_RATE_LIMITED':
      return { titleKey: 'errRateLimitedTitle', hintKey: 'errRateLimitedHint', steps: ['retry'], showMessage: false };
    case 'E_NOT_ATTESTED':
    case 'E_ATTEST_VERIFY':
    case 'E_ATTEST_POLICY':
      return { titleKey: 'errAttestTitle', hintKey: 'errAttestHint', steps: ['openAttestation', 'checkAgain'], showMessage: true };
    case 'E_KEY_EXPIRED':
      return { titleKey: 'errKeyExpiredTitle', hintKey: 'errKeyExpiredHint', steps: ['checkAgain', 'retry'], showMessage: false };
    case 'E_UPSTREAM':
      return { titleKey: 'errUpstreamTitle', hintKey: 'errUpstreamHint', steps: ['retry'], showMessage: true };
    case 'E_CHANNEL':
      return { titleKey: 'errChannelTitle', hintKey: 'errChannelHint', steps: ['checkAgain', 'retry'], showMessage: true };
    case 'E_QUOTA':
      return { titleKey: 'errQuotaTitle', hintKey: 'errQuotaHint', steps: [], showMessage: false };
    case 'E_TIMEOUT':
      return { titleKey: 'errTimeoutTitle', hintKey: 'errTimeoutHint', steps: ['retry'], showMessage: false };
    case 'E_ABORTED':
      return { titleKey: 'errAbortedTitle', hintKey: null, steps: [], showMessage: false };
    case 'E_PARSE':
      return { titleKey: 'errParseTitle', hintKey: null, steps: [], showMessage: true };
    case 'E_NOT_FOUND':
      return { titleKey: 'errNotFoundTitle', hintKey: 'errNotFoundHint', steps: [], showMessage: false };
    case 'E_BAD_REQUEST':
      return { titleKey: 'errBadRequestTitle', hintKey: null, steps: [], showMessage: true };
    case 'E_DB':
    case 'E_INTERNAL':
      return { titleKey: 'errInternalTitle', hintKey: 'errInternalHint', steps: ['retry'], showMessage: true };
  }
}

/** Steps that make no sense where the notice is shown are dropped (no "Retry" on a settings form). */
export function stepsFor(error: ErrorData, available: readonly NextStep[]): NextStep[] {
  return adviceFor(error).steps.filter((s) => available.includes(s));
}

/** Seconds left before a rate-limited request may be retried, never negative. */
export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}
