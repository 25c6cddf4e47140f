/**
 * What the gateway proved: the state in words, the software it runs and what its trust source says
 * (the release and transparency-log entry behind a Verified state, or a change to decide on), what
 * was proven in plain sentences, every check with its result and detail, the SEV-SNP claims
 * (measurement, TCB, chip, product), each GPU's driver, VBIOS and FWID, when it was checked;
 * "Check again" and "Export transcript" (re-verifiable offline).
 */
import type { ComponentChildren } from 'preact';
import type { Check } from '../../../core/attest/types.ts';
import type { AttestationView, AttestState } from '../../../messaging/views.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { countChecks, groupChecks, STATE_KEY, STATE_MEANING_KEY, toneOf } from '../../lib/attest.ts';
import { formatDateTime, formatRelative, siteOf } from '../../lib/format.ts';
import type { AttestationModel } from '../../models/attestation.ts';

export interface AttestationDialogProps {
  open: boolean;
  onClose: () => void;
  attestation: AttestationModel;
  onOpenSettings: () => void;
}

export function AttestationDialog({ open, onClose, attestation, onOpenSettings }: AttestationDialogProps) {
  const state = attestation.state.value;
  const view = attestation.view.value;
  const checking = attestation.checking.value;
  const error = attestation.error.value;
  return (
    <Dialog open={open} title={t('attestTitle')} onClose={onClose} class="dialog-wide" testId="attest-dialog">
      <StateBanner state={state} view={view} />
      {view?.error && (
        <div class="notice notice-error" role="alert">
          <Icon name="alert" class="notice-icon" />
          <div class="notice-body">
            <p class="notice-title">{t('attestCouldNotCheck')}</p>
            <p class="notice-text">{view.error}</p>
          </div>
        </div>
      )}
      {error && <ErrorNotice error={error} />}
      {state === 'not-configured' ? (
        <div class="dialog-actions">
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => {
              onClose();
              onOpenSettings();
            }}
          >
            {t('attestSetUpGateway')}
          </button>
        </div>
      ) : (
        <>
          {view?.software && <Software view={view} attestation={attestation} onOpenSettings={() => (onClose(), onOpenSettings())} />}
          {view && view.proven.length > 0 && <Proven view={view} />}
          {view && <GatewayFacts view={view} />}
          {view && view.checks.length > 0 && <Checks checks={view.checks} />}
          {view?.claims && <Claims view={view} />}
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => void attestation.exportTranscript()} disabled={!view || view.checkedAt === null}>
              <Icon name="download" /> {t('attestExport')}
            </button>
            <button type="button" class="btn btn-primary" onClick={() => void attestation.check()} disabled={checking}>
              {checking ? <Spinner /> : <Icon name="refresh" />} {checking ? t('attestChecking') : t('attestCheckAgain')}
            </button>
          </div>
        </>
      )}
      <details class="disclosure">
        <summary>{t('attestWhatItProves')}</summary>
        <p>{t('attestProves')}</p>
        <p>{t('attestDoesNotProve')}</p>
      </details>
    </Dialog>
  );
}

function StateBanner({ state, view }: { state: AttestState; view: AttestationView | null }) {
  const tone = toneOf(state);
  return (
    <div class={`state-banner tone-${tone}`} role="status" aria-live="polite" data-testid="attest-state">
      <Icon name={tone === 'bad' ? 'shieldX' : tone === 'neutral' ? 'shieldQ' : 'shieldCheck'} size={28} />
      <div>
        <p class="state-word">{t(STATE_KEY[state])}</p>
        <p class="state-meaning">{t(STATE_MEANING_KEY[state])}</p>
        {view?.simulated && state !== 'dev' && <p class="state-meaning">{t('attestSimulatedNote')}</p>}
      </div>
    </div>
  );
}

/**
 * The software the gateway runs, and what its trust source says: the build a release names (with
 * the repository, tag and Rekor entry), a change from what was trusted (old and new side by side,
 * nothing sent until the person decides), or software no trust source covers (accept it after
 * seeing its value, or set a trust source).
 */
function Software({ view, attestation, onOpenSettings }: { view: AttestationView; attestation: AttestationModel; onOpenSettings: () => void }) {
  const sw = view.software!;
  const label = sw.kind === 'snp-measurement' ? t('attestMeasurement') : t('attestManifestDigest');
  const deciding = attestation.deciding.value;
  return (
    <section class={`facts-section software software-${sw.status}`} aria-labelledby="attest-sw-h" data-testid="attest-software">
      <h3 id="attest-sw-h">{t('attestSoftware')}</h3>
      {sw.status === 'changed' && (
        <div class="notice notice-error" role="alert" data-testid="software-changed">
          <Icon name="alert" class="notice-icon" />
          <div class="notice-body">
            <p class="notice-title">{t('softwareChangedTitle')}</p>
            <p class="notice-text">{t('softwareChangedBody')}</p>
          </div>
        </div>
      )}
      <dl class="facts">
        {sw.previous && (
          <Row label={t('softwarePrevious')} mono>
            {sw.previous.value || '—'}
            {sw.previous.release && <span class="muted small"> · {releaseText(sw.previous.release)}</span>}
          </Row>
        )}
        <Row label={sw.previous ? t('softwareNew') : label} mono>
          {sw.value}
        </Row>
        {sw.release && (
          <>
            <Row label={t('attestRelease')}>
              <span data-testid="attest-release">
                {sw.release.repo} {sw.release.tag}
              </span>
            </Row>
            <Row label={t('attestRekor')}>
              <span data-testid="attest-rekor">{sw.release.rekorLogIndex}</span> · {formatDateTime(sw.release.integratedTime * 1000)}
            </Row>
          </>
        )}
        <Row label={t('attestSoftwareStatus')}>{sw.detail}</Row>
      </dl>
      {sw.status !== 'trusted' && (
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onOpenSettings}>
            {t('softwareSetTrust')}
          </button>
          <button type="button" class={sw.status === 'changed' ? 'btn btn-danger' : 'btn btn-primary'} onClick={() => void attestation.acceptSoftware()} disabled={deciding} data-testid="software-accept">
            {deciding && <Spinner />} {sw.status === 'changed' ? t('softwareAcceptChange') : t('softwareAccept')}
          </button>
        </div>
      )}
    </section>
  );
}

function releaseText(r: { repo: string; tag: string; rekorLogIndex: number }): string {
  return `${r.repo} ${r.tag} (Rekor ${r.rekorLogIndex})`;
}

/** What was proven, in the provider's plain sentences, and what was not checked. */
function Proven({ view }: { view: AttestationView }) {
  return (
    <section class="facts-section" aria-labelledby="attest-proven-h">
      <h3 id="attest-proven-h">{t('attestProvenTitle')}</h3>
      <ul class="proven">
        {view.proven.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
        {view.revocation === 'not-checked' && (
          <li class="warn" data-testid="revocation-not-checked">
            {t('attestRevocationNotChecked')}
          </li>
        )}
        {view.protocol && <li class="muted">{t('attestProtocol', [view.protocol])}</li>}
      </ul>
    </section>
  );
}

function Row({ label, children, mono }: { label: string; children: ComponentChildren; mono?: boolean }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd class={mono ? 'mono' : undefined}>{children}</dd>
    </div>
  );
}

function GatewayFacts({ view }: { view: AttestationView }) {
  const now = Date.now();
  return (
    <section class="facts-section" aria-labelledby="attest-gateway-h">
      <h3 id="attest-gateway-h">{t('attestGateway')}</h3>
      <dl class="facts">
        {view.gatewayUrl && (
          <Row label={t('attestAddress')}>
            {view.gatewayLabel ? `${view.gatewayLabel} · ` : ''}
            {siteOf(view.gatewayUrl) ?? view.gatewayUrl}
          </Row>
        )}
        {view.model && <Row label={t('attestModel')}>{view.model}</Row>}
        {view.keyId && (
          <Row label={t('attestKeyId')} mono>
            {view.keyId}
          </Row>
        )}
        <Row label={t('attestCheckedAt')}>
          {view.checkedAt ? (
            <time dateTime={new Date(view.checkedAt).toISOString()} title={formatDateTime(view.checkedAt)}>
              {formatRelative(view.checkedAt, now)} · {formatDateTime(view.checkedAt)}
            </time>
          ) : (
            t('attestNever')
          )}
        </Row>
        {view.expiresAt && (
          <Row label={t('attestExpiresAt')}>
            <time dateTime={new Date(view.expiresAt).toISOString()}>{formatRelative(view.expiresAt, now)}</time>
          </Row>
        )}
      </dl>
    </section>
  );
}

function Checks({ checks }: { checks: Check[] }) {
  const { passed, failed } = countChecks(checks);
  return (
    <section class="facts-section" aria-labelledby="attest-checks-h">
      <h3 id="attest-checks-h">
        {t('attestChecks')} <span class="muted">{failed ? t('attestChecksSomeFailed', [String(passed), String(checks.length)]) : t('attestChecksAllPassed', [String(checks.length)])}</span>
      </h3>
      {groupChecks(checks).map((g) => (
        <details class="check-group" key={g.id} open={!g.passed}>
          <summary>
            <Icon name={g.passed ? 'check' : 'x'} class={g.passed ? 'ok' : 'bad'} />
            <span>{g.labelKey ? t(g.labelKey, g.index !== null ? [String(g.index + 1)] : undefined) : g.id}</span>
            <span class="muted">
              {g.checks.filter((c) => c.passed).length}/{g.checks.length}
            </span>
          </summary>
          <ul class="checks">
            {g.checks.map((c) => (
              <li key={c.id} class={c.passed ? 'check pass' : 'check fail'}>
                <Icon name={c.passed ? 'check' : 'x'} class={c.passed ? 'ok' : 'bad'} />
                <div>
                  <span class="sr-only">{c.passed ? t('checkPassed') : t('checkFailed')}: </span>
                  <span class="check-detail">{c.detail}</span>
                  <span class="check-id">{c.field ?? c.id}</span>
                  {!c.passed && (c.got !== undefined || c.want !== undefined) && (
                    <dl class="got-want">
                      {c.got !== undefined && (
                        <>
                          <dt>{t('checkGot')}</dt>
                          <dd class="mono">{c.got}</dd>
                        </>
                      )}
                      {c.want !== undefined && (
                        <>
                          <dt>{t('checkWant')}</dt>
                          <dd class="mono">{c.want}</dd>
                        </>
                      )}
                    </dl>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </section>
  );
}

function Claims({ view }: { view: AttestationView }) {
  const c = view.claims!;
  const dash = '—';
  return (
    <>
      <section class="facts-section" aria-labelledby="attest-cpu-h">
        <h3 id="attest-cpu-h">
          <Icon name="chip" /> {t('attestCpu')}
        </h3>
        <dl class="facts">
          <Row label={t('attestMeasurement')} mono>
            {c.measurement ?? dash}
          </Row>
          <Row label={t('attestTcb')}>{c.tcb ?? dash}</Row>
          <Row label={t('attestChipId')} mono>
            {c.chipId ?? dash}
          </Row>
          <Row label={t('attestProduct')}>{c.product ?? dash}</Row>
        </dl>
      </section>
      {c.gpus.map((g, i) => (
        <section class="facts-section" key={i} aria-labelledby={`attest-gpu-${i}`}>
          <h3 id={`attest-gpu-${i}`}>
            <Icon name="chip" /> {t('attestGpu', [String(i + 1)])}
          </h3>
          <dl class="facts">
            <Row label={t('attestDriver')}>{g.driverVersion ?? dash}</Row>
            <Row label={t('attestVbios')}>{g.vbiosVersion ?? dash}</Row>
            <Row label={t('attestFwid')} mono>
              {g.fwid ?? dash}
            </Row>
          </dl>
        </section>
      ))}
    </>
  );
}
