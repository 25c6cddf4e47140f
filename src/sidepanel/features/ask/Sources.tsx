/** The passages an answer was given, numbered as the answer cites them; each passage on demand. */
import type { Passage } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';
import { sourcesOf } from '../../lib/chat.ts';

export interface SourcesProps {
  passages: Passage[];
  /** Numbers the answer cites (others were sent but not cited). */
  cited: number[];
  /** The source whose passage is shown open (after a citation click). */
  expanded: number | null;
  onOpen: (n: number) => void;
  idPrefix: string;
}

export function Sources({ passages, cited, expanded, onOpen, idPrefix }: SourcesProps) {
  const sources = sourcesOf(passages);
  return (
    <details class="sources" open={expanded !== null || undefined}>
      <summary>
        <Icon name="book" /> {sources.length === 1 ? t('sourcesOne') : t('sourcesMany', [String(sources.length)])}
      </summary>
      <ol class="source-list">
        {sources.map((s) => (
          <li key={s.n} id={`${idPrefix}-src-${s.n}`} class={cited.includes(s.n) ? 'source cited' : 'source'}>
            <span class="source-num" aria-hidden="true">
              {s.n}
            </span>
            <div class="source-main">
              <button type="button" class="link-btn source-title" onClick={() => onOpen(s.n)} title={s.url ?? undefined}>
                <span class="sr-only">{t('citeLabel', [String(s.n)])}: </span>
                {s.title}
                {s.url && <Icon name="external" size={12} />}
              </button>
              <span class="source-meta">{[s.site ?? t('sourceLocal'), s.heading].filter(Boolean).join(' · ')}</span>
              <details class="passage" open={expanded === s.n || undefined}>
                <summary>{t('showPassage')}</summary>
                <blockquote>{s.text}</blockquote>
              </details>
            </div>
          </li>
        ))}
      </ol>
    </details>
  );
}
