/** The saved documents: title, site, date and size; open the source, delete. */
import type { DocSummary } from '../../../messaging/library.ts';
import { Icon } from '../../components/Icon.tsx';
import { t } from '../../i18n.ts';
import { formatBytes, formatDate } from '../../lib/format.ts';

export interface DocListProps {
  docs: DocSummary[];
  onOpen: (doc: DocSummary) => void;
  onDelete: (doc: DocSummary) => void;
}

export function DocList({ docs, onOpen, onDelete }: DocListProps) {
  return (
    <ul class="doc-list" data-testid="doc-list">
      {docs.map((d) => (
        <li key={d.id} class="doc">
          <span class="doc-icon" aria-hidden="true">
            <Icon name={d.kind === 'file' ? 'file' : 'page'} />
          </span>
          <div class="doc-main">
            <button type="button" class="link-btn doc-title" onClick={() => onOpen(d)} title={d.url ?? t('openText')}>
              {d.title}
            </button>
            <span class="doc-meta">
              {[d.site ?? (d.kind === 'file' ? t('kindFile') : t('kindPage')), formatDate(d.createdAt), formatBytes(d.bytes)].join(' · ')}
            </span>
          </div>
          <button type="button" class="icon-btn" aria-label={t('deleteDoc', [d.title])} title={t('delete')} onClick={() => onDelete(d)}>
            <Icon name="trash" />
          </button>
        </li>
      ))}
    </ul>
  );
}
