/** The toolbar badge and its tooltip: the attestation state in the same words the panel uses. */
import type { AttestationView, AttestState } from '../messaging/views.ts';

/** The words shown for each state: the badge tooltip and the panel's header use the same ones. */
export const STATE_WORDS: Record<AttestState, string> = {
  'not-configured': 'Not configured',
  checking: 'Checking',
  verified: 'Verified',
  dev: 'DEV',
  'unknown-software': 'Genuine hardware, unknown software',
  changed: 'Software changed',
  failed: 'Failed',
  expired: 'Expired',
};

const BADGE: Record<AttestState, { text: string; color: string }> = {
  'not-configured': { text: '', color: '#6b7280' },
  checking: { text: '…', color: '#6b7280' },
  verified: { text: '✓', color: '#15803d' },
  dev: { text: 'DEV', color: '#b45309' },
  'unknown-software': { text: '?', color: '#b45309' },
  changed: { text: '!', color: '#b91c1c' },
  failed: { text: '✗', color: '#b91c1c' },
  expired: { text: '!', color: '#b45309' },
};

export function tooltip(v: AttestationView): string {
  const lines = [`Confidant — attestation: ${STATE_WORDS[v.state]}`];
  if (v.gatewayUrl) lines.push(`Gateway: ${v.gatewayLabel ? `${v.gatewayLabel} (${v.gatewayUrl})` : v.gatewayUrl}`);
  if (v.software?.release) lines.push(`Build: ${v.software.release.repo} ${v.software.release.tag} (Rekor ${v.software.release.rekorLogIndex})`);
  if (v.claims?.measurement) lines.push(`Measurement: ${v.claims.measurement.slice(0, 16)}…`);
  if (v.claims?.tcb) lines.push(`TCB: ${v.claims.tcb}`);
  if (v.revocation === 'not-checked') lines.push('Revocation not checked');
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
