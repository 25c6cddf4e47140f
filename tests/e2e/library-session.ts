/**
 * What the library's browser tests start from: Chromium with the extension, the engine's console
 * watched, the test model loaded in a panel page and a library set up with `passphrase`. One
 * profile for the whole file, so `relaunch` finds the same OPFS store.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ask, launch, loadTestModel, newProfileDir, PANEL_PATH, removeProfileDir, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';
import { watchEngineConsole, type ConsoleWatch } from './engine-console.ts';

export interface Passage {
  docId: number;
  title: string;
  text: string;
}

export interface LibrarySession {
  readonly panel: Page;
  readonly session: Session;
  /** Closes the browser and opens it again on the same profile, with the model loaded; the library stays locked. */
  relaunch(): Promise<void>;
  /** The passages a library-wide search gives for `query` (k = 3 unless given). */
  search(query: string, k?: number): Promise<Passage[]>;
  /** Lock, then unlock with the passphrase. */
  relock(): Promise<void>;
  /** Errors in the engine's or the pages' consoles since the start, across relaunches. */
  consoleErrors(): string[];
  close(): Promise<void>;
}

export async function openLibrarySession(passphrase: string): Promise<LibrarySession> {
  if (!existsSync(join(TEST_MODELS_DIR, 'confidant-test', 'tiny', 'config.json'))) throw new Error('run `npm run make-test-models` first');
  const profile = newProfileDir();
  const models: StaticServer = await serveDir(TEST_MODELS_DIR);
  const earlierErrors: string[] = [];
  let session: Session;
  let watch: ConsoleWatch;
  let panel: Page;
  const start = async () => {
    session = await launch(profile);
    watch = await watchEngineConsole(session);
    panel = await session.openPage(PANEL_PATH);
    await loadTestModel(panel, models.origin);
  };
  await start();
  await ask(panel!, 'library.setup', { passphrase });
  return {
    get panel() {
      return panel;
    },
    get session() {
      return session;
    },
    async relaunch() {
      earlierErrors.push(...watch.errors, ...session.consoleErrors);
      await watch.stop();
      await session.close();
      await start();
    },
    async search(query, k = 3) {
      return (await ask<{ passages: Passage[] }>(panel, 'library.search', { query, scope: { kind: 'library' }, k })).passages;
    },
    async relock() {
      await ask(panel, 'library.lock');
      await ask(panel, 'library.unlock', { passphrase });
    },
    consoleErrors: () => [...earlierErrors, ...session.consoleErrors, ...watch.errors],
    async close() {
      await watch?.stop();
      await session?.close();
      await models.close();
      removeProfileDir(profile);
    },
  };
}
