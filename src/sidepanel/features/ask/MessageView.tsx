/** One turn: the question, or the answer with its reasoning folded away, citations, sources and receipt. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import { answerAsText } from '../../lib/chat.ts';
import { citedNumbers, splitReasoning } from '../../lib/citations.ts';
import type { NextStep } from '../../lib/errors.ts';
import type { ChatMessage, CiteOutcome } from '../../models/chat.ts';
import { ReceiptView } from './Receipt.tsx';
import { RetrievalNote } from './RetrievalNote.tsx';
import { Sources } from './Sources.tsx';

export interface MessageViewProps {
  message: ChatMessage;
  /** The question this answers (what was sent with the passages), to flag links that carry it. */
  question?: string;
  /** The last answer may be regenerated. */
  canRegenerate: boolean;
  onRegenerate: () => void;
  onCite: (n: number) => Promise<CiteOutcome>;
  onCopy: (text: string) => Promise<boolean>;
  errorActions: Partial<Record<NextStep, () => void>>;
}

const OUTCOME_KEY: Record<CiteOutcome, string> = {
  highlighted: 'citeHighlighted',
  notFound: 'citeNotFound',
  opened: 'citeOpened',
  noSource: 'citeNoSource',
  failed: 'citeFailed',
};

export function MessageView({ message, question = '', canRegenerate, onRegenerate, onCite, onCopy, errorActions }: MessageViewProps) {
  const [expanded, setExpanded] = useState<number | null>(null);
  const [announce, setAnnounce] = useState('');
  const [copied, setCopied] = useState(false);
  // Say when a streamed answer is complete (the text itself is not read out token by token).
  const wasStreaming = useRef(message.status === 'streaming');
  useEffect(() => {
    if (wasStreaming.current && message.status === 'done') setAnnounce(t('answerReady'));
    wasStreaming.current = message.status === 'streaming';
  }, [message.status]);

  // What was sent with this answer's question: links in the answer carrying it are flagged.
  const sentTexts = useMemo(() => [question, ...message.passages.map((p) => p.text)], [question, message.passages]);

  if (message.role === 'user') {
    return (
      <div class="msg msg-user">
        <h3 class="sr-only">{t('youAsked')}</h3>
        <p class="bubble">{message.content}</p>
      </div>
    );
  }

  const inline = splitReasoning(message.content);
  const reasoning = [message.reasoning, inline.reasoning].filter(Boolean).join('\n\n');
  const answer = inline.answer;
  const streaming = message.status === 'streaming';
  const count = message.passages.length;
  const cited = citedNumbers(answer, count);
  const idPrefix = `m${message.id}`;

  async function cite(n: number) {
    const outcome = await onCite(n);
    if (outcome !== 'highlighted' && outcome !== 'opened') setExpanded(n);
    const title = message.passages[n - 1]?.title ?? '';
    setAnnounce(t(OUTCOME_KEY[outcome], [String(n), title]));
  }

  return (
    <article class={`msg msg-answer status-${message.status}`} aria-busy={streaming ? 'true' : undefined} data-testid="answer">
      <h3 class="sr-only">{t('answerHeading')}</h3>
      {reasoning && (
        <details class="reasoning">
          <summary>
            {streaming && !answer ? <Spinner /> : <Icon name="sparkle" />} {t('reasoning')}
          </summary>
          <div class="reasoning-body">
            <Markdown text={reasoning} sent={sentTexts} />
          </div>
        </details>
      )}
      {answer ? (
        <Markdown text={answer} citations={count} onCite={(n) => void cite(n)} citeLabel={(n) => t('citeLabelTitled', [String(n), message.passages[n - 1]?.title ?? ''])} sent={sentTexts} />
      ) : streaming ? (
        <p class="muted status-text">
          <Spinner /> {t(message.statusText ?? 'phaseSending')}
        </p>
      ) : null}
      {streaming && answer && <span class="caret" aria-hidden="true" />}
      {message.status === 'stopped' && <p class="tag">{t('stopped')}</p>}
      {message.error && (
        <ErrorNotice error={message.error} retryAt={message.retryAt} actions={{ ...errorActions, ...(canRegenerate ? { retry: onRegenerate } : {}) }} />
      )}
      <p class="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      {count > 0 && !(message.error && !answer) && <RetrievalNote retrieval={message.retrieval} />}
      {count > 0 && !(message.error && !answer) && (
        <Sources
          passages={message.passages}
          cited={cited}
          expanded={expanded}
          idPrefix={idPrefix}
          onOpen={(n) => void cite(n)}
        />
      )}
      {!streaming && (
        <div class="msg-actions">
          {answer && (
            <button
              type="button"
              class="btn btn-ghost btn-small"
              onClick={async () => {
                const ok = await onCopy(answerAsText(answer, message.passages));
                setCopied(ok);
                setAnnounce(ok ? t('copied') : t('copyFailed'));
                if (ok) setTimeout(() => setCopied(false), 2000);
              }}
            >
              <Icon name={copied ? 'check' : 'copy'} /> {copied ? t('copied') : t('copy')}
            </button>
          )}
          {canRegenerate && !message.error && (
            <button type="button" class="btn btn-ghost btn-small" onClick={onRegenerate}>
              <Icon name="refresh" /> {t('regenerate')}
            </button>
          )}
        </div>
      )}
      {message.receipt && <ReceiptView receipt={message.receipt} />}
    </article>
  );
}
