/**
 * Actions that span models (start-up, wiping everything) and the effects that tie them together.
 * Created by the composition root after the models it coordinates.
 */
import { effect, signal } from '@preact/signals';
import { defaultSettings } from '../../core/settings/settings.ts';
import type { AttestationModel } from './attestation.ts';
import type { ChatModel } from './chat.ts';
import type { EngineModel } from './engine.ts';
import type { LibraryModel } from './library.ts';
import type { NavModel } from './nav.ts';
import type { OnboardingModel } from './onboarding.ts';
import type { SettingsModel } from './settings.ts';

export interface AppDeps {
  engine: EngineModel;
  settings: SettingsModel;
  attestation: AttestationModel;
  library: LibraryModel;
  chat: ChatModel;
  onboarding: OnboardingModel;
  nav: NavModel;
}

export function createAppModel({ engine, settings, attestation, library, chat, onboarding, nav }: AppDeps) {
  /** The first state is known (library, settings, onboarding), so the right view can show. */
  const ready = signal(false);

  async function boot(): Promise<void> {
    void engine.refresh();
    await Promise.all([library.load(), settings.load(), attestation.load()]);
    await onboarding.load();
    ready.value = true;
    void chat.takePendingSelection();
  }

  /** Deletes the library (documents, conversations, the API key) and forgets the gateway; starts over. */
  async function wipeEverything(): Promise<boolean> {
    chat.newChat();
    if (!(await library.wipe())) return false;
    await settings.save({ ...defaultSettings() });
    settings.clearStatus();
    await Promise.all([settings.refreshApiKey(), attestation.load(), library.refreshModel()]);
    await onboarding.restart();
    nav.show('ask');
    return true;
  }

  // The API key's presence can be read only while the library is open; re-read it on unlock.
  let wasUnlocked = false;
  const stopKeyEffect = effect(() => {
    const unlocked = library.unlocked.value;
    if (unlocked && !wasUnlocked && ready.peek()) void settings.refreshApiKey();
    wasUnlocked = unlocked;
  });

  // The context menu asked about a selection: show the question box.
  const stopSelectionEffect = effect(() => {
    if (chat.selectionToken.value > 0) nav.show('ask');
  });

  function dispose(): void {
    stopKeyEffect();
    stopSelectionEffect();
    chat.dispose();
    library.dispose();
    attestation.dispose();
  }

  return { ready, boot, wipeEverything, dispose };
}

export type AppModel = ReturnType<typeof createAppModel>;
