/**
 * The question box: "Ask" (Enter sends, Shift+Enter is a new line, Esc stops), the scope
 * (this page, library, both), and Send — or Stop while an answer is on its way.
 */
import { useEffect, useRef } from 'preact/hooks';
import { Icon } from '../../components/Icon.tsx';
import { Segmented } from '../../components/Segmented.tsx';
import { t } from '../../i18n.ts';
import { ASK_SCOPES, composerKey, SCOPE_KEY, type AskScope } from '../../lib/chat.ts';
import { formatNumber, siteOf } from '../../lib/format.ts';
import type { PendingSelection, TabInfo } from '../../../messaging/panel-api.ts';

export interface ComposerProps {
  draft: string;
  onDraft: (text: string) => void;
  scope: AskScope;
  onScope: (scope: AskScope) => void;
  /** Something runs that Stop can stop. */
  running: boolean;
  /** Waiting for the person to confirm what will be sent: Stop reads "Cancel". */
  confirming?: boolean;
  onSend: () => void;
  onStop: () => void;
  /** Asking is not possible right now (the reason is shown above). */
  blocked?: boolean;
  /** Focus the box when this number changes (new chat, suggestion chosen). */
  focusToken?: number;
  /** A selection the context menu asked about: offered as a scope, and named while chosen. */
  selection?: PendingSelection | null;
  onClearSelection?: () => void;
  /** Tabs chosen to ask about together: offered as a scope, and named while chosen. */
  tabs?: readonly TabInfo[];
  onClearTabs?: () => void;
  /** Opens the choice of tabs ("Ask about several tabs"). */
  onPickTabs?: () => void;
}

const PLACEHOLDER_KEY: Record<AskScope, string> = {
  page: 'askPlaceholderPage',
  both: 'askPlaceholderPage',
  library: 'askPlaceholderLibrary',
  selection: 'askPlaceholderSelection',
  tabs: 'askPlaceholderTabs',
};

export function Composer({ draft, onDraft, scope, onScope, running, confirming, onSend, onStop, blocked, focusToken, selection, onClearSelection, tabs = [], onClearTabs, onPickTabs }: ComposerProps) {
  const scopes: AskScope[] = [...ASK_SCOPES];
  if (selection) scopes.push('selection');
  if (tabs.length) scopes.push('tabs');
  const box = useRef<HTMLTextAreaElement>(null);
  const empty = !draft.trim();

  // Grow with the text, up to a limit (then it scrolls).
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [draft]);

  useEffect(() => {
    if (focusToken) box.current?.focus();
  }, [focusToken]);

  function send() {
    if (empty || running || blocked) return;
    onSend();
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <Segmented<AskScope>
        label={t('scopeLabel')}
        value={scope}
        onChange={onScope}
        options={scopes.map((s) => ({ value: s, label: t(SCOPE_KEY[s]), title: t(`${SCOPE_KEY[s]}Title`) }))}
      />
      {onPickTabs && (
        <button type="button" class="link-btn small pick-tabs" onClick={onPickTabs} disabled={running}>
          {tabs.length ? t('tabsChange') : t('tabsPick')}
        </button>
      )}
      {tabs.length > 0 && scope === 'tabs' && (
        <p class="selection-chip" data-testid="tabs-chip">
          <span>{t('tabsChip', [formatNumber(tabs.length), tabs.map((x) => x.title || siteOf(x.url ?? '') || '—').join(', ')])}</span>
          <button type="button" class="icon-btn" aria-label={t('tabsClear')} title={t('tabsClear')} onClick={onClearTabs}>
            <Icon name="x" size={14} />
          </button>
        </p>
      )}
      {selection && scope === 'selection' && (
        <p class="selection-chip" data-testid="selection-chip">
          <span>{t('selectionChip', [selection.title || siteOf(selection.url) || '—', formatNumber(selection.chars)])}</span>
          <button type="button" class="icon-btn" aria-label={t('selectionClear')} title={t('selectionClear')} onClick={onClearSelection}>
            <Icon name="x" size={14} />
          </button>
        </p>
      )}
      <div class="composer-box">
        <label for="ask-input" class="sr-only">
          {t('askLabel')}
        </label>
        <textarea
          id="ask-input"
          ref={box}
          rows={1}
          value={draft}
          placeholder={t(PLACEHOLDER_KEY[scope])}
          aria-describedby="ask-hint"
          onInput={(e) => onDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            const action = composerKey(e);
            if (action === 'send') {
              e.preventDefault();
              send();
            } else if (action === 'stop' && running) {
              e.preventDefault();
              onStop();
            }
          }}
        />
        {running ? (
          <button type="button" class={confirming ? 'btn' : 'btn btn-stop'} onClick={onStop} data-testid="stop">
            <Icon name={confirming ? 'x' : 'stop'} /> {confirming ? t('cancel') : t('stop')}
          </button>
        ) : (
          <button type="submit" class="btn btn-primary btn-send" aria-disabled={empty || blocked ? 'true' : undefined} data-testid="send">
            <Icon name="send" /> {t('send')}
          </button>
        )}
      </div>
      <p id="ask-hint" class="composer-hint">
        {t('askHint')}
      </p>
    </form>
  );
}
