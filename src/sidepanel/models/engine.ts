import { signal } from '@preact/signals';
import type { EngineStatus } from '../../messaging/engine-api.ts';
import type { ErrorData } from '../../core/errors.ts';
import { toErrorData } from '../../core/errors.ts';
import type { Transport } from '../transport.ts';

/** The local engine (SQLite + sqlite-vec on OPFS) and the extension's version, for "about" lines. */
export function createEngineModel({ transport }: { transport: Transport }) {
  const status = signal<EngineStatus | null>(null);
  const version = signal<string | null>(null);
  const error = signal<ErrorData | null>(null);
  async function refresh(): Promise<void> {
    try {
      status.value = await transport.request('engine.status', {});
      error.value = null;
    } catch (e) {
      error.value = toErrorData(e);
    }
    try {
      version.value = (await transport.request('bg.ping', {})).version;
    } catch {
      /* shown as unknown */
    }
  }
  return { status, version, error, refresh };
}
export type EngineModel = ReturnType<typeof createEngineModel>;
