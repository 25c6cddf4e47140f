/** Which view the panel shows, and whether the attestation details are open. */
import { signal } from '@preact/signals';

export type View = 'ask' | 'history' | 'library' | 'settings';

export function createNavModel(initial: View = 'ask') {
  const view = signal<View>(initial);
  const attestationOpen = signal(false);
  /** A settings section to scroll to when the view opens (e.g. "gateway" from an error's next step). */
  const focusSection = signal<string | null>(null);
  function show(v: View, section: string | null = null): void {
    view.value = v;
    focusSection.value = section;
  }
  return { view, attestationOpen, focusSection, show };
}

export type NavModel = ReturnType<typeof createNavModel>;
