/** The header's attestation control: the state in words (the toolbar badge's words), opening the details. */
import type { AttestState } from '../../../messaging/views.ts';
import { Icon, type IconName } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';
import { STATE_KEY, toneOf } from '../../lib/attest.ts';

const ICON: Record<AttestState, IconName> = {
  verified: 'shieldCheck',
  dev: 'shieldCheck',
  'unknown-software': 'shieldQ',
  changed: 'shieldX',
  failed: 'shieldX',
  expired: 'shieldX',
  checking: 'shield',
  'not-configured': 'shieldQ',
};

export function AttestationButton({ state, onOpen }: { state: AttestState; onOpen: () => void }) {
  const word = t(STATE_KEY[state]);
  return (
    <button
      type="button"
      class={`attest-pill tone-${toneOf(state)}`}
      aria-label={t('attestButtonLabel', [word])}
      title={t('attestButtonLabel', [word])}
      aria-haspopup="dialog"
      data-testid="attest-button"
      data-state={state}
      onClick={onOpen}
    >
      <Icon name={ICON[state]} class={state === 'checking' ? 'pulse' : undefined} />
      <span class="attest-word">{word}</span>
    </button>
  );
}
