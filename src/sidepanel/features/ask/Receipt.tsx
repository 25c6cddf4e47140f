/** What left the device with an answer's question, and under which attestation, shown on demand. */
import type { Receipt } from '../../../messaging/views.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';
import { formatDateTime, formatNumber, shortHex, siteOf } from '../../lib/format.ts';

export function ReceiptView({ receipt }: { receipt: Receipt }) {
  const chars = formatNumber(receipt.characters);
  const summary =
    receipt.passages === 0
      ? t('receiptSummaryNone', [chars])
      : receipt.passages === 1
        ? t('receiptSummaryOne', [chars])
        : t('receiptSummary', [String(receipt.passages), chars]);
  return (
    <details class="receipt" data-testid="receipt">
      <summary>
        <Icon name="receipt" />
        <span>{summary}</span>
        {receipt.simulated ? (
          <span class="tag tag-dev">{t('attestStateDev')}</span>
        ) : receipt.software && receipt.software.via === null ? (
          <span class="tag tone-dev">{t('attestStateUnknown')}</span>
        ) : (
          <span class="tag tone-ok">{t('attestStateVerified')}</span>
        )}
      </summary>
      <dl class="facts">
        <div class="fact">
          <dt>{t('receiptGateway')}</dt>
          <dd>{siteOf(receipt.gatewayUrl) ?? receipt.gatewayUrl}</dd>
        </div>
        <div class="fact">
          <dt>{t('receiptKeyId')}</dt>
          <dd class="mono">{receipt.keyId}</dd>
        </div>
        <div class="fact">
          <dt>{t('receiptMeasurement')}</dt>
          <dd class="mono" title={receipt.measurement ?? undefined}>
            {shortHex(receipt.measurement)}
          </dd>
        </div>
        {receipt.software?.kind === 'manifest-sha256' && (
          <div class="fact">
            <dt>{t('attestManifestDigest')}</dt>
            <dd class="mono" title={receipt.software.value}>
              {shortHex(receipt.software.value)}
            </dd>
          </div>
        )}
        {receipt.software?.release && (
          <>
            <div class="fact">
              <dt>{t('attestRelease')}</dt>
              <dd data-testid="receipt-release">
                {receipt.software.release.repo} {receipt.software.release.tag}
              </dd>
            </div>
            <div class="fact">
              <dt>{t('attestRekor')}</dt>
              <dd data-testid="receipt-rekor">{receipt.software.release.rekorLogIndex}</dd>
            </div>
          </>
        )}
        {receipt.software?.via && receipt.software.via !== 'release' && (
          <div class="fact">
            <dt>{t('receiptTrustedBy')}</dt>
            <dd>{t(`trustVia_${receipt.software.via}`)}</dd>
          </div>
        )}
        {receipt.protocol && (
          <div class="fact">
            <dt>{t('receiptProtocol')}</dt>
            <dd>{receipt.protocol}</dd>
          </div>
        )}
        <div class="fact">
          <dt>{t('receiptCheckedAt')}</dt>
          <dd>{formatDateTime(receipt.checkedAt)}</dd>
        </div>
        <div class="fact">
          <dt>{t('receiptSentAt')}</dt>
          <dd>{formatDateTime(receipt.sentAt)}</dd>
        </div>
        <div class="fact">
          <dt>{t('receiptModel')}</dt>
          <dd>{receipt.model}</dd>
        </div>
        <div class="fact">
          <dt>{t('receiptSent')}</dt>
          <dd>{t('receiptSentValue', [String(receipt.passages), formatNumber(receipt.characters)])}</dd>
        </div>
      </dl>
      <p class="muted small">{receipt.simulated ? t('receiptSimulated') : t('receiptExplain')}</p>
    </details>
  );
}
