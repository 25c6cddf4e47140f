import { signal } from '@preact/signals';
import type { EngineStatus } from '../../messaging/engine.ts';
import type { ErrorData } from '../../core/errors.ts';
import { toErrorData } from '../../core/errors.ts';

/** The transport a model needs; the composition root hands in the real one, tests a fake. */
export interface EngineTransport {
  status(): Promise<EngineStatus>;
}

export function createEngineModel(transport: EngineTransport) {
  const status = signal<EngineStatus | null>(null);
  const error = signal<ErrorData | null>(null);
  async function refresh(): Promise<void> {
    try {
      status.value = await transport.status();
      error.value = null;
    } catch (e) {
      error.value = toErrorData(e);
    }
  }
  return { status, error, refresh };
}
export type EngineModel = ReturnType<typeof createEngineModel>;
