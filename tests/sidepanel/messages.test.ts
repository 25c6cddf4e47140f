/**
 * Every user-visible string is in messages.json: each t('key') literal, each key a pure helper
 * returns, and every placeholder numbered without gaps.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.ts';
import { STATE_KEY, STATE_MEANING_KEY } from '../../src/sidepanel/lib/attest.ts';
import { PHASE_KEY, SCOPE_KEY } from '../../src/sidepanel/lib/chat.ts';
import { adviceFor } from '../../src/sidepanel/lib/errors.ts';
import { TASK_KEY } from '../../src/sidepanel/lib/progress.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const messages = JSON.parse(readFileSync(join(ROOT, 'public/_locales/en/messages.json'), 'utf8')) as Record<
  string,
  { message: string; placeholders?: Record<string, { content: string }> }
>;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const ALL_CODES: ErrorCode[] = [
  'E_INTERNAL', 'E_BAD_REQUEST', 'E_TIMEOUT', 'E_ABORTED', 'E_PARSE', 'E_ATTEST_VERIFY', 'E_ATTEST_POLICY', 'E_DB', 'E_LOCKED',
  'E_WRONG_PASSPHRASE', 'E_QUOTA', 'E_NOT_FOUND', 'E_UNREADABLE_PAGE', 'E_MODEL_NOT_READY', 'E_NETWORK', 'E_UNAUTHORIZED',
  'E_RATE_LIMITED', 'E_UPSTREAM', 'E_CHANNEL', 'E_KEY_EXPIRED', 'E_NOT_ATTESTED',
];

describe('panel strings', () => {
  const src = files(join(ROOT, 'src/sidepanel'));

  it("every t('key') in the panel has a message", () => {
    const missing: string[] = [];
    for (const f of src) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([A-Za-z0-9_@]+)'/g)) if (!messages[m[1]!]) missing.push(`${f.slice(ROOT.length + 1)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it('every message key raised with an error (messageKey, localError, unreadable) exists', () => {
    const missing: string[] = [];
    for (const f of src) {
      const code = readFileSync(f, 'utf8');
      for (const m of code.matchAll(/messageKey: '([A-Za-z0-9_]+)'|localError\('E_[A-Z_]+', '([A-Za-z0-9_]+)'|unreadable\('([A-Za-z0-9_]+)'|errorKey: '([A-Za-z0-9_]+)'/g)) {
        const key = m[1] ?? m[2] ?? m[3] ?? m[4];
        if (key && !messages[key]) missing.push(`${f.slice(ROOT.length + 1)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every message key a helper hands to components exists', () => {
    const keys = [
      ...Object.values(STATE_KEY),
      ...Object.values(STATE_MEANING_KEY),
      ...Object.values(PHASE_KEY),
      ...Object.values(SCOPE_KEY),
      ...Object.values(SCOPE_KEY).map((k) => `${k}Title`),
      ...Object.values(TASK_KEY),
      'taskWorking',
      ...ALL_CODES.flatMap((code) => {
        const a = adviceFor({ code });
        return [a.titleKey, ...(a.hintKey ? [a.hintKey] : [])];
      }),
      ...['errNoGateway', 'errPortClosed'].flatMap((messageKey) => {
        const a = adviceFor({ code: 'E_INTERNAL', detail: { messageKey } });
        return [a.titleKey, a.hintKey!];
      }),
      ...[adviceFor({ code: 'E_NETWORK', detail: { during: 'modelDownload' } })].flatMap((a) => [a.titleKey, a.hintKey!]),
      'retrievalWholePage', 'retrievalKeywords', 'retrievalKeywordsLibrary',
      'gatewayErrEmpty', 'gatewayErrInvalid', 'gatewayErrInsecure', 'gatewayErrCredentials', 'gatewayErrPermission',
      'passphraseTooShort', 'passphraseMismatch', 'neverReadSite', 'pageEmpty',
      'fileUnsupported', 'fileTooLarge', 'filePdfUnreadable', 'fileNoText', 'filePdfNoText', 'noModelConfigured',
      'attestGroupEvidence', 'attestGroupSnp', 'attestGroupBinding', 'attestGroupBundle', 'attestGroupNras', 'attestGroupPolicy', 'attestGroupChannel', 'attestGroupGpu',
    ];
    expect(keys.filter((k) => !messages[k])).toEqual([]);
  });

  it('a failed model download is titled as one, not as an unreachable gateway', () => {
    expect(adviceFor({ code: 'E_NETWORK', detail: { during: 'modelDownload' } })).toMatchObject({ titleKey: 'errModelDownloadTitle', steps: ['loadModel'] });
    expect(adviceFor({ code: 'E_NETWORK' }).titleKey).toBe('errNetworkTitle');
  });

  it('placeholders are numbered $1..$n without gaps, and each is used in its message', () => {
    const bad: string[] = [];
    for (const [key, m] of Object.entries(messages)) {
      expect(m.message, key).toBeTruthy();
      const ph = Object.entries(m.placeholders ?? {});
      const numbers = ph.map(([, p]) => Number(p.content.replace('$', ''))).sort((a, b) => a - b);
      if (numbers.some((n, i) => n !== i + 1)) bad.push(`${key}: numbering`);
      for (const [name] of ph) if (!m.message.toLowerCase().includes(`$${name.toLowerCase()}$`)) bad.push(`${key}: $${name}$ unused`);
      for (const used of m.message.matchAll(/\$([a-z0-9_]+)\$/gi)) if (!ph.some(([n]) => n.toLowerCase() === used[1]!.toLowerCase())) bad.push(`${key}: $${used[1]}$ undefined`);
    }
    expect(bad).toEqual([]);
  });

  it('the attestation words match the toolbar badge words', () => {
    expect(['Verified', 'DEV', 'Failed', 'Checking', 'Expired', 'Not configured']).toEqual(
      (['verified', 'dev', 'failed', 'checking', 'expired', 'not-configured'] as const).map((s) => messages[STATE_KEY[s]]!.message),
    );
  });
});
