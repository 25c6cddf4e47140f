/** The version, the engine and where the library lives. */
import { t } from '../../i18n.ts';
import type { EngineModel } from '../../models/engine.ts';

export function AboutSection({ engine }: { engine: EngineModel }) {
  const status = engine.status.value;
  return (
    <section class="section" aria-labelledby="about-h">
      <h3 id="about-h">{t('aboutTitle')}</h3>
      <dl class="facts">
        <div class="fact">
          <dt>{t('aboutVersion')}</dt>
          <dd>{engine.version.value ?? '—'}</dd>
        </div>
        <div class="fact">
          <dt>{t('aboutEngine')}</dt>
          <dd>{status ? t('engineReadyShort', [status.sqliteVersion, status.vecVersion]) : engine.error.value ? engine.error.value.message : t('loading')}</dd>
        </div>
        {status && (
          <div class="fact">
            <dt>{t('aboutStorage')}</dt>
            <dd>
              {status.vfs} · {status.crossOriginIsolated ? t('aboutIsolated') : t('aboutNotIsolated')}
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
