/**
 * Attestation state in words. The header control and the toolbar badge use the same words:
 * Verified, DEV, Failed, Checking, Expired, Not configured. Keys name strings in
 * public/_locales/en/messages.json; components translate them.
 */
import type { AttestationView, AttestState } from '../../messaging/views.ts';
import type { Check } from '../../core/attest/types.ts';

export type Tone = 'ok' | 'dev' | 'bad' | 'busy' | 'neutral';

export const STATE_KEY: Record<AttestState, string> = {
  verified: 'attestStateVerified',
  dev: 'attestStateDev',
  'unknown-software': 'attestStateUnknown',
  changed: 'attestStateChanged',
  failed: 'attestStateFailed',
  checking: 'attestStateChecking',
  expired: 'attestStateExpired',
  'not-configured': 'attestStateNotConfigured',
};

/** One sentence saying what the state means for what gets sent. */
export const STATE_MEANING_KEY: Record<AttestState, string> = {
  verified: 'attestMeaningVerified',
  dev: 'attestMeaningDev',
  'unknown-software': 'attestMeaningUnknown',
  changed: 'attestMeaningChanged',
  failed: 'attestMeaningFailed',
  checking: 'attestMeaningChecking',
  expired: 'attestMeaningExpired',
  'not-configured': 'attestMeaningNotConfigured',
};

export function toneOf(state: AttestState): Tone {
  switch (state) {
    case 'verified':
      return 'ok';
    case 'dev':
    case 'unknown-software':
      return 'dev';
    case 'failed':
    case 'expired':
    case 'changed':
      return 'bad';
    case 'checking':
      return 'busy';
    case 'not-configured':
      return 'neutral';
  }
}

/**
 * Can a question be sent under this state? (The background enforces it; the panel says it early.)
 * Unknown software only when the person chose to send to this gateway anyway.
 */
export function canSend(state: AttestState, unknownAllowed = false): boolean {
  return state === 'verified' || state === 'dev' || (state === 'unknown-software' && unknownAllowed);
}

/**
 * What the header shows: the background's state, "checking" while a check the person asked
 * for runs, and "not configured" when there is no gateway yet (or the view is not known).
 */
export function effectiveState(view: AttestationView | null, checking: boolean, hasGateway: boolean): AttestState {
  if (checking) return 'checking';
  if (view) return view.state;
  return hasGateway ? 'checking' : 'not-configured';
}

export interface CheckGroup {
  /** The id prefix: "snp", "gpu0", "binding", "nras", … */
  id: string;
  /** Message key for the group's heading, or null to show the id. */
  labelKey: string | null;
  /** Index for GPU groups ("gpu1" → 1), for the heading's substitution. */
  index: number | null;
  checks: Check[];
  passed: boolean;
}

const GROUP_KEYS: Record<string, string> = {
  software: 'attestGroupSoftware',
  provenance: 'attestGroupProvenance',
  privatemode: 'attestGroupPrivatemode',
  tinfoil: 'attestGroupTinfoil',
  evidence: 'attestGroupEvidence',
  snp: 'attestGroupSnp',
  binding: 'attestGroupBinding',
  bundle: 'attestGroupBundle',
  nras: 'attestGroupNras',
  policy: 'attestGroupPolicy',
  channel: 'attestGroupChannel',
};

/** Checks grouped by the prefix of their id (snp.report.signature → snp), failures first within each group. */
export function groupChecks(checks: Check[]): CheckGroup[] {
  const groups = new Map<string, Check[]>();
  for (const c of checks) {
    const id = c.id.split('.')[0] || 'other';
    const list = groups.get(id) ?? [];
    list.push(c);
    groups.set(id, list);
  }
  return [...groups.entries()].map(([id, list]) => {
    const gpu = /^gpu(\d+)$/.exec(id);
    return {
      id,
      labelKey: gpu ? 'attestGroupGpu' : (GROUP_KEYS[id] ?? null),
      index: gpu ? Number(gpu[1]) : null,
      checks: [...list.filter((c) => !c.passed), ...list.filter((c) => c.passed)],
      passed: list.every((c) => c.passed),
    };
  });
}

export function countChecks(checks: Check[]): { passed: number; failed: number } {
  const failed = checks.filter((c) => !c.passed).length;
  return { passed: checks.length - failed, failed };
}
