/**
 * Says how the passages were chosen when it was not by meaning: without the embedding model a
 * short page goes whole and a long one is searched by its words; a long page still being embedded
 * is searched by its words meanwhile. The person should know.
 */
import type { Retrieval } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';

const NOTE_KEY: Record<Exclude<Retrieval, 'hybrid'>, string> = {
  'whole-page': 'retrievalWholePage',
  keywords: 'retrievalKeywords',
  'keywords-embedding': 'retrievalEmbedding',
};

export function RetrievalNote({ retrieval }: { retrieval: Retrieval }) {
  if (retrieval === 'hybrid') return null;
  return (
    <p class="muted small retrieval-note" data-testid="retrieval-note">
      <Icon name="info" size={14} /> {t(NOTE_KEY[retrieval])}
    </p>
  );
}
