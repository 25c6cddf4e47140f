/**
 * Says how the passages were chosen when it was not by meaning: without the embedding model a
 * short page goes whole and a long one is searched by its words, and the person should know.
 */
import type { Retrieval } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';

export function RetrievalNote({ retrieval }: { retrieval: Retrieval }) {
  if (retrieval === 'hybrid') return null;
  return (
    <p class="muted small retrieval-note" data-testid="retrieval-note">
      <Icon name="info" size={14} /> {t(retrieval === 'whole-page' ? 'retrievalWholePage' : 'retrievalKeywords')}
    </p>
  );
}
