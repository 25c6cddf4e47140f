/**
 * Gateways: the endpoint questions go to (the Confidant gateway, Privatemode or Tinfoil), each with
 * its API key (sealed in the library), its trust source (which software counts as trusted) and,
 * for a gateway on this machine, development trust. Several can be kept; one is active.
 */
import { useEffect, useState } from 'preact/hooks';
import { PROVIDER_KEY } from '../../lib/providers.ts';
import { PROVIDER_DEFAULTS, PROVIDER_KINDS, type GatewayProfile, type ProviderKind, type TrustSource } from '../../../core/settings/settings.ts';
import { REPO_RE, SHA256_RE, MEASUREMENT_RE } from '../../../core/settings/input.ts';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { GatewayFields } from '../../components/GatewayFields.tsx';
import { t } from '../../i18n.ts';
import { STATE_KEY, toneOf } from '../../lib/attest.ts';
import { parseGatewayUrl, parseHexLines } from '../../lib/input.ts';
import type { AttestationModel } from '../../models/attestation.ts';
import type { LibraryModel } from '../../models/library.ts';
import type { SettingsModel } from '../../models/settings.ts';
import { CheckField, Field, SettingsForm } from './SettingsForm.tsx';


export interface GatewaysSectionProps {
  settings: SettingsModel;
  library: LibraryModel;
  attestation: AttestationModel;
  /** Which form of this section is saving, if any. */
  busy: 'gateway' | 'addGateway' | null;
  status: (form: 'gateway' | 'addGateway') => preact.ComponentChildren;
  run: (form: 'gateway' | 'addGateway', work: () => Promise<boolean>) => void;
}

export function GatewaysSection(props: GatewaysSectionProps) {
  const { settings } = props;
  const s = settings.settings.value;
  const active = settings.active.value;
  if (!s) return null;
  const others = s.gateways.filter((g) => g.id !== active?.id);
  return (
    <>
      {active ? <ActiveGateway {...props} profile={active} /> : <p class="muted small">{t('gatewayNone')}</p>}
      {others.length > 0 && (
        <section class="section" aria-labelledby="gw-others-h">
          <h3 id="gw-others-h">{t('gatewayOthers')}</h3>
          <ul class="gw-list">
            {others.map((g) => (
              <li key={g.id} class="gw-item">
                <span class="gw-name">
                  <strong>{g.label}</strong> <span class="muted small">{t(PROVIDER_KEY[g.provider])} · {g.url}</span>
                </span>
                <button type="button" class="btn btn-small" onClick={() => void settings.activateGateway(g.id)} aria-label={t('gatewayUseNamed', [g.label])}>
                  {t('gatewayUse')}
                </button>
                <button type="button" class="btn btn-ghost btn-small" onClick={() => void settings.removeGateway(g.id)} aria-label={t('gatewayRemoveNamed', [g.label])}>
                  <Icon name="trash" />
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <AddGateway {...props} />
    </>
  );
}

// ---- the active gateway --------------------------------------------------------------------------

function ActiveGateway({ settings, library, attestation, busy, status, run, profile }: GatewaysSectionProps & { profile: GatewayProfile }) {
  const [label, setLabel] = useState(profile.label);
  const [apiKey, setApiKey] = useState('');
  const [development, setDevelopment] = useState(profile.development);
  const [trust, setTrust] = useState<TrustSource>(profile.trust);
  const [repo, setRepo] = useState(profile.trust.kind === 'releases' ? profile.trust.repo : '');
  const [pinned, setPinned] = useState(profile.trust.kind === 'pinned' ? profile.trust.values.join('\n') : '');
  const [allowUnknown, setAllowUnknown] = useState(profile.allowUnknownSoftware);
  useEffect(() => {
    setLabel(profile.label);
    setDevelopment(profile.development);
    setTrust(profile.trust);
    setRepo(profile.trust.kind === 'releases' ? profile.trust.repo : '');
    setPinned(profile.trust.kind === 'pinned' ? profile.trust.values.join('\n') : '');
    setAllowUnknown(profile.allowUnknownSoftware);
  }, [JSON.stringify(profile)]);
  const loopback = parseGatewayUrl(profile.url).ok && (parseGatewayUrl(profile.url) as { loopback: boolean }).loopback;
  const unlocked = library.unlocked.value;
  const present = settings.apiKeyPresent.value ?? false;
  const state = attestation.state.value;
  const hexRe = profile.provider === 'privatemode' ? SHA256_RE : MEASUREMENT_RE;
  const pinnedParsed = parseHexLines(pinned, hexRe);
  const repoBad = trust.kind === 'releases' && !REPO_RE.test(repo.trim());
  const pinnedBad = trust.kind === 'pinned' && (pinnedParsed.invalid.length > 0 || pinnedParsed.values.length === 0);
  const kinds: TrustSource['kind'][] = profile.provider === 'privatemode' ? ['tofu', 'pinned', 'none'] : ['releases', 'pinned', 'tofu', 'none'];

  function submit(): void {
    if (repoBad || pinnedBad) return;
    const source: TrustSource =
      trust.kind === 'releases' ? { kind: 'releases', repo: repo.trim() } : trust.kind === 'pinned' ? { kind: 'pinned', values: pinnedParsed.values } : { kind: trust.kind };
    run('gateway', async () => {
      const ok = await settings.updateGateway(profile.id, { label, development: development && loopback, trust: source, allowUnknownSoftware: allowUnknown });
      if (ok && apiKey.trim() && unlocked) await settings.setApiKey(apiKey);
      if (ok) setApiKey('');
      return ok;
    });
  }

  return (
    <SettingsForm
      id="gateway"
      title={t('gatewayTitle')}
      explain={t('gatewayExplain')}
      busy={busy === 'gateway'}
      status={status('gateway')}
      onSubmit={submit}
      extraActions={
        present && unlocked ? (
          <button type="button" class="btn btn-ghost" onClick={() => run('gateway', () => settings.setApiKey(null))}>
            {t('apiKeyRemove')}
          </button>
        ) : null
      }
    >
      <p class="gw-state">
        <strong>{t(PROVIDER_KEY[profile.provider])}</strong> <span class="mono small">{profile.url}</span>{' '}
        <span class={`tag tone-${toneOf(state)}`}>{t(STATE_KEY[state])}</span>
        <button type="button" class="btn btn-ghost btn-small" onClick={() => void attestation.check()} disabled={attestation.checking.value}>
          <Icon name="refresh" /> {t('attestCheckAgain')}
        </button>
      </p>
      <Field id="gw-label" label={t('gatewayLabel')}>
        <input id="gw-label" value={label} maxLength={80} onInput={(e) => setLabel(e.currentTarget.value)} />
      </Field>
      <Field id="gw-key" label={t('apiKey')} hint={!unlocked ? t('apiKeyLocked') : present ? t('apiKeyStored') : t('apiKeyHint')}>
        <input
          id="gw-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={apiKey}
          disabled={!unlocked}
          placeholder={present ? t('apiKeyStoredPlaceholder') : t('apiKeyPlaceholder')}
          onInput={(e) => setApiKey(e.currentTarget.value)}
          aria-describedby="gw-key-hint"
        />
      </Field>
      <fieldset class="field" aria-describedby="gw-trust-hint">
        <legend>{t('trustSourceLegend')}</legend>
        {kinds.map((k) => (
          <label class="check-row" key={k}>
            <input type="radio" name="gw-trust" value={k} checked={trust.kind === k} onChange={() => setTrust(k === 'releases' ? { kind: 'releases', repo } : k === 'pinned' ? { kind: 'pinned', values: [] } : { kind: k })} />
            <span>{t(`trustSource_${k}`)}</span>
          </label>
        ))}
        <p id="gw-trust-hint" class="hint">
          {t(`trustSourceHint_${trust.kind}`)}
        </p>
      </fieldset>
      {trust.kind === 'releases' && (
        <Field id="gw-repo" label={t('trustRepoLabel')} error={repoBad ? t('trustRepoBad') : null} hint={t('trustRepoHint')}>
          <input id="gw-repo" spellcheck={false} placeholder="owner/name" value={repo} onInput={(e) => setRepo(e.currentTarget.value)} aria-invalid={repoBad ? 'true' : undefined} aria-describedby="gw-repo-hint" />
        </Field>
      )}
      {trust.kind === 'pinned' && (
        <Field
          id="gw-pinned"
          label={profile.provider === 'privatemode' ? t('trustPinnedManifestLabel') : t('trustMeasurements')}
          error={pinnedParsed.invalid.length ? t('trustMeasurementsBad', [pinnedParsed.invalid.join(', ')]) : null}
          hint={t('trustMeasurementsHint')}
        >
          <textarea
            id="gw-pinned"
            class="mono"
            rows={3}
            spellcheck={false}
            value={pinned}
            onInput={(e) => setPinned(e.currentTarget.value)}
            aria-invalid={pinnedBad ? 'true' : undefined}
            aria-describedby="gw-pinned-hint"
          />
        </Field>
      )}
      {trust.kind === 'none' && <CheckField id="gw-unknown" label={t('allowUnknownLabel')} hint={t('allowUnknownHint')} checked={allowUnknown} onChange={setAllowUnknown} warn={allowUnknown} />}
      {loopback && <CheckField id="gw-dev" label={t('trustDev')} hint={t('trustDevExplain')} checked={development} onChange={setDevelopment} warn={development} />}
    </SettingsForm>
  );
}

// ---- adding one ------------------------------------------------------------------------------------

function AddGateway({ settings, library, busy, status, run }: GatewaysSectionProps) {
  const [provider, setProvider] = useState<ProviderKind>('confidant');
  const [address, setAddress] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [development, setDevelopment] = useState(false);
  const [manifestUrl, setManifestUrl] = useState(PROVIDER_DEFAULTS.privatemode.manifestUrl!);
  const [tried, setTried] = useState(false);
  const parsed = parseGatewayUrl(address);
  const loopback = parsed.ok && parsed.loopback;
  // The manifest address follows the same rule as the API's: https, or http on this machine.
  const manifest = parseGatewayUrl(manifestUrl);
  return (
    <SettingsForm
      id="addGateway"
      title={t('gatewayAddTitle')}
      explain={t('gatewayAddExplain')}
      busy={busy === 'addGateway'}
      status={status('addGateway')}
      saveLabel={t('gatewayAdd')}
      onSubmit={() => {
        setTried(true);
        if (!parsed.ok || (provider === 'privatemode' && !manifest.ok)) return;
        // The permission request must come first, straight from this click (in addGateway).
        run('addGateway', () =>
          settings
            .addGateway({
              provider,
              url: address,
              apiKey: library.unlocked.value ? apiKey : null,
              development: development && parsed.loopback,
              ...(provider === 'privatemode' && manifest.ok ? { manifestUrl: manifest.url } : {}),
            })
            .then((ok) => {
            if (ok) {
              setAddress('');
              setApiKey('');
              setTried(false);
            }
            return ok;
          }),
        );
      }}
    >
      <Field id="add-provider" label={t('providerLabel')} hint={t(`providerHint_${provider}`)}>
        <select
          id="add-provider"
          value={provider}
          aria-describedby="add-provider-hint"
          onChange={(e) => {
            const p = e.currentTarget.value as ProviderKind;
            setProvider(p);
            setAddress(PROVIDER_DEFAULTS[p].url ?? '');
          }}
        >
          {PROVIDER_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(PROVIDER_KEY[k])}
            </option>
          ))}
        </select>
      </Field>
      <GatewayFields idPrefix="add" address={address} onAddress={setAddress} parsed={parsed} tried={tried} apiKey={apiKey} onApiKey={setApiKey} unlocked={library.unlocked.value} />
      {provider === 'privatemode' && (
        <Field id="add-manifest" label={t('manifestUrlLabel')} hint={tried && !manifest.ok ? null : t('manifestUrlHint')} error={tried && !manifest.ok ? t(manifest.errorKey) : null}>
          <input id="add-manifest" type="url" inputMode="url" autocomplete="off" spellcheck={false} value={manifestUrl} onInput={(e) => setManifestUrl(e.currentTarget.value)} aria-describedby="add-manifest-hint" />
        </Field>
      )}
      {loopback && <CheckField id="add-dev" label={t('trustDev')} hint={t('trustDevExplain')} checked={development} onChange={setDevelopment} warn={development} />}
      {settings.permissionTimedOut.value && (
        <p class="hint warn" role="status">
          {t('gatewayErrPermissionTimeout')}
        </p>
      )}
      {busy === 'addGateway' && (
        <p class="muted small" role="status">
          <Spinner /> {t('gatewayAdding')}
        </p>
      )}
    </SettingsForm>
  );
}
