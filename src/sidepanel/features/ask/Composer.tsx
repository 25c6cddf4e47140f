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
import type { PendingSelection } from '../../../messaging/panel-api.ts';

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
}

export function Composer({ draft, onDraft, scope, onScope, running, confirming, onSend, onStop, blocked, focusToken, selection, onClearSelection }: ComposerProps) {
  const scopes: readonly AskScope[] = selection ? [...ASK_SCOPES, 'selection'] : ASK_SCOPES;
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
          placeholder={scope === 'library' ? t('askPlaceholderLibrary') : scope === 'selection' ? t('askPlaceholderSelection') : t('askPlaceholderPage')}
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
