/** Engine requests go to the offscreen document (created on demand), which relays them to the engine worker. */
import { askOffscreen } from '../messaging/send.ts';
import type { EngineApi, EngineType } from '../messaging/engine-api.ts';
import { ensureOffscreen } from './offscreen.ts';

export async function engine<K extends EngineType>(type: K, payload: EngineApi[K]['req']): Promise<EngineApi[K]['res']> {
  await ensureOffscreen();
  try {
    return await askOffscreen(type, payload);
  } catch (e) {
    // The document can exist before its script has registered its listener; retry once briefly.
    if (e instanceof Error && /Receiving end does not exist/.test(e.message)) {
      await new Promise((r) => setTimeout(r, 100));
      return askOffscreen(type, payload);
    }
    throw e;
  }
}
