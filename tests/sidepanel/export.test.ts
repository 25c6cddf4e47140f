import { describe, expect, it } from 'vitest';
import { conversationFileName, conversationMarkdown } from '../../src/sidepanel/lib/export.ts';
import { encodeError } from '../../src/sidepanel/lib/chat.ts';
import type { ConversationRecord } from '../../src/messaging/views.ts';

const T0 = Date.UTC(2026, 11, 4, 17, 30, 0);

const RECORD: ConversationRecord = {
  id: 3,
  title: 'Who built the tower?',
  createdAt: T0,
  updatedAt: T0 + 60_000,
  messages: [
    { role: 'user', content: 'Who built the tower?' },
    {
      role: 'assistant',
      content: 'Alan Stevenson completed it in 1844 [1].',
      passages: [
        { chunkId: 1, docId: 9, title: 'The Lighthouse Keepers', url: 'https://example.org/skerryvore', text: 'Alan Stevenson completed the granite tower in 1844.', start: 0, end: 52, heading: 'Building the tower', score: 1 },
        { chunkId: 2, docId: 4, title: 'My notes', url: null, text: 'Notes.', start: 0, end: 6, heading: '', score: 0.5 },
      ],
      receipt: {
        gatewayUrl: 'https://gw.example.com',
        provider: 'confidant',
        keyId: 'k-1a2b3c',
        measurement: 'ab'.repeat(48),
        software: { kind: 'snp-measurement', value: 'ab'.repeat(48), via: 'release', release: { repo: 'confidant/gateway', tag: 'v1.2.0', digest: 'ab'.repeat(48), predicateType: 'https://slsa.dev/provenance/v1', rekorLogIndex: 1, integratedTime: 1 } },
        checkedAt: T0,
        sentAt: T0 + 1000,
        simulated: false,
        model: 'gpt-oss-120b',
        protocol: 'confidant-v2',
        passages: 2,
        characters: 58,
      },
    },
    { role: 'user', content: 'And the lamp?' },
    { role: 'assistant', content: '', error: encodeError({ code: 'E_NETWORK', message: 'The gateway could not be reached.' }) },
  ],
};

describe('a conversation as Markdown', () => {
  it('keeps each question, answer, source address and receipt, in order', () => {
    const md = conversationMarkdown(RECORD, T0 + 120_000);
    expect(md).toBe(
      [
        '# Who built the tower?',
        '',
        '_Exported from Confidant on 2026-12-04 17:32:00 UTC; started 2026-12-04 17:30:00 UTC._',
        '',
        '## Question',
        '',
        'Who built the tower?',
        '',
        '### Answer',
        '',
        'Alan Stevenson completed it in 1844 [1].',
        '',
        '**Sources**',
        '',
        '1. The Lighthouse Keepers — <https://example.org/skerryvore> · Building the tower',
        '2. My notes — from the library',
        '',
        `_Sent 2026-12-04 17:30:01 UTC to https://gw.example.com (confidant, model gpt-oss-120b) under attested key k-1a2b3c, snp-measurement abababababababab… (confidant/gateway v1.2.0); 2 passages, 58 characters._`,
        '',
        '## Question',
        '',
        'And the lamp?',
        '',
        '### Answer',
        '',
        '> Not answered: The gateway could not be reached.',
        '',
      ].join('\n'),
    );
  });

  it('names the file by its title and date, safely', () => {
    expect(conversationFileName('Who built the tower?', T0)).toBe('confidant-who-built-the-tower-2026-12-04.md');
    expect(conversationFileName('../../etc/passwd', T0)).toBe('confidant-etc-passwd-2026-12-04.md');
    expect(conversationFileName('???', T0)).toBe('confidant-conversation-2026-12-04.md');
  });
});
