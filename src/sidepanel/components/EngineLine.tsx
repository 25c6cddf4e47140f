/** One line saying the local engine (SQLite + sqlite-vec on this device) is up, or why not. */
import type { ErrorData } from '../../core/errors.ts';
import type { EngineStatus } from '../../messaging/engine-api.ts';
import { t } from '../i18n.ts';
import { Icon } from './Icon.tsx';

export function EngineLine({ status, error }: { status: EngineStatus | null; error: ErrorData | null }) {
  return (
    <p class="engine-line" role="status" data-testid="engine-status">
      <Icon name="device" />{' '}
      {error ? <span class="error">{error.message}</span> : status ? <span>{t('engineReady', [status.sqliteVersion, status.vecVersion])}</span> : <span>{t('engineStarting')}</span>}
    </p>
  );
}
