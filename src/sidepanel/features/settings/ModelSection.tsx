/** The embedding model: which, whether it is on this device, and downloading it. */
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Icon } from '../../components/Icon.tsx';
import { ModelFolderButton } from '../../components/ModelFolderButton.tsx';
import { EngineProgress, Spinner } from '../../components/Progress.tsx';
import { t } from '../../i18n.ts';
import type { EmbedBackend } from '../../../messaging/engine-api.ts';
import type { LibraryModel } from '../../models/library.ts';

function backendText(b: EmbedBackend): string {
  const threads = t(b.threads === 1 ? 'modelThreadsOne' : 'modelThreadsMany', [String(b.threads)]);
  return b.device === 'webgpu' ? t('modelOnGpu', [b.adapter ?? '']) : t('modelOnCpu', [threads]);
}

export function ModelSection({ library }: { library: LibraryModel }) {
  const model = library.model.value;
  const err = library.error.value?.action === 'model' ? library.error.value.error : null;
  const stateKey = !model ? 'loading' : model.state === 'ready' ? 'modelReady' : model.state === 'loading' ? 'modelLoading' : model.state === 'error' ? 'modelError' : 'modelNotLoaded';
  return (
    <section class="section" id="settings-model" aria-labelledby="model-h">
      <h3 id="model-h">{t('modelTitle')}</h3>
      <p class="muted small">{t('modelExplain')}</p>
      <dl class="facts">
        <div class="fact">
          <dt>{t('modelName')}</dt>
          <dd class="mono">{model?.modelId ?? '—'}</dd>
        </div>
        <div class="fact">
          <dt>{t('modelState')}</dt>
          <dd>
            {t(stateKey)}
            {model?.dims ? ` · ${t('modelDims', [String(model.dims)])}` : ''}
          </dd>
        </div>
        {model?.backend && (
          <div class="fact" data-testid="model-backend">
            <dt>{t('modelBackend')}</dt>
            <dd>{backendText(model.backend)}</dd>
          </div>
        )}
      </dl>
      {model?.backend?.fallback && <p class="muted small" data-testid="model-backend-fallback">{model.backend.fallback}</p>}
      {model?.state === 'error' && model.error && <p class="field-error">{model.error}</p>}
      {library.progress.value?.task === 'model' && <EngineProgress progress={library.progress.value} />}
      {err && <ErrorNotice error={err} />}
      {model?.state !== 'ready' && (
        <div class="row-actions">
          <button type="button" class="btn btn-primary" onClick={() => void library.loadModel()} disabled={model?.state === 'loading' || !model}>
            {model?.state === 'loading' ? <Spinner /> : <Icon name="download" />} {t('modelDownload')}
          </button>
          <ModelFolderButton library={library} disabled={model?.state === 'loading' || !model} />
        </div>
      )}
      {model?.state !== 'ready' && <p class="muted small">{t('modelFromFolderHint')}</p>}
    </section>
  );
}
