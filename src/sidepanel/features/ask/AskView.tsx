/** Ask about this page (or the library): the conversation, what will be sent, progress, and the question box. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { EngineProgress, Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { STATE_KEY, toneOf } from '../../lib/attest.ts';
import { PHASE_KEY } from '../../lib/chat.ts';
import type { NextStep } from '../../lib/errors.ts';
import type { AttestationModel } from '../../models/attestation.ts';
import type { ChatModel } from '../../models/chat.ts';
import type { LibraryModel } from '../../models/library.ts';
import type { NavModel } from '../../models/nav.ts';
import type { SettingsModel } from '../../models/settings.ts';
import { UnlockCard } from '../library/UnlockCard.tsx';
import { Composer } from './Composer.tsx';
import { MessageView } from './MessageView.tsx';
import { SendPreview } from './SendPreview.tsx';
import { TabPicker } from './TabPicker.tsx';

export interface AskViewProps {
  chat: ChatModel;
  library: LibraryModel;
  attestation: AttestationModel;
  settings: SettingsModel;
  nav: NavModel;
}

const SUGGESTIONS = ['suggestSummarize', 'suggestKeyPoints', 'suggestSkeptic'] as const;

export function AskView({ chat, library, attestation, settings, nav }: AskViewProps) {
  const messages = chat.messages.value;
  const phase = chat.phase.value;
  const pending = chat.pending.value;
  const libState = library.state.value;
  const locked = libState !== null && !libState.unlocked;
  const state = attestation.state.value;
  const model = library.model.value;
  const scroller = useRef<HTMLDivElement>(null);
  const [focusToken, setFocusToken] = useState(0);

  // Keep the newest text in view while it streams, unless the person scrolled up to read.
  const last = messages[messages.length - 1];
  const stick = useRef(true);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (stick.current || last?.role === 'user' || pending) el.scrollTop = el.scrollHeight;
  }, [messages.length, last?.content.length, last?.reasoning.length, last?.status, pending !== null, phase]);

  const actions: Partial<Record<NextStep, () => void>> = {
    unlock: () => {
      void library.refreshState().then(() => document.getElementById('unlock-pass')?.focus());
    },
    loadModel: () => void library.loadModel(),
    openSettings: () => nav.show('settings', 'gateway'),
    openAttestation: () => (nav.attestationOpen.value = true),
    checkAgain: () => void attestation.check(),
    retry: () => void chat.ask(),
    askLibrary: () => {
      chat.scope.value = 'library';
      void chat.ask();
    },
  };

  const running = chat.busy.value || phase === 'confirm';

  return (
    <section class="view view-ask" aria-labelledby="ask-h">
      <div class="view-toolbar">
        <h2 id="ask-h" class="conv-heading" title={chat.conversationTitle.value ?? undefined}>
          {chat.conversationTitle.value ?? t('askTitle')}
        </h2>
        {chat.unsaved.value && messages.length > 0 && <span class="tag" title={t('unsavedTitle')}>{t('unsaved')}</span>}
        <button type="button" class="icon-btn" aria-label={t('exportMarkdown')} title={t('exportMarkdown')} disabled={messages.length === 0} onClick={() => chat.exportMarkdown()}>
          <Icon name="download" />
        </button>
        <button type="button" class="icon-btn" aria-label={t('historyTitle')} title={t('historyTitle')} onClick={() => nav.show('history')}>
          <Icon name="history" />
        </button>
        <button
          type="button"
          class="icon-btn"
          aria-label={t('newChat')}
          title={t('newChat')}
          disabled={messages.length === 0 && !pending}
          onClick={() => {
            chat.newChat();
            setFocusToken((n) => n + 1);
          }}
        >
          <Icon name="plus" />
        </button>
      </div>

      <div
        class="messages"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        {locked ? (
          <UnlockCard
            protection={libState.protection}
            busy={library.busy.value === 'unlock'}
            error={library.error.value?.action === 'unlock' ? library.error.value.error : null}
            onUnlock={(p) => void library.unlock(p)}
            reason={t('unlockToAsk')}
          />
        ) : messages.length === 0 && !pending ? (
          <div class="welcome">
            <div class="welcome-mark">
              <Icon name="sparkle" size={26} />
            </div>
            <p class="welcome-title">{t('askEmptyTitle')}</p>
            <p class="muted">{t('askEmptyBody')}</p>
            {state === 'not-configured' && (
              <div class="callout">
                <p>{t('askNeedsGateway')}</p>
                <button type="button" class="btn btn-primary btn-small" onClick={() => nav.show('settings', 'gateway')}>
                  {t('stepOpenSettings')}
                </button>
              </div>
            )}
            {model && model.state !== 'ready' && (
              <div class="callout">
                <p>{model.state === 'error' ? t('modelFailed', [model.error ?? '']) : t('askNeedsModel')}</p>
                <button type="button" class="btn btn-small" onClick={() => void library.loadModel()} disabled={model.state === 'loading'}>
                  {model.state === 'loading' ? <Spinner /> : <Icon name="download" />} {t('modelDownload')}
                </button>
              </div>
            )}
            <div class="suggestions">
              {SUGGESTIONS.map((k) => (
                <button
                  type="button"
                  key={k}
                  class="chip"
                  onClick={() => {
                    chat.draft.value = t(k);
                    void chat.ask();
                  }}
                  disabled={running || state === 'not-configured'}
                >
                  {t(k)}
                </button>
              ))}
            </div>
            <ul class="trust-list">
              <li>
                <Icon name="device" /> <span>{t('trustDevice')}</span>
              </li>
              <li>
                <Icon name="lock" /> <span>{libState?.protection === 'passphrase' ? t('trustLibraryPass') : t('trustLibraryDevice')}</span>
              </li>
              <li>
                <Icon name="shield" />{' '}
                <span>
                  {t('trustGateway')}{' '}
                  <button type="button" class={`tag tag-btn tone-${toneOf(state)}`} onClick={() => (nav.attestationOpen.value = true)}>
                    {t(STATE_KEY[state])}
                  </button>
                </span>
              </li>
            </ul>
          </div>
        ) : (
          messages.map((m, i) => (
            <MessageView
              key={m.id}
              message={m}
              question={m.role === 'assistant' ? [...messages.slice(0, i)].reverse().find((x) => x.role === 'user')?.content ?? '' : ''}
              canRegenerate={i === messages.length - 1 && chat.canRegenerate.value}
              onRegenerate={() => chat.regenerate()}
              onCite={(n) => chat.openCitation(m, n)}
              onCopy={(text) => chat.copy(m, text)}
              errorActions={{ openSettings: actions.openSettings!, openAttestation: actions.openAttestation!, checkAgain: actions.checkAgain! }}
            />
          ))
        )}
        {pending && (
          <SendPreview
            pending={pending}
            gatewayUrl={settings.active.value?.url ?? attestation.view.value?.gatewayUrl ?? null}
            attestState={state}
            onToggle={(id) => chat.togglePassage(id)}
            onSend={() => chat.confirmSend()}
            onCancel={() => chat.cancelPending()}
          />
        )}
      </div>

      <div class="composer-area">
        {chat.tabPicker.open.value && (
          <TabPicker
            picker={chat.tabPicker}
            onUse={() =>
              void chat.tabPicker.confirm().then((chosen) => {
                if (chosen) chat.useTabs(chosen);
              })
            }
          />
        )}
        {library.progress.value && <EngineProgress progress={library.progress.value} />}
        <p class="phase" role="status" aria-live="polite" data-testid="phase">
          {phase !== 'idle' && phase !== 'confirm' && (
            <>
              <Spinner /> {t(PHASE_KEY[phase])}
            </>
          )}
          {phase === 'confirm' && t(PHASE_KEY.confirm)}
        </p>
        {chat.error.value && <ErrorNotice error={chat.error.value} actions={actions} onDismiss={() => chat.dismissError()} />}
        {state === 'failed' && !chat.error.value && (
          <p class="attest-warning small">
            <Icon name="shieldX" /> <span>{t('askAttestWarning', [t(STATE_KEY[state])])}</span>{' '}
            <button type="button" class="link-btn" onClick={() => (nav.attestationOpen.value = true)}>
              {t('stepOpenAttestation')}
            </button>
          </p>
        )}
        <Composer
          draft={chat.draft.value}
          onDraft={(v) => (chat.draft.value = v)}
          scope={chat.scope.value}
          onScope={(s) => (chat.scope.value = s)}
          running={running}
          confirming={phase === 'confirm'}
          onSend={() => void chat.ask()}
          onStop={() => chat.stop()}
          blocked={locked}
          focusToken={focusToken + chat.selectionToken.value}
          selection={chat.selection.value}
          onClearSelection={() => chat.clearSelection()}
          tabs={chat.tabs.value}
          onClearTabs={() => chat.clearTabs()}
          onPickTabs={() => void chat.tabPicker.show()}
        />
      </div>
    </section>
  );
}
