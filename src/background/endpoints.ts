/**
 * Where the services around an endpoint are reached (AMD KDS, GitHub's API). The store build uses
 * the real ones; the test build (dist-test) lets a test point them at local stand-ins through
 * `chrome.storage.local['test.endpoints']`, as it lets the panel take `?tab=`.
 */
import { DEFAULT_ENDPOINTS, type Endpoints } from '../core/providers/types.ts';

export async function endpoints(): Promise<Endpoints> {
  if (!__TEST_BUILD__) return DEFAULT_ENDPOINTS;
  const over = (await chrome.storage.local.get('test.endpoints'))['test.endpoints'] as Partial<Endpoints> | undefined;
  return { ...DEFAULT_ENDPOINTS, ...(over ?? {}) };
}
