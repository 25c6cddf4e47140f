import { type ErrorData, fromErrorData, toErrorData } from '../core/errors.ts';

/**
 * Every request across a context boundary gets a Reply: failures travel as data with a
 * stable code, so an exception never silently closes a channel and the receiver can
 * `switch (error.code)`.
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export async function toReply<T>(work: () => Promise<T> | T): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    return { ok: false, error: toErrorData(e) };
  }
}

/** Unwrap a reply, rethrowing its error as a ConfidantError carrying the same code. */
export function unwrap<T>(reply: Reply<T> | undefined, what: string): T {
  if (!reply || typeof reply !== 'object' || !('ok' in reply)) {
    throw fromErrorData({ name: 'ConfidantError', code: 'E_INTERNAL', message: `No reply to ${what}.` });
  }
  if (reply.ok) return reply.value;
  throw fromErrorData(reply.error);
}
