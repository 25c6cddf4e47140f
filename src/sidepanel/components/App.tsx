import type { EngineModel } from '../models/engine.ts';
import { t } from '../i18n.ts';

export function App({ engine }: { engine: EngineModel }) {
  const status = engine.status.value;
  const error = engine.error.value;
  return (
    <>
      <header class="app-header">
        <h1>{t('panelTitle')}</h1>
      </header>
      <main>
        <p class="status-line" role="status" data-testid="engine-status">
          {error ? (
            <span class="error">{error.message}</span>
          ) : status ? (
            `Library engine ready: SQLite ${status.sqliteVersion}, sqlite-vec ${status.vecVersion}`
          ) : (
            'Starting the library engine…'
          )}
        </p>
      </main>
    </>
  );
}
