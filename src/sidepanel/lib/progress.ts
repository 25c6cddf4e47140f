/** Engine progress (model download, embedding, unlocking) in words and numbers. */
import type { Progress } from '../../messaging/library.ts';

export const TASK_KEY: Record<string, string> = {
  model: 'taskModel',
  embed: 'taskEmbed',
  unlock: 'taskUnlock',
  reembed: 'taskReembed',
  import: 'taskImport',
};

export function taskKey(task: string): string {
  return TASK_KEY[task] ?? 'taskWorking';
}

/** 0..100, or null when the total is unknown. */
export function percentOf(p: Progress): number | null {
  if (!(p.total > 0)) return null;
  return Math.max(0, Math.min(100, Math.round((p.done / p.total) * 100)));
}

export function isFinished(p: Progress): boolean {
  return p.total > 0 && p.done >= p.total;
}
