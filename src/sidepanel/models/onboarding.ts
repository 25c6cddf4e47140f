/**
 * First run: protect the library, download the embedding model, connect a gateway, see the
 * first attestation. Progress is remembered in the engine's plain key/value table (not secret),
 * so closing the panel half-way resumes where the person left off.
 */
import { signal } from '@preact/signals';
import type { LibraryState } from '../../messaging/library.ts';
import type { Transport } from '../transport.ts';

export type OnboardingStep = 'protect' | 'model' | 'gateway' | 'done';
const STEPS: readonly OnboardingStep[] = ['protect', 'model', 'gateway', 'done'];
const KEY = 'panel.onboarding';
const COMPLETE = 'complete';

export interface OnboardingDeps {
  transport: Transport;
  libraryState: () => LibraryState | null;
}

export function createOnboardingModel({ transport, libraryState }: OnboardingDeps) {
  /** null until known. */
  const needed = signal<boolean | null>(null);
  const step = signal<OnboardingStep>('protect');

  async function load(): Promise<void> {
    const lib = libraryState();
    let saved: string | null = null;
    try {
      saved = await transport.request('kv.get', { key: KEY });
    } catch {
      /* treat as a first run */
    }
    if (!lib?.initialized) {
      step.value = 'protect';
      needed.value = true;
      return;
    }
    if (saved === COMPLETE) {
      needed.value = false;
      return;
    }
    // Set up before this panel remembered steps (or by an older version): resume after protecting.
    step.value = STEPS.includes(saved as OnboardingStep) && saved !== 'protect' ? (saved as OnboardingStep) : 'model';
    needed.value = true;
  }

  async function go(next: OnboardingStep): Promise<void> {
    step.value = next;
    await transport.request('kv.put', { key: KEY, value: next }).catch(() => undefined);
  }

  async function finish(): Promise<void> {
    needed.value = false;
    await transport.request('kv.put', { key: KEY, value: COMPLETE }).catch(() => undefined);
  }

  /** After a wipe the library is new again: start over. */
  async function restart(): Promise<void> {
    step.value = 'protect';
    needed.value = true;
    await transport.request('kv.put', { key: KEY, value: 'protect' }).catch(() => undefined);
  }

  return { needed, step, load, go, finish, restart };
}

export type OnboardingModel = ReturnType<typeof createOnboardingModel>;
