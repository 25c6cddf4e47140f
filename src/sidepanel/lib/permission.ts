/** Chrome's permission prompts, which a person may leave unanswered: each ends, one way or another. */
import { ConfidantError } from '../../core/errors.ts';

/** How long the panel waits for the person to answer Chrome's permission prompt. */
export const PERMISSION_TIMEOUT_MS = 60_000;

/**
 * Waits for a permission prompt's answer; refused → E_PERMISSION with `refusedKey`, unanswered
 * for PERMISSION_TIMEOUT_MS → E_PERMISSION with `timeoutKey` (messages the panel localises).
 */
export async function answered(prompt: Promise<boolean>, keys: { refused: string; timeout: string }, onTimeout?: () => void): Promise<true> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), PERMISSION_TIMEOUT_MS)));
  const r = await Promise.race([prompt, timeout]).finally(() => clearTimeout(timer));
  if (r === 'timeout') {
    onTimeout?.();
    throw new ConfidantError('E_PERMISSION', keys.timeout, { messageKey: keys.timeout });
  }
  if (!r) throw new ConfidantError('E_PERMISSION', keys.refused, { messageKey: keys.refused });
  return true;
}
