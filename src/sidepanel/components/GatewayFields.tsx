/**
 * The gateway address and API key fields, shared by the first run and Settings. The address is
 * checked as typed (shown once the form was tried); the key is write-only: it is stored sealed in
 * the library, so it can be set only while the library is unlocked and is never shown again.
 */
import { t } from '../i18n.ts';
import type { parseGatewayUrl } from '../lib/input.ts';

export interface GatewayFieldsProps {
  /** Prefix for element ids, unique per form. */
  idPrefix: string;
  address: string;
  onAddress: (v: string) => void;
  parsed: ReturnType<typeof parseGatewayUrl>;
  /** The form was submitted once: show the address error, if any. */
  tried: boolean;
  apiKey: string;
  onApiKey: (v: string) => void;
  /** Settings: the library's lock state and whether a key is stored; the first run always can. */
  unlocked?: boolean;
  present?: boolean;
}

export function GatewayFields({ idPrefix, address, onAddress, parsed, tried, apiKey, onApiKey, unlocked = true, present = false }: GatewayFieldsProps) {
  const bad = tried && !parsed.ok;
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-url`}>{t('gatewayAddress')}</label>
        <input
          id={`${idPrefix}-url`}
          type="url"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          placeholder="https://gateway.example.com"
          value={address}
          onInput={(e) => onAddress(e.currentTarget.value)}
          aria-invalid={bad ? 'true' : undefined}
          aria-describedby={`${idPrefix}-url-hint`}
        />
        <p id={`${idPrefix}-url-hint`} class={bad ? 'field-error' : 'hint'}>
          {bad && !parsed.ok ? t(parsed.errorKey) : t('gatewayAddressHint')}
        </p>
      </div>
      <div class="field">
        <label for={`${idPrefix}-key`}>{t('apiKey')}</label>
        <input
          id={`${idPrefix}-key`}
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={apiKey}
          disabled={!unlocked}
          placeholder={present ? t('apiKeyStoredPlaceholder') : t('apiKeyPlaceholder')}
          onInput={(e) => onApiKey(e.currentTarget.value)}
          aria-describedby={`${idPrefix}-key-hint`}
        />
        <p id={`${idPrefix}-key-hint`} class="hint">
          {!unlocked ? t('apiKeyLocked') : present ? t('apiKeyStored') : t('apiKeyHint')}
        </p>
      </div>
    </>
  );
}
