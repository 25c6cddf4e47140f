/** The providers the gate can attest and send through, by kind. */
import { confidantProvider } from '../core/providers/confidant.ts';
import { privatemodeProvider } from '../core/providers/privatemode/provider.ts';
import { tinfoilProvider } from '../core/providers/tinfoil.ts';
import type { Provider } from '../core/providers/types.ts';
import type { ProviderKind } from '../core/settings/settings.ts';

const PROVIDERS: Partial<Record<ProviderKind, Provider>> = {
  confidant: confidantProvider,
  tinfoil: tinfoilProvider,
  privatemode: privatemodeProvider,
};

export function providerFor(kind: ProviderKind): Provider | null {
  return PROVIDERS[kind] ?? null;
}
