/** The words for each kind of endpoint (message keys), shared by the first run and Settings. */
import type { ProviderKind } from '../../core/settings/settings.ts';

export const PROVIDER_KEY: Readonly<Record<ProviderKind, string>> = Object.freeze({ confidant: 'providerConfidant', privatemode: 'providerPrivatemode', tinfoil: 'providerTinfoil' });
