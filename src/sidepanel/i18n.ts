import browser from 'webextension-polyfill';

/** Strings live in public/_locales for translation; fall back to the key so a missing one shows. */
export function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key, substitutions) || key;
}
