/**
 * Settings, one form per section so each saves on its own: gateway and API key, trust policy,
 * answers, embedding model, privacy and locking, passphrase, wiping everything, and about.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../../messaging/background.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorNotice, SuccessNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { GatewayFields } from '../gateway/GatewayFields.tsx';
import { EngineProgress, Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { STATE_KEY, toneOf } from '../../lib/attest.ts';
import { MIN_PASSPHRASE, parseGatewayUrl, parseIntIn, parseMeasurements, parseSites, parseTcbPart, passphraseProblem, TCB_PARTS, type TcbPart } from '../../lib/input.ts';
import type { AttestationModel } from '../../models/attestation.ts';
import type { EngineModel } from '../../models/engine.ts';
import type { LibraryModel } from '../../models/library.ts';
import type { NavModel } from '../../models/nav.ts';
import type { SettingsModel } from '../../models/settings.ts';

export interface SettingsViewProps {
  settings: SettingsModel;
  library: LibraryModel;
  attestation: AttestationModel;
  engine: EngineModel;
  nav: NavModel;
  onWipe: () => Promise<boolean>;
}

type SectionId = 'gateway' | 'trust' | 'answers' | 'privacy';

export function SettingsView({ settings, library, attestation, engine, nav, onWipe }: SettingsViewProps) {
  const s = settings.settings.value;
  const [active, setActive] = useState<SectionId | null>(null);
  const [saved, setSaved] = useState<SectionId | null>(null);

  useEffect(() => {
    const section = nav.focusSection.value;
    if (!section) return;
    const el = document.getElementById(`settings-${section}`);
    el?.scrollIntoView({ block: 'start' });
    el?.querySelector<HTMLElement>('input, textarea, select, button')?.focus();
    nav.focusSection.value = null;
  }, [nav.focusSection.value]);

  async function save(section: SectionId, work: () => Promise<boolean>): Promise<void> {
    if (settings.saving.value) return;
    setActive(section);
    setSaved(null);
    if (await work()) setSaved(section);
  }

  const status = (section: SectionId) => (
    <>
      {active === section && settings.saveError.value && <ErrorNotice error={settings.saveError.value} onDismiss={() => settings.clearStatus()} />}
      {saved === section && !settings.saveError.value && <SuccessNotice text={t('settingsSaved')} onDismiss={() => setSaved(null)} />}
    </>
  );

  return (
    <section class="view" aria-labelledby="settings-h">
      <div class="view-toolbar">
        <h2 id="settings-h">{t('settingsTitle')}</h2>
      </div>
      <div class="view-body settings">
        {settings.loadError.value && (
          <ErrorNotice error={settings.loadError.value} actions={{ retry: () => void settings.load() }} />
        )}
        {s ? (
          <>
            <GatewaySection s={s} settings={settings} library={library} attestation={attestation} busy={settings.saving.value && active === 'gateway'} onSave={(work) => save('gateway', work)}>
              {status('gateway')}
            </GatewaySection>
            <TrustSection s={s} busy={settings.saving.value && active === 'trust'} onSave={(patch) => save('trust', () => settings.save(patch))}>
              {status('trust')}
            </TrustSection>
            <AnswersSection s={s} busy={settings.saving.value && active === 'answers'} onSave={(patch) => save('answers', () => settings.save(patch))}>
              {status('answers')}
            </AnswersSection>
          </>
        ) : (
          !settings.loadError.value && (
            <p class="muted">
              <Spinner /> {t('loading')}
            </p>
          )
        )}
        <ModelSection library={library} />
        {s && (
          <PrivacySection s={s} busy={settings.saving.value && active === 'privacy'} onSave={(patch) => save('privacy', () => settings.save(patch))}>
            {status('privacy')}
          </PrivacySection>
        )}
        <PassphraseSection library={library} />
        <WipeSection onWipe={onWipe} busy={library.busy.value === 'wipe'} />
        <AboutSection engine={engine} />
      </div>
    </section>
  );
}

// ---- gateway -----------------------------------------------------------------------------------

function GatewaySection({
  s,
  settings,
  library,
  attestation,
  busy,
  onSave,
  children,
}: {
  s: Settings;
  settings: SettingsModel;
  library: LibraryModel;
  attestation: AttestationModel;
  busy: boolean;
  onSave: (work: () => Promise<boolean>) => void;
  children: ComponentChildren;
}) {
  const [address, setAddress] = useState(s.gatewayUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [tried, setTried] = useState(false);
  useEffect(() => setAddress(s.gatewayUrl ?? ''), [s.gatewayUrl]);
  const parsed = parseGatewayUrl(address);
  const present = settings.apiKeyPresent.value;
  const unlocked = library.unlocked.value;
  const state = attestation.state.value;
  return (
    <section class="section" id="settings-gateway" aria-labelledby="gw-h">
      <h3 id="gw-h">{t('gatewayTitle')}</h3>
      <p class="muted small">{t('gatewayExplain')}</p>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setTried(true);
          if (!parsed.ok) return;
          // The permission request must come first, straight from this click.
          onSave(() => settings.connectGateway(address, unlocked ? apiKey : null).then((ok) => (ok && setApiKey(''), ok)));
        }}
      >
        <GatewayFields
          idPrefix="gw"
          address={address}
          onAddress={setAddress}
          parsed={parsed}
          tried={tried}
          apiKey={apiKey}
          onApiKey={setApiKey}
          unlocked={unlocked}
          present={present ?? false}
        />
        {children}
        <div class="row-actions">
          {present && unlocked && (
            <button type="button" class="btn btn-ghost" onClick={() => onSave(() => settings.setApiKey(null))}>
              {t('apiKeyRemove')}
            </button>
          )}
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined}>
            {busy ? <Spinner /> : <Icon name="shieldCheck" />} {t('gatewaySave')}
          </button>
        </div>
      </form>
      {s.gatewayUrl && (
        <p class="gw-state">
          <span class={`tag tone-${toneOf(state)}`}>{t(STATE_KEY[state])}</span>
          <button type="button" class="btn btn-ghost btn-small" onClick={() => void attestation.check()} disabled={attestation.checking.value}>
            <Icon name="refresh" /> {t('attestCheckAgain')}
          </button>
        </p>
      )}
    </section>
  );
}

// ---- trust policy ------------------------------------------------------------------------------

const TCB_KEY: Record<TcbPart, string> = { bl: 'tcbBl', tee: 'tcbTee', snp: 'tcbSnp', ucode: 'tcbUcode', fmc: 'tcbFmc' };

function TrustSection({ s, busy, onSave, children }: { s: Settings; busy: boolean; onSave: (patch: Partial<Settings>) => void; children: ComponentChildren }) {
  const [trustDev, setTrustDev] = useState(s.trustDev);
  const [measurements, setMeasurements] = useState(s.trustedMeasurements.join('\n'));
  const [tcb, setTcb] = useState<Record<TcbPart, string>>(() => Object.fromEntries(TCB_PARTS.map((p) => [p, s.minTcb[p]?.toString() ?? ''])) as Record<TcbPart, string>);
  // After a save the background's normalised values come back: show them.
  useEffect(() => {
    setTrustDev(s.trustDev);
    setMeasurements(s.trustedMeasurements.join('\n'));
    setTcb(Object.fromEntries(TCB_PARTS.map((p) => [p, s.minTcb[p]?.toString() ?? ''])) as Record<TcbPart, string>);
  }, [s.trustDev, s.trustedMeasurements.join(), JSON.stringify(s.minTcb)]);
  const m = parseMeasurements(measurements);
  const tcbParsed = TCB_PARTS.map((p) => [p, parseTcbPart(tcb[p])] as const);
  const tcbBad = tcbParsed.filter(([, r]) => !r.ok).map(([p]) => p);
  return (
    <section class="section" id="settings-trust" aria-labelledby="trust-h">
      <h3 id="trust-h">{t('trustTitle')}</h3>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (m.invalid.length || tcbBad.length) return;
          const minTcb: Settings['minTcb'] = {};
          for (const [p, r] of tcbParsed) if (r.ok && r.value !== undefined) minTcb[p] = r.value;
          onSave({ trustDev, trustedMeasurements: m.values, minTcb });
        }}
      >
        <div class="field">
          <label for="trust-m">{t('trustMeasurements')}</label>
          <textarea
            id="trust-m"
            class="mono"
            rows={3}
            spellcheck={false}
            value={measurements}
            onInput={(e) => setMeasurements(e.currentTarget.value)}
            aria-invalid={m.invalid.length ? 'true' : undefined}
            aria-describedby="trust-m-hint"
          />
          <p id="trust-m-hint" class={m.invalid.length ? 'field-error' : 'hint'}>
            {m.invalid.length ? t('trustMeasurementsBad', [m.invalid.join(', ')]) : t('trustMeasurementsHint')}
          </p>
        </div>
        <fieldset class="field">
          <legend>{t('trustMinTcb')}</legend>
          <div class="tcb-grid">
            {TCB_PARTS.map((p) => (
              <div class="tcb-part" key={p}>
                <label for={`tcb-${p}`}>{t(TCB_KEY[p])}</label>
                <input
                  id={`tcb-${p}`}
                  inputMode="numeric"
                  value={tcb[p]}
                  placeholder="—"
                  aria-invalid={tcbBad.includes(p) ? 'true' : undefined}
                  onInput={(e) => setTcb({ ...tcb, [p]: e.currentTarget.value })}
                />
              </div>
            ))}
          </div>
          <p class={tcbBad.length ? 'field-error' : 'hint'}>{tcbBad.length ? t('trustTcbBad') : t('trustMinTcbHint')}</p>
        </fieldset>
        <div class="field">
          <label class="check-row">
            <input type="checkbox" checked={trustDev} onChange={(e) => setTrustDev(e.currentTarget.checked)} aria-describedby="trust-dev-hint" />
            <span>{t('trustDev')}</span>
          </label>
          <p id="trust-dev-hint" class={trustDev ? 'hint warn' : 'hint'}>
            {t('trustDevExplain')}
          </p>
        </div>
        {children}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined}>
            {busy && <Spinner />} {t('save')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- answers -----------------------------------------------------------------------------------

function AnswersSection({ s, busy, onSave, children }: { s: Settings; busy: boolean; onSave: (patch: Partial<Settings>) => void; children: ComponentChildren }) {
  const [passages, setPassages] = useState(String(s.passages));
  const [confirm, setConfirm] = useState(s.confirmBeforeSend);
  const [effort, setEffort] = useState(s.reasoningEffort);
  useEffect(() => {
    setPassages(String(s.passages));
    setConfirm(s.confirmBeforeSend);
    setEffort(s.reasoningEffort);
  }, [s.passages, s.confirmBeforeSend, s.reasoningEffort]);
  const n = parseIntIn(passages, 1, 20);
  return (
    <section class="section" id="settings-answers" aria-labelledby="answers-h">
      <h3 id="answers-h">{t('answersTitle')}</h3>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (n === null) return;
          onSave({ passages: n, confirmBeforeSend: confirm, reasoningEffort: effort });
        }}
      >
        <div class="field">
          <label for="set-passages">{t('passagesLabel')}</label>
          <input
            id="set-passages"
            type="number"
            min={1}
            max={20}
            value={passages}
            class="narrow"
            onInput={(e) => setPassages(e.currentTarget.value)}
            aria-invalid={n === null ? 'true' : undefined}
            aria-describedby="set-passages-hint"
          />
          <p id="set-passages-hint" class={n === null ? 'field-error' : 'hint'}>
            {n === null ? t('passagesBad') : t('passagesHint')}
          </p>
        </div>
        <div class="field">
          <label class="check-row">
            <input type="checkbox" id="set-confirm" checked={confirm} onChange={(e) => setConfirm(e.currentTarget.checked)} aria-describedby="set-confirm-hint" />
            <span>{t('confirmLabel')}</span>
          </label>
          <p id="set-confirm-hint" class="hint">
            {t('confirmHint')}
          </p>
        </div>
        <div class="field">
          <label for="set-effort">{t('effortLabel')}</label>
          <select id="set-effort" value={effort} class="narrow" onChange={(e) => setEffort(e.currentTarget.value as Settings['reasoningEffort'])}>
            <option value="low">{t('effortLow')}</option>
            <option value="medium">{t('effortMedium')}</option>
            <option value="high">{t('effortHigh')}</option>
          </select>
        </div>
        {children}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined} data-testid="save-answers">
            {busy && <Spinner />} {t('save')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- embedding model ------------------------------------------------------------------------------

function ModelSection({ library }: { library: LibraryModel }) {
  const model = library.model.value;
  const err = library.error.value?.action === 'model' ? library.error.value.error : null;
  const stateKey = !model ? 'loading' : model.state === 'ready' ? 'modelReady' : model.state === 'loading' ? 'modelLoading' : model.state === 'error' ? 'modelError' : 'modelNotLoaded';
  return (
    <section class="section" id="settings-model" aria-labelledby="model-h">
      <h3 id="model-h">{t('modelTitle')}</h3>
      <p class="muted small">{t('modelExplain')}</p>
      <dl class="facts">
        <div class="fact">
          <dt>{t('modelName')}</dt>
          <dd class="mono">{model?.modelId ?? '—'}</dd>
        </div>
        <div class="fact">
          <dt>{t('modelState')}</dt>
          <dd>
            {t(stateKey)}
            {model?.dims ? ` · ${t('modelDims', [String(model.dims)])}` : ''}
          </dd>
        </div>
      </dl>
      {model?.state === 'error' && model.error && <p class="field-error">{model.error}</p>}
      {library.progress.value?.task === 'model' && <EngineProgress progress={library.progress.value} />}
      {err && <ErrorNotice error={err} />}
      {model?.state !== 'ready' && (
        <div class="row-actions">
          <button type="button" class="btn btn-primary" onClick={() => void library.loadModel()} disabled={model?.state === 'loading' || !model}>
            {model?.state === 'loading' ? <Spinner /> : <Icon name="download" />} {t('modelDownload')}
          </button>
        </div>
      )}
    </section>
  );
}

// ---- privacy and locking ------------------------------------------------------------------------

function PrivacySection({ s, busy, onSave, children }: { s: Settings; busy: boolean; onSave: (patch: Partial<Settings>) => void; children: ComponentChildren }) {
  const [minutes, setMinutes] = useState(String(s.autoLockMinutes));
  const [sites, setSites] = useState(s.neverReadSites.join('\n'));
  useEffect(() => {
    setMinutes(String(s.autoLockMinutes));
    setSites(s.neverReadSites.join('\n'));
  }, [s.autoLockMinutes, s.neverReadSites.join()]);
  const n = parseIntIn(minutes, 0, 1440);
  const parsed = parseSites(sites);
  return (
    <section class="section" id="settings-privacy" aria-labelledby="privacy-h">
      <h3 id="privacy-h">{t('privacyTitle')}</h3>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (n === null || parsed.invalid.length) return;
          onSave({ autoLockMinutes: n, neverReadSites: parsed.values });
        }}
      >
        <div class="field">
          <label for="set-autolock">{t('autoLockLabel')}</label>
          <input
            id="set-autolock"
            type="number"
            min={0}
            max={1440}
            class="narrow"
            value={minutes}
            onInput={(e) => setMinutes(e.currentTarget.value)}
            aria-invalid={n === null ? 'true' : undefined}
            aria-describedby="set-autolock-hint"
          />
          <p id="set-autolock-hint" class={n === null ? 'field-error' : 'hint'}>
            {n === null ? t('autoLockBad') : t('autoLockHint')}
          </p>
        </div>
        <div class="field">
          <label for="set-sites">{t('neverReadLabel')}</label>
          <textarea
            id="set-sites"
            rows={3}
            spellcheck={false}
            placeholder="bank.example.com"
            value={sites}
            onInput={(e) => setSites(e.currentTarget.value)}
            aria-invalid={parsed.invalid.length ? 'true' : undefined}
            aria-describedby="set-sites-hint"
          />
          <p id="set-sites-hint" class={parsed.invalid.length ? 'field-error' : 'hint'}>
            {parsed.invalid.length ? t('neverReadBad', [parsed.invalid.join(', ')]) : t('neverReadHint')}
          </p>
        </div>
        {children}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined}>
            {busy && <Spinner />} {t('save')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- passphrase -----------------------------------------------------------------------------------

function PassphraseSection({ library }: { library: LibraryModel }) {
  const protection = library.state.value?.protection ?? null;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [none, setNone] = useState(false);
  const [tried, setTried] = useState(false);
  const busy = library.busy.value === 'changePassphrase';
  const err = library.error.value?.action === 'changePassphrase' ? library.error.value.error : null;
  const done = library.notice.value?.kind === 'passphraseChanged';
  const problem = none ? null : passphraseProblem(next, confirm);
  if (!protection) return null;
  return (
    <section class="section" id="settings-passphrase" aria-labelledby="pass-h">
      <h3 id="pass-h">{protection === 'passphrase' ? t('passChangeTitle') : t('passAddTitle')}</h3>
      <p class="muted small">{protection === 'passphrase' ? t('protectPassExplain') : t('protectDeviceExplain')}</p>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (problem || busy) return;
          const ok = await library.changePassphrase(protection === 'passphrase' ? current : null, none ? null : next);
          if (ok) {
            setCurrent('');
            setNext('');
            setConfirm('');
            setTried(false);
            setNone(false);
          }
        }}
      >
        {protection === 'passphrase' && (
          <div class="field">
            <label for="pp-current">{t('currentPassphrase')}</label>
            <input id="pp-current" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
          </div>
        )}
        {protection === 'passphrase' && (
          <label class="check-row">
            <input type="checkbox" checked={none} onChange={(e) => setNone(e.currentTarget.checked)} />
            <span>{t('passRemove')}</span>
          </label>
        )}
        {!none && (
          <>
            <div class="field">
              <label for="pp-next">{t('newPassphrase')}</label>
              <input id="pp-next" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} aria-describedby="pp-next-hint" />
              <p id="pp-next-hint" class="hint">
                {t('passphraseRule', [String(MIN_PASSPHRASE)])}
              </p>
            </div>
            <div class="field">
              <label for="pp-confirm">{t('confirmPassphrase')}</label>
              <input id="pp-confirm" type="password" autocomplete="new-password" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} aria-invalid={tried && problem ? 'true' : undefined} />
            </div>
          </>
        )}
        {tried && problem && (
          <p class="field-error" role="alert">
            {t(problem, [String(MIN_PASSPHRASE)])}
          </p>
        )}
        {err && <ErrorNotice error={err} />}
        {done && <SuccessNotice text={t('noticePassphraseChanged')} />}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined} disabled={(protection === 'passphrase' && !current) || library.state.value?.unlocked === false}>
            {busy && <Spinner />} {protection === 'passphrase' ? t('passChange') : t('passAdd')}
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- wipe --------------------------------------------------------------------------------------

function WipeSection({ onWipe, busy }: { onWipe: () => Promise<boolean>; busy: boolean }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const word = t('wipeWord');
  const matches = typed.trim().toLowerCase() === word.toLowerCase();
  return (
    <section class="section danger" id="settings-wipe" aria-labelledby="wipe-h">
      <h3 id="wipe-h">{t('wipeTitle')}</h3>
      <p class="muted small">{t('wipeExplain')}</p>
      <div class="row-actions">
        <button type="button" class="btn btn-danger" onClick={() => (setTyped(''), setOpen(true))}>
          <Icon name="trash" /> {t('wipeButton')}
        </button>
      </div>
      <Dialog open={open} title={t('wipeTitle')} onClose={() => setOpen(false)}>
        <form
          class="stack"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!matches) return;
            if (await onWipe()) setOpen(false);
          }}
        >
          <p>{t('wipeConfirmBody')}</p>
          <div class="field">
            <label for="wipe-word">{t('wipeTypeLabel', [word])}</label>
            <input id="wipe-word" autocomplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </div>
          <div class="dialog-actions">
            <button type="button" class="btn" onClick={() => setOpen(false)}>
              {t('cancel')}
            </button>
            <button type="submit" class="btn btn-danger" disabled={!matches || busy}>
              {busy && <Spinner />} {t('wipeConfirm')}
            </button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}

// ---- about --------------------------------------------------------------------------------------

function AboutSection({ engine }: { engine: EngineModel }) {
  const status = engine.status.value;
  return (
    <section class="section" aria-labelledby="about-h">
      <h3 id="about-h">{t('aboutTitle')}</h3>
      <dl class="facts">
        <div class="fact">
          <dt>{t('aboutVersion')}</dt>
          <dd>{engine.version.value ?? '—'}</dd>
        </div>
        <div class="fact">
          <dt>{t('aboutEngine')}</dt>
          <dd>{status ? t('engineReadyShort', [status.sqliteVersion, status.vecVersion]) : engine.error.value ? engine.error.value.message : t('loading')}</dd>
        </div>
        {status && (
          <div class="fact">
            <dt>{t('aboutStorage')}</dt>
            <dd>
              {status.vfs} · {status.crossOriginIsolated ? t('aboutIsolated') : t('aboutNotIsolated')}
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
