/** Progress: a bar with its words, and a small spinner for steps without a known size. */
import type { Progress } from '../../messaging/library.ts';
import { t } from '../i18n.ts';
import { formatBytes } from '../lib/format.ts';
import { percentOf, taskKey } from '../lib/progress.ts';

export function Spinner({ label }: { label?: string }) {
  return <span class="spinner" role={label ? 'img' : undefined} aria-label={label} aria-hidden={label ? undefined : 'true'} />;
}

export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  return (
    <div class="progress">
      <progress max={100} value={value ?? undefined} aria-label={label} />
    </div>
  );
}

/** Engine progress (model download, embedding, unlocking) in words, with a bar. */
export function EngineProgress({ progress }: { progress: Progress }) {
  const pct = percentOf(progress);
  const what = t(taskKey(progress.task));
  const amount =
    progress.task === 'model'
      ? progress.total > 0
        ? t('progressBytes', [formatBytes(progress.done), formatBytes(progress.total)])
        : formatBytes(progress.done)
      : progress.total > 0
        ? t('progressCount', [String(progress.done), String(progress.total)])
        : '';
  return (
    <div class="engine-progress" role="status" aria-live="polite">
      <div class="engine-progress-words">
        <span>{what}</span>
        <span class="muted">{pct !== null ? `${amount} · ${pct}%` : amount}</span>
      </div>
      <ProgressBar value={pct} label={what} />
    </div>
  );
}
