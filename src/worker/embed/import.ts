/**
 * A model loaded from a folder the person picked (an offline machine, or a copy fetched
 * elsewhere): the panel stages the files in a cache (see MODEL_IMPORT_CACHE), and here each is
 * checked exactly as a download is, then kept in the model store. The staging cache is deleted
 * whatever happens, so a failed import leaves nothing behind.
 */
import { ConfidantError } from '../../core/errors.ts';
import { MODEL_IMPORT_CACHE, MODEL_IMPORT_ORIGIN } from '../../messaging/engine-api.ts';
import { checkModelFile, type CheckedFile } from './check.ts';
import { modelFiles, type ModelSpec } from './models.ts';
import { storeModel, type ModelManifest } from './store.ts';

export const FOLDER_SOURCE = 'folder';

export async function importModel(spec: ModelSpec, extraSha256?: Record<string, string>): Promise<ModelManifest> {
  try {
    const staging = await caches.open(MODEL_IMPORT_CACHE);
    const files = modelFiles(spec);
    const found = await Promise.all(files.map(async (file) => ({ file, res: await staging.match(MODEL_IMPORT_ORIGIN + file) })));
    const missing = found.filter((f) => !f.res).map((f) => f.file);
    if (missing.length) {
      throw new ConfidantError('E_BAD_REQUEST', `That folder does not hold ${missing.join(', ')} of ${spec.id}. Pick the model's own folder (it holds ${files.join(', ')}).`, { missing });
    }
    const checked = new Map<string, CheckedFile>();
    for (const { file, res } of found) checked.set(file, await checkModelFile(spec, file, new Uint8Array(await res!.arrayBuffer()), extraSha256, 'folder'));
    return await storeModel(spec, FOLDER_SOURCE, checked);
  } finally {
    await caches.delete(MODEL_IMPORT_CACHE).catch(() => false);
  }
}
