/**
 * First run, in steps: protect the library (passphrase or not, saying plainly what each protects
 * against), download the embedding model, connect the gateway and see its first attestation.
 */
import { useState } from 'preact/hooks';
import { EngineLine } from '../../components/EngineLine.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { GatewayFields } from '../../components/GatewayFields.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ModelFolderButton } from '../../components/ModelFolderButton.tsx';
import { EngineProgress, Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { countChecks, STATE_KEY, STATE_MEANING_KEY, toneOf } from '../../lib/attest.ts';
import { parseGatewayUrl, passphraseProblem } from '../../lib/input.ts';
import { NewPassphraseFields } from '../../components/NewPassphraseFields.tsx';
import { PROVIDER_DEFAULTS, type ProviderKind } from '../../../core/settings/settings.ts';
import { PROVIDER_KEY } from '../../lib/providers.ts';
import type { AttestationModel } from '../../models/attestation.ts';
import type { EngineModel } from '../../models/engine.ts';
import type { LibraryModel } from '../../models/library.ts';
import type { NavModel } from '../../models/nav.ts';
import type { OnboardingModel, OnboardingStep } from '../../models/onboarding.ts';
import type { SettingsModel } from '../../models/settings.ts';

export interface OnboardingProps {
  onboarding: OnboardingModel;
  library: LibraryModel;
  settings: SettingsModel;
  attestation: AttestationModel;
  engine: EngineModel;
  nav: NavModel;
}

const NUMBERED: OnboardingStep[] = ['protect', 'model', 'gateway'];

export function Onboarding(props: OnboardingProps) {
  const step = props.onboarding.step.value;
  const index = NUMBERED.indexOf(step);
  return (
    <section class="view onboarding" aria-labelledby="ob-h" data-testid="onboarding">
      <div class="view-body">
        {index >= 0 && (
          <p class="steps" aria-label={t('stepOf', [String(index + 1), String(NUMBERED.length)])}>
            {NUMBERED.map((s, i) => (
              <span key={s} class={i < index ? 'step done' : i === index ? 'step now' : 'step'} aria-hidden="true" />
            ))}
            <span class="muted small" aria-hidden="true">
              {t('stepOf', [String(index + 1), String(NUMBERED.length)])}
            </span>
          </p>
        )}
        {step === 'protect' && <ProtectStep {...props} />}
        {step === 'model' && <ModelStep {...props} />}
        {step === 'gateway' && <GatewayStep {...props} />}
        {step === 'done' && <DoneStep {...props} />}
      </div>
    </section>
  );
}

function ProtectStep({ onboarding, library, engine }: OnboardingProps) {
  const [mode, setMode] = useState<'passphrase' | 'device'>('passphrase');
  const [pass, setPass] = useState('');
  const [confirm, setConfirm] = useState('');
  const [tried, setTried] = useState(false);
  const problem = mode === 'passphrase' ? passphraseProblem(pass, confirm) : null;
  const busy = library.busy.value === 'setup';
  const err = library.error.value?.action === 'setup' ? library.error.value.error : null;
  const initialized = library.state.value?.initialized;
  return (
    <>
      <h2 id="ob-h">{t('obWelcome')}</h2>
      <p>{t('obIntro')}</p>
      <ul class="trust-list">
        <li>
          <Icon name="device" /> <span>{t('trustDevice')}</span>
        </li>
        <li>
          <Icon name="lock" /> <span>{t('obPointLibrary')}</span>
        </li>
        <li>
          <Icon name="shieldCheck" /> <span>{t('obPointGateway')}</span>
        </li>
      </ul>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (problem || busy) return;
          if (initialized || (await library.setup(mode === 'passphrase' ? pass : null))) {
            setPass('');
            setConfirm('');
            await onboarding.go(library.model.value?.state === 'ready' ? 'gateway' : 'model');
          }
        }}
      >
        <fieldset class="choice-group">
          <legend>
            <h3>{t('obProtectTitle')}</h3>
          </legend>
          <label class={mode === 'passphrase' ? 'choice on' : 'choice'}>
            <input type="radio" name="protect" value="passphrase" checked={mode === 'passphrase'} onChange={() => setMode('passphrase')} />
            <span>
              <strong>{t('protectPass')}</strong>
              <span class="choice-text">{t('protectPassExplain')}</span>
            </span>
          </label>
          <label class={mode === 'device' ? 'choice on' : 'choice'}>
            <input type="radio" name="protect" value="device" checked={mode === 'device'} onChange={() => setMode('device')} />
            <span>
              <strong>{t('protectDevice')}</strong>
              <span class="choice-text">{t('protectDeviceExplain')}</span>
            </span>
          </label>
        </fieldset>
        {mode === 'passphrase' && (
          <>
            <NewPassphraseFields
              id="ob"
              label={t('passphrase')}
              value={pass}
              confirm={confirm}
              onValue={setPass}
              onConfirm={setConfirm}
              tried={tried}
              extraHint={t('passphraseNoRecovery')}
            />
          </>
        )}
        {err && <ErrorNotice error={err} />}
        <button type="submit" class="btn btn-primary btn-block" aria-disabled={busy ? 'true' : undefined} data-testid="create-library">
          {busy ? <Spinner /> : <Icon name="lock" />} {t('obCreate')}
        </button>
      </form>
      <EngineLine status={engine.status.value} error={engine.error.value} />
    </>
  );
}

function ModelStep({ onboarding, library }: OnboardingProps) {
  const model = library.model.value;
  const busy = library.busy.value === 'model' || model?.state === 'loading';
  const err = library.error.value?.action === 'model' ? library.error.value.error : null;
  const ready = model?.state === 'ready';
  return (
    <>
      <h2 id="ob-h">{t('obModelTitle')}</h2>
      <p>{t('obModelBody')}</p>
      <p class="muted small">{t('obModelPrivacy')}</p>
      {library.progress.value && <EngineProgress progress={library.progress.value} />}
      {err && <ErrorNotice error={err} />}
      {ready ? (
        <p class="ok-line">
          <Icon name="check" class="ok" /> {t('modelReady')}
        </p>
      ) : null}
      <div class="stack">
        {ready ? (
          <button type="button" class="btn btn-primary btn-block" onClick={() => void onboarding.go('gateway')}>
            {t('continue')}
          </button>
        ) : (
          <>
            <button type="button" class="btn btn-primary btn-block" onClick={() => void library.loadModel()} disabled={busy}>
              {busy ? <Spinner /> : <Icon name="download" />} {t('modelDownload')}
            </button>
            {/* The download failed (offline, a blocked hub): the same files from a folder. */}
            {err && <ModelFolderButton library={library} disabled={busy} />}
            <button type="button" class="btn btn-ghost btn-block" onClick={() => void onboarding.go('gateway')}>
              {t('notNow')}
            </button>
          </>
        )}
      </div>
    </>
  );
}

/** The first run offers the three kinds of endpoint, the hosted ones first. */
const OB_PROVIDERS: ProviderKind[] = ['privatemode', 'tinfoil', 'confidant'];

function GatewayStep({ onboarding, settings, attestation, library, nav }: OnboardingProps) {
  const [provider, setProvider] = useState<ProviderKind>(settings.active.value?.provider ?? 'privatemode');
  const [address, setAddress] = useState(settings.active.value?.url ?? PROVIDER_DEFAULTS[provider].url ?? '');
  const [apiKey, setApiKey] = useState('');
  const [tried, setTried] = useState(false);
  const [connected, setConnected] = useState(false);
  const parsed = parseGatewayUrl(address);
  const busy = settings.saving.value;
  const err = settings.saveError.value;
  const state = attestation.state.value;
  const view = attestation.view.value;
  return (
    <>
      <h2 id="ob-h">{t('obGatewayTitle')}</h2>
      <p>{t('obGatewayBody')}</p>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setTried(true);
          if (!parsed.ok || busy) return;
          // The host permission request is the first thing this click does (a user gesture).
          if (await settings.connectGateway(address, library.unlocked.value ? apiKey : null, { provider })) {
            setConnected(true);
            setApiKey('');
          }
        }}
      >
        <fieldset class="choice-group" disabled={connected}>
          <legend>
            <h3>{t('obProviderTitle')}</h3>
          </legend>
          {OB_PROVIDERS.map((k) => (
            <label key={k} class={provider === k ? 'choice on' : 'choice'}>
              <input
                type="radio"
                name="ob-provider"
                value={k}
                checked={provider === k}
                onChange={() => {
                  setProvider(k);
                  setAddress(PROVIDER_DEFAULTS[k].url ?? '');
                  setTried(false);
                }}
              />
              <span>
                <strong>{t(PROVIDER_KEY[k])}</strong>
                <span class="choice-text">{t(`providerHint_${k}`)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <GatewayFields idPrefix="ob-gw" address={address} onAddress={setAddress} parsed={parsed} tried={tried} apiKey={apiKey} onApiKey={setApiKey} />
        {provider !== 'confidant' && !apiKey.trim() && !connected && <p class="hint">{t('obProviderKeyHint', [t(PROVIDER_KEY[provider])])}</p>}
        {err && <ErrorNotice error={err} />}
        {connected && (
          <div class={`state-banner tone-${toneOf(state)}`} role="status" aria-live="polite" data-testid="ob-attest">
            {state === 'checking' ? <Spinner /> : <Icon name={toneOf(state) === 'bad' ? 'shieldX' : 'shieldCheck'} size={24} />}
            <div>
              <p class="state-word">{t(STATE_KEY[state])}</p>
              <p class="state-meaning">{t(STATE_MEANING_KEY[state])}</p>
              {view && view.checks.length > 0 && (
                <p class="state-meaning">
                  {countChecks(view.checks).failed
                    ? t('attestChecksSomeFailed', [String(countChecks(view.checks).passed), String(view.checks.length)])
                    : t('attestChecksAllPassed', [String(view.checks.length)])}
                </p>
              )}
              {view?.error && <p class="state-meaning">{view.error}</p>}
              {view?.simulated && state === 'failed' && <p class="state-meaning">{t('obSimulatedHint')}</p>}
            </div>
          </div>
        )}
        {connected && state !== 'checking' && (
          <button type="button" class="btn btn-ghost btn-small" onClick={() => (nav.attestationOpen.value = true)}>
            <Icon name="info" /> {t('stepOpenAttestation')}
          </button>
        )}
        {!connected ? (
          <>
            <button type="submit" class="btn btn-primary btn-block" aria-disabled={busy ? 'true' : undefined}>
              {busy ? <Spinner /> : <Icon name="shieldCheck" />} {t('obConnect')}
            </button>
            <button type="button" class="btn btn-ghost btn-block" onClick={() => void onboarding.go('done')}>
              {t('skipForNow')}
            </button>
          </>
        ) : (
          <div class="stack">
            {toneOf(state) === 'bad' && (
              <button type="button" class="btn btn-block" onClick={() => void attestation.check()} disabled={attestation.checking.value}>
                <Icon name="refresh" /> {t('attestCheckAgain')}
              </button>
            )}
            <button type="button" class="btn btn-primary btn-block" onClick={() => void onboarding.go('done')}>
              {t('continue')}
            </button>
          </div>
        )}
      </form>
    </>
  );
}

function DoneStep({ onboarding, library, attestation, nav }: OnboardingProps) {
  const state = attestation.state.value;
  const lib = library.state.value;
  const model = library.model.value;
  return (
    <>
      <h2 id="ob-h">{t('obDoneTitle')}</h2>
      <ul class="summary-list">
        <li>
          <Icon name="check" class="ok" /> {lib?.protection === 'passphrase' ? t('obDoneLibraryPass') : t('obDoneLibraryDevice')}
        </li>
        <li>
          <Icon name={model?.state === 'ready' ? 'check' : 'info'} class={model?.state === 'ready' ? 'ok' : 'muted'} /> {model?.state === 'ready' ? t('obDoneModel') : t('obDoneNoModel')}
        </li>
        <li>
          <Icon name={toneOf(state) === 'ok' || toneOf(state) === 'dev' ? 'check' : 'info'} class={toneOf(state) === 'ok' ? 'ok' : 'muted'} />{' '}
          {state === 'not-configured' ? t('obDoneNoGateway') : t('obDoneGateway', [t(STATE_KEY[state])])}
        </li>
      </ul>
      <button
        type="button"
        class="btn btn-primary btn-block"
        data-testid="start"
        onClick={() => {
          void onboarding.finish();
          nav.show('ask');
        }}
      >
        {t('obStart')}
      </button>
    </>
  );
}
