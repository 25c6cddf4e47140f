import type { AttestationView, AttestState } from '../messaging/background.ts';

/** The words shown for each state: the badge tooltip and the panel's header use the same ones. */
export const STATE_WORDS: Record<AttestState, string> = {
  'not-configured': 'Not configured',
  checking: 'Checking',
  verified: 'Verified',
  dev: 'DEV',
  failed: 'Failed',
  expired: 'Expired',
};

const BADGE: Record<AttestState, { text: string; color: string }> = {
  'not-configured': { text: '', color: '#6b7280' },
  checking: { text: '…', color: '#6b7280' },
  verified: { text: '✓', color: '#15803d' },
  dev: { text: 'DEV', color: '#b45309' },
  failed: { text: '✗', color: '#b91c1c' },
  expired: { text: '!', color: '#b45309' },
};

export function tooltip(v: AttestationView): string {
  const lines = [`Confidant — attestation: ${STATE_WORDS[v.state]}`];
  if (v.gatewayUrl) lines.push(`Gateway: ${v.gatewayUrl}`);
  if (v.claims?.measurement) lines.push(`Measurement: ${v.claims.measurement.slice(0, 16)}…`);
  if (v.claims?.tcb) lines.push(`TCB: ${v.claims.tcb}`);
  if (v.checkedAt) lines.push(`Checked: ${new Date(v.checkedAt).toLocaleString()}`);
  const failed = v.checks.filter((c) => !c.passed);
  if (failed.length) lines.push(`${failed.length} check${failed.length > 1 ? 's' : ''} failed: ${failed[0]!.id}${failed.length > 1 ? ', …' : ''}`);
  if (v.error) lines.push(v.error);
  return lines.join('\n');
}

export async function showBadge(v: AttestationView): Promise<void> {
  const b = BADGE[v.state];
  await Promise.all([
    chrome.action.setBadgeText({ text: b.text }),
    chrome.action.setBadgeBackgroundColor({ color: b.color }),
    chrome.action.setTitle({ title: tooltip(v) }),
  ]);
}
