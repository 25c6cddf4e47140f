/**
 * Settings, one section per file, each saving on its own with a Save button named for it:
 * gateways (and their trust sources), the hardware trust policy, answers, the embedding model,
 * privacy and locking, the passphrase, wiping everything, and about.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../../../core/settings/settings.ts';
import { ErrorNotice, SuccessNotice } from '../../components/ErrorNotice.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import type { AttestationModel } from '../../models/attestation.ts';
import type { EngineModel } from '../../models/engine.ts';
import type { LibraryModel } from '../../models/library.ts';
import type { NavModel } from '../../models/nav.ts';
import type { SettingsModel } from '../../models/settings.ts';
import { AboutSection } from './AboutSection.tsx';
import { AnswersSection } from './AnswersSection.tsx';
import { GatewaysSection } from './GatewaysSection.tsx';
import { ModelSection } from './ModelSection.tsx';
import { PassphraseSection } from './PassphraseSection.tsx';
import { PrivacySection } from './PrivacySection.tsx';
import { TrustPolicySection } from './TrustPolicySection.tsx';
import { WipeSection } from './WipeSection.tsx';

export interface SettingsViewProps {
  settings: SettingsModel;
  library: LibraryModel;
  attestation: AttestationModel;
  engine: EngineModel;
  nav: NavModel;
  onWipe: () => Promise<boolean>;
}

type FormId = 'gateway' | 'addGateway' | 'trust' | 'answers' | 'privacy';

export function SettingsView({ settings, library, attestation, engine, nav, onWipe }: SettingsViewProps) {
  const s = settings.settings.value;
  const [active, setActive] = useState<FormId | null>(null);
  const [saved, setSaved] = useState<FormId | null>(null);

  useEffect(() => {
    const section = nav.focusSection.value;
    if (!section) return;
    const el = document.getElementById(`settings-${section}`);
    el?.scrollIntoView({ block: 'start' });
    el?.querySelector<HTMLElement>('input, textarea, select, button')?.focus();
    nav.focusSection.value = null;
  }, [nav.focusSection.value]);

  async function run(form: FormId, work: () => Promise<boolean>): Promise<void> {
    if (settings.saving.value) return;
    setActive(form);
    setSaved(null);
    if (await work()) setSaved(form);
  }

  const status = (form: FormId) => (
    <>
      {active === form && settings.saveError.value && <ErrorNotice error={settings.saveError.value} actions={{ retry: () => settings.clearStatus() }} onDismiss={() => settings.clearStatus()} />}
      {saved === form && !settings.saveError.value && <SuccessNotice text={t('settingsSaved')} onDismiss={() => setSaved(null)} />}
    </>
  );
  const busy = (form: FormId) => settings.saving.value && active === form;
  const section = (form: FormId) => ({ busy: busy(form), status: status(form), onSave: (patch: Partial<Settings>) => void run(form, () => settings.save(patch)) });

  return (
    <section class="view" aria-labelledby="settings-h">
      <div class="view-toolbar">
        <h2 id="settings-h">{t('settingsTitle')}</h2>
      </div>
      <div class="view-body settings">
        {settings.loadError.value && <ErrorNotice error={settings.loadError.value} actions={{ retry: () => void settings.load() }} />}
        {s ? (
          <>
            <GatewaysSection
              settings={settings}
              library={library}
              attestation={attestation}
              busy={busy('gateway') ? 'gateway' : busy('addGateway') ? 'addGateway' : null}
              status={(f) => status(f)}
              run={(f, work) => void run(f, work)}
            />
            <TrustPolicySection s={s} {...section('trust')} />
            <AnswersSection s={s} {...section('answers')} />
          </>
        ) : (
          !settings.loadError.value && (
            <p class="muted">
              <Spinner /> {t('loading')}
            </p>
          )
        )}
        <ModelSection library={library} />
        {s && <PrivacySection s={s} {...section('privacy')} />}
        <PassphraseSection library={library} />
        <WipeSection onWipe={onWipe} busy={library.busy.value === 'wipe'} />
        <AboutSection engine={engine} />
      </div>
    </section>
  );
}
