/** Conversations kept in the encrypted library: reopen or delete. */
import { useEffect, useState } from 'preact/hooks';
import type { ConversationSummary } from '../../../messaging/views.ts';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { formatRelative } from '../../lib/format.ts';
import type { ChatModel } from '../../models/chat.ts';

export function HistoryView({ chat, onBack, onUnlock }: { chat: ChatModel; onBack: () => void; onUnlock: () => void }) {
  const list = chat.conversations.value;
  const error = chat.conversationsError.value;
  const [confirm, setConfirm] = useState<ConversationSummary | null>(null);
  useEffect(() => {
    void chat.loadConversations();
  }, []);
  const now = Date.now();
  return (
    <section class="view view-history" aria-labelledby="history-h">
      <div class="view-toolbar">
        <button type="button" class="icon-btn" aria-label={t('back')} title={t('back')} onClick={onBack}>
          <Icon name="chevronRight" class="flip" />
        </button>
        <h2 id="history-h">{t('historyTitle')}</h2>
        <button
          type="button"
          class="btn btn-small"
          onClick={() => {
            chat.newChat();
            onBack();
          }}
        >
          <Icon name="plus" /> {t('newChat')}
        </button>
      </div>
      <div class="view-body">
        {error && <ErrorNotice error={error} actions={{ unlock: onUnlock }} />}
        {!list && !error && (
          <p class="muted">
            <Spinner /> {t('loading')}
          </p>
        )}
        {list && list.length === 0 && (
          <div class="empty">
            <Icon name="history" size={28} />
            <p>{t('historyEmpty')}</p>
          </div>
        )}
        {list && list.length > 0 && (
          <ul class="conv-list">
            {list.map((c) => (
              <li key={c.id} class={c.id === chat.conversationId.value ? 'conv current' : 'conv'}>
                <button
                  type="button"
                  class="conv-open"
                  onClick={async () => {
                    if (await chat.openConversation(c.id)) onBack();
                  }}
                >
                  <span class="conv-title">{c.title}</span>
                  <span class="conv-meta">
                    {formatRelative(c.updatedAt, now)} · {c.messages === 1 ? t('messagesOne') : t('messagesMany', [String(c.messages)])}
                  </span>
                </button>
                <button type="button" class="icon-btn" aria-label={t('deleteConversation', [c.title])} title={t('delete')} onClick={() => setConfirm(c)}>
                  <Icon name="trash" />
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={t('deleteConversationTitle')}
        body={<p>{t('deleteConversationBody', [confirm?.title ?? ''])}</p>}
        confirmLabel={t('delete')}
        danger
        onCancel={() => setConfirm(null)}
        onConfirm={async () => {
          const c = confirm;
          setConfirm(null);
          if (c) await chat.deleteConversation(c.id);
        }}
      />
    </section>
  );
}
