/** The panel's shell (the one view that reads every model, so it sits beside main.tsx, not in components/): header (title, attestation, lock), view tabs, the current view, the attestation details. */
import type { AppDeps, AppModel } from './models/app.ts';
import type { View } from './models/nav.ts';
import { AskView } from './features/ask/AskView.tsx';
import { HistoryView } from './features/ask/HistoryView.tsx';
import { AttestationButton } from './features/attestation/AttestationButton.tsx';
import { AttestationDialog } from './features/attestation/AttestationDialog.tsx';
import { LibraryView } from './features/library/LibraryView.tsx';
import { Onboarding } from './features/onboarding/Onboarding.tsx';
import { SettingsView } from './features/settings/SettingsView.tsx';
import { t } from './i18n.ts';
import { EngineLine } from './components/EngineLine.tsx';
import { SuccessNotice } from './components/ErrorNotice.tsx';
import { Icon, type IconName } from './components/Icon.tsx';
import { Spinner } from './components/Progress.tsx';

/** The app model plus the models it was built from. */
export interface AppProps extends AppDeps {
  app: AppModel;
}

const TABS: { view: View; key: string; icon: IconName }[] = [
  { view: 'ask', key: 'tabAsk', icon: 'chat' },
  { view: 'library', key: 'tabLibrary', icon: 'book' },
  { view: 'settings', key: 'tabSettings', icon: 'settings' },
];

function Logo() {
  return (
    <svg class="logo" width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 2.5l8 3.3v5.6c0 5-3.4 9.4-8 10.9-4.6-1.5-8-5.9-8-10.9V5.8l8-3.3z" fill="currentColor" opacity=".16" />
      <path d="M12 2.5l8 3.3v5.6c0 5-3.4 9.4-8 10.9-4.6-1.5-8-5.9-8-10.9V5.8l8-3.3z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
      <circle cx="12" cy="10.5" r="2.2" fill="currentColor" />
      <path d="M12 12.5v4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </svg>
  );
}

export function App(props: AppProps) {
  const { app, engine, settings, attestation, library, chat, onboarding, nav } = props;
  const lib = library.state.value;
  const inOnboarding = onboarding.needed.value === true;
  const view = nav.view.value;
  const activeTab: View = view === 'history' ? 'ask' : view;

  function toggleLock() {
    if (!lib) return;
    if (lib.unlocked) {
      chat.stop();
      void library.lock();
    } else {
      if (nav.view.value === 'settings') nav.show('library');
      setTimeout(() => document.getElementById('unlock-pass')?.focus() ?? document.querySelector<HTMLElement>('[data-testid=unlock-card] button')?.focus(), 0);
    }
  }

  return (
    <>
      <a class="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header class="app-header">
        <div class="brand">
          <Logo />
          <h1>{t('panelTitle')}</h1>
        </div>
        <AttestationButton state={attestation.state.value} onOpen={() => (nav.attestationOpen.value = true)} />
        {lib?.initialized && !inOnboarding && (
          <button
            type="button"
            class={lib.unlocked ? 'icon-btn' : 'icon-btn locked'}
            aria-label={lib.unlocked ? t('lockLibrary') : t('unlockLibrary')}
            title={lib.unlocked ? t('lockLibrary') : t('unlockLibrary')}
            onClick={toggleLock}
            data-testid="lock-toggle"
          >
            <Icon name={lib.unlocked ? 'unlock' : 'lock'} />
          </button>
        )}
      </header>
      {app.ready.value && !inOnboarding && (
        <nav class="tabs" aria-label={t('viewsLabel')}>
          {TABS.map((tab) => (
            <button
              type="button"
              key={tab.view}
              class={activeTab === tab.view ? 'tab on' : 'tab'}
              aria-current={activeTab === tab.view ? 'page' : undefined}
              onClick={() => nav.show(tab.view)}
            >
              <Icon name={tab.icon} /> <span>{t(tab.key)}</span>
            </button>
          ))}
        </nav>
      )}
      {library.menuNotice.value && !inOnboarding && (
        <div class="menu-notice">
          {library.menuNotice.value.level === 'info' ? (
            <SuccessNotice text={library.menuNotice.value.text} onDismiss={() => (library.menuNotice.value = null)} />
          ) : (
            <div class="notice notice-error" role="alert">
              <Icon name="alert" class="notice-icon" />
              <div class="notice-body">
                <p class="notice-text">{library.menuNotice.value.text}</p>
              </div>
              <button type="button" class="icon-btn notice-close" aria-label={t('dismiss')} title={t('dismiss')} onClick={() => (library.menuNotice.value = null)}>
                <Icon name="x" />
              </button>
            </div>
          )}
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {!app.ready.value ? (
          <div class="splash">
            <Spinner label={t('loading')} />
            <EngineLine status={engine.status.value} error={engine.error.value ?? library.error.value?.error ?? null} />
          </div>
        ) : inOnboarding ? (
          <Onboarding onboarding={onboarding} library={library} settings={settings} attestation={attestation} engine={engine} nav={nav} />
        ) : view === 'ask' ? (
          <AskView chat={chat} library={library} attestation={attestation} settings={settings} nav={nav} />
        ) : view === 'history' ? (
          <HistoryView chat={chat} onBack={() => nav.show('ask')} onUnlock={() => nav.show('ask')} />
        ) : view === 'library' ? (
          <LibraryView library={library} nav={nav} />
        ) : (
          <SettingsView settings={settings} library={library} attestation={attestation} engine={engine} nav={nav} onWipe={() => app.wipeEverything()} />
        )}
      </main>
      <AttestationDialog
        open={nav.attestationOpen.value}
        onClose={() => (nav.attestationOpen.value = false)}
        attestation={attestation}
        onOpenSettings={() => {
          if (!inOnboarding) nav.show('settings', 'gateway');
        }}
      />
    </>
  );
}
