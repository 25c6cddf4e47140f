/**
 * Choosing several open tabs to ask about. Listing tabs by title needs Chrome's optional "tabs"
 * permission, and reading a tab other than the active one needs its site's host permission: each
 * is asked for in the click that needs it, and a prompt left unanswered ends with a message.
 */
import { signal } from '@preact/signals';
import { toErrorData, type ErrorData } from '../../core/errors.ts';
import type { TabInfo } from '../../messaging/panel-api.ts';
import { MAX_TABS, originPatterns } from '../lib/chat.ts';
import { answered } from '../lib/permission.ts';
import type { Platform, Transport } from '../transport.ts';

export interface TabPickerDeps {
  transport: Transport;
  platform: Platform;
  /** The tab the panel acts on: checked first. */
  activeTab: () => Promise<TabInfo>;
}

export function createTabPickerModel({ transport, platform, activeTab }: TabPickerDeps) {
  const open = signal(false);
  const available = signal<TabInfo[]>([]);
  const checked = signal<number[]>([]);
  const error = signal<ErrorData | null>(null);
  const loading = signal(false);

  /** "Ask about several tabs": asks for the tabs permission (in the click), then lists this window's tabs. */
  async function show(): Promise<void> {
    error.value = null;
    loading.value = true;
    open.value = true;
    try {
      await answered(platform.requestTabsAccess(), { refused: 'tabsErrPermission', timeout: 'tabsErrPermissionTimeout' });
      const [tabs, active] = await Promise.all([transport.request('tabs.list', {}), activeTab().catch(() => null)]);
      available.value = tabs;
      const first = tabs.find((t) => t.tabId === active?.tabId);
      if (checked.value.length === 0 && first) checked.value = [first.tabId];
      else checked.value = checked.value.filter((id) => tabs.some((t) => t.tabId === id));
    } catch (e) {
      error.value = toErrorData(e);
    } finally {
      loading.value = false;
    }
  }

  function toggle(tabId: number): void {
    const now = checked.value;
    if (now.includes(tabId)) checked.value = now.filter((id) => id !== tabId);
    else if (now.length < MAX_TABS) checked.value = [...now, tabId];
  }

  /** "Use these tabs": asks for the chosen tabs' sites (in the click); the chosen tabs, or null. */
  async function confirm(): Promise<TabInfo[] | null> {
    const chosen = available.value.filter((t) => checked.value.includes(t.tabId));
    if (chosen.length === 0) return null;
    error.value = null;
    try {
      const patterns = originPatterns(chosen.map((t) => t.url));
      if (patterns.length) await answered(platform.requestOrigins(patterns), { refused: 'tabsErrSites', timeout: 'tabsErrPermissionTimeout' });
      open.value = false;
      return chosen;
    } catch (e) {
      error.value = toErrorData(e);
      return null;
    }
  }

  function close(): void {
    open.value = false;
    error.value = null;
  }

  return { open, available, checked, error, loading, show, toggle, confirm, close };
}

export type TabPickerModel = ReturnType<typeof createTabPickerModel>;
