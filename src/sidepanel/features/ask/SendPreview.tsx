/**
 * "What will be sent": the question, earlier turns, and each passage (the person may leave some
 * out), with the destination and its attestation state — then Send or Cancel.
 */
import type { AttestState } from '../../../messaging/views.ts';
import type { Passage } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';
import { STATE_KEY, toneOf } from '../../lib/attest.ts';
import { sendSummary } from '../../lib/chat.ts';
import { formatNumber, siteOf } from '../../lib/format.ts';
import type { PendingSend } from '../../models/chat.ts';
import { RetrievalNote } from './RetrievalNote.tsx';

export interface SendPreviewProps {
  pending: PendingSend;
  gatewayUrl: string | null;
  attestState: AttestState;
  onToggle: (chunkId: number) => void;
  onSend: () => void;
  onCancel: () => void;
}

export function SendPreview({ pending, gatewayUrl, attestState, onToggle, onSend, onCancel }: SendPreviewProps) {
  const included: Passage[] = pending.passages.filter((p) => !pending.excluded.includes(p.chunkId));
  const s = sendSummary(pending.question, pending.history, included);
  return (
    <section class="card preview" aria-labelledby="preview-h" data-testid="send-preview">
      <h3 id="preview-h">
        <Icon name="eye" /> {t('previewTitle')}
      </h3>
      <p class="muted small">
        {t('previewTo')} <strong>{siteOf(gatewayUrl) ?? gatewayUrl ?? '—'}</strong>{' '}
        <span class={`tag tone-${toneOf(attestState)}`}>{t(STATE_KEY[attestState])}</span>
      </p>
      <ul class="preview-facts">
        <li>{t('previewQuestion', [formatNumber(pending.question.length)])}</li>
        {s.historyTurns > 0 && <li>{t('previewHistory', [String(s.historyTurns)])}</li>}
        <li>{included.length === 0 ? t('previewNoPassages') : t('previewPassages', [String(s.passages), formatNumber(s.characters)])}</li>
      </ul>
      <RetrievalNote retrieval={pending.retrieval} />
      {pending.passages.length > 0 && (
        <ol class="preview-list">
          {pending.passages.map((p, i) => {
            const on = !pending.excluded.includes(p.chunkId);
            return (
              <li key={p.chunkId} class={on ? 'preview-item' : 'preview-item off'}>
                <label class="check-row">
                  <input type="checkbox" checked={on} onChange={() => onToggle(p.chunkId)} />
                  <span>
                    <span class="source-num">{i + 1}</span> <strong>{p.title || siteOf(p.url) || '—'}</strong>
                    <span class="source-meta"> {[siteOf(p.url) ?? t('sourceLocal'), t('characters', [formatNumber(p.text.length)])].join(' · ')}</span>
                  </span>
                </label>
                <details class="passage">
                  <summary>{t('showPassage')}</summary>
                  <blockquote>{p.text}</blockquote>
                </details>
              </li>
            );
          })}
        </ol>
      )}
      <div class="row-actions">
        <button type="button" class="btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="button" class="btn btn-primary" onClick={onSend} data-testid="confirm-send">
          <Icon name="send" /> {t('send')}
        </button>
      </div>
    </section>
  );
}
