import { beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/core/settings/settings.ts';
import type { AttestState, Receipt } from '../../src/messaging/views.ts';
import { createChatModel } from '../../src/sidepanel/models/chat.ts';
import { FakePlatform, FakeTransport, passage, SETTINGS, tick } from './fakes.ts';

const RECEIPT: Receipt = {
  gatewayUrl: 'https://gw.example.com',
  provider: 'confidant',
  software: null,
  protocol: 'Confidant v2',
  keyId: 'k1',
  measurement: 'ab'.repeat(48),
  checkedAt: 1,
  sentAt: 2,
  simulated: false,
  model: 'm',
  passages: 2,
  characters: 40,
};

let transport: FakeTransport;
let platform: FakePlatform;
let settings: Settings;
let attest: AttestState;
let unlocked: boolean;

function model() {
  return createChatModel({
    transport,
    platform,
    settings: () => settings,
    attestState: () => attest,
    libraryUnlocked: () => unlocked,
    lockCount: () => 0,
    activeTab: () => transport.request('tabs.active', {}),
  });
}

beforeEach(() => {
  transport = new FakeTransport()
    .on('tabs.active', () => ({ tabId: 7, url: 'https://news.example.com/story', title: 'Story' }))
    .on('page.index', () => ({ docId: 4_294_967_296, title: 'Story', url: 'https://news.example.com/story', chars: 21, mode: 'vectors' as const, chunks: 3, totalChunks: 3 }))
    .on('library.search', () => ({ passages: [passage(1), passage(2)], retrieval: 'hybrid' as const }))
    .on('conversations.save', ({ conversation }) => ({ id: 9, title: conversation.title, updatedAt: 3, messages: conversation.messages.length }));
  platform = new FakePlatform();
  settings = { ...SETTINGS };
  attest = 'verified';
  unlocked = true;
});

describe('asking about this page', () => {
  it('reads, indexes, retrieves k passages, then sends exactly those on the chat port', async () => {
    const chat = model();
    chat.draft.value = 'What happened?';
    await chat.ask();
    // The background reads and indexes the page: its text never comes to the panel.
    expect(transport.types()).toEqual(['tabs.active', 'page.index', 'library.search']);
    expect(transport.payloadOf('page.index')).toEqual({ tabId: 7 });
    expect(transport.payloadOf('library.search')).toEqual({ query: 'What happened?', scope: { kind: 'page', docId: 4_294_967_296 }, k: 3 });
    expect(transport.port.posted).toEqual([{ type: 'ask', question: 'What happened?', history: [], passages: [passage(1), passage(2)] }]);
    expect(chat.phase.value).toBe('sending');
    expect(chat.draft.value).toBe('');

    transport.port.send({ type: 'status', key: 'statusChecking' });
    expect(chat.messages.value[1]!.statusText).toBe('statusChecking');
    transport.port.send({ type: 'delta', reasoning: 'thinking' });
    transport.port.send({ type: 'delta', content: 'It [1] ' });
    transport.port.send({ type: 'delta', content: 'rained [2].' });
    expect(chat.phase.value).toBe('streaming');
    expect(chat.messages.value[1]).toMatchObject({ role: 'assistant', content: 'It [1] rained [2].', reasoning: 'thinking', status: 'streaming' });
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    expect(chat.phase.value).toBe('idle');
    expect(chat.messages.value[1]).toMatchObject({ status: 'done', receipt: RECEIPT });
    expect(transport.port.disconnected).toBe(true);
    await tick();
    const saved = transport.payloadOf('conversations.save')!.conversation;
    expect(saved).toMatchObject({ id: 0, title: 'What happened?' });
    expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(chat.conversationId.value).toBe(9);
  });

  it('asks the background to index the page again for every question (the engine reuses an unchanged page)', async () => {
    const chat = model();
    await chat.ask('one?');
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    await chat.ask('two?');
    expect(transport.types().filter((t) => t === 'page.index')).toHaveLength(2);
    expect(transport.port.posted[0]).toMatchObject({ question: 'two?' });
  });

  it('asks about the selection only, when the scope is the selection', async () => {
    const chat = model();
    chat.scope.value = 'selection';
    await chat.ask('what does this mean?');
    expect(transport.payloadOf('page.index')).toEqual({ tabId: 7, selection: true });
    expect(transport.payloadOf('library.search')!.scope).toEqual({ kind: 'page', docId: 4_294_967_296 });
  });

  it('searches only the library for the Library scope, and page+library for Both', async () => {
    const chat = model();
    chat.scope.value = 'library';
    await chat.ask('q');
    expect(transport.types()).toEqual(['library.search']);
    expect(transport.payloadOf('library.search')!.scope).toEqual({ kind: 'library' });
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    transport.calls = [];
    chat.scope.value = 'both';
    await chat.ask('q2');
    expect(transport.payloadOf('library.search')!.scope).toEqual({ kind: 'page+library', docId: 4_294_967_296 });
    expect(transport.port.posted[0]).toMatchObject({ history: [] }); // the first answer was empty
  });

  it('waits for Send when asked to confirm, and sends only the passages left in', async () => {
    settings.confirmBeforeSend = true;
    const chat = model();
    await chat.ask('q');
    expect(chat.phase.value).toBe('confirm');
    expect(chat.pending.value?.passages).toHaveLength(2);
    expect(transport.ports).toHaveLength(0);
    chat.togglePassage(1);
    chat.confirmSend();
    expect(transport.port.posted[0]).toMatchObject({ type: 'ask', passages: [passage(2)] });
  });

  it('cancelling the confirmation puts the question back in the box', async () => {
    settings.confirmBeforeSend = true;
    const chat = model();
    await chat.ask('keep me');
    chat.cancelPending();
    expect(chat.messages.value).toEqual([]);
    expect(chat.draft.value).toBe('keep me');
    expect(chat.phase.value).toBe('idle');
  });

  it('a locked library stops before reading anything, with the question kept', async () => {
    unlocked = false;
    const chat = model();
    await chat.ask('q');
    expect(transport.calls).toEqual([]);
    expect(chat.error.value?.code).toBe('E_LOCKED');
    expect(chat.draft.value).toBe('q');
    expect(chat.messages.value).toEqual([]);
  });

  it('no gateway: says so before reading the page', async () => {
    attest = 'not-configured';
    const chat = model();
    await chat.ask('q');
    expect(transport.calls).toEqual([]);
    expect(chat.error.value).toMatchObject({ code: 'E_NOT_ATTESTED', detail: { messageKey: 'errNoGateway' } });
  });

  it('unreadable pages and a missing model come back as errors with their codes', async () => {
    transport.fail('page.index', 'E_UNREADABLE_PAGE', 'Browser pages cannot be read.');
    const chat = model();
    await chat.ask('q');
    expect(chat.error.value).toMatchObject({ code: 'E_UNREADABLE_PAGE', message: 'Browser pages cannot be read.' });
    transport.fail('page.index', 'E_MODEL_NOT_READY');
    await chat.ask('q');
    expect(chat.error.value?.code).toBe('E_MODEL_NOT_READY');
  });

  it("shows the background's refusal of a site the person excluded, with its message key", async () => {
    transport.fail('page.index', 'E_UNREADABLE_PAGE', 'You asked Confidant never to read example.com.', { messageKey: 'neverReadSite', site: 'example.com' });
    const chat = model();
    await chat.ask('q');
    expect(chat.error.value).toMatchObject({ code: 'E_UNREADABLE_PAGE', detail: { messageKey: 'neverReadSite', site: 'example.com' } });
  });

  it('uses ?tab= when the panel was given one (test build)', async () => {
    platform.tabOverride = 42;
    const chat = createChatModel({
      transport,
      platform,
      settings: () => settings,
      attestState: () => attest,
      libraryUnlocked: () => unlocked,
      lockCount: () => 0,
      activeTab: async () => ({ ...(await transport.request('tabs.active', {})), tabId: platform.tabOverride ?? 0 }),
    });
    await chat.ask('q');
    expect(transport.payloadOf('page.index')).toEqual({ tabId: 42 });
  });
});

describe('while an answer streams', () => {
  it('Stop tells the background and closes the port; the partial answer stays, marked stopped', async () => {
    const chat = model();
    await chat.ask('q');
    transport.port.send({ type: 'delta', content: 'Partial' });
    chat.stop();
    expect(transport.port.posted.at(-1)).toEqual({ type: 'stop' });
    expect(transport.port.disconnected).toBe(true);
    expect(chat.messages.value[1]).toMatchObject({ content: 'Partial', status: 'stopped' });
    transport.port.send({ type: 'delta', content: ' more' }); // late mail is ignored
    expect(chat.messages.value[1]!.content).toBe('Partial');
  });

  it('a rate limit keeps when retrying makes sense', async () => {
    const chat = model();
    await chat.ask('q');
    transport.port.send({ type: 'error', error: { name: 'ConfidantError', code: 'E_RATE_LIMITED', message: 'slow down' }, retryAfter: 12 });
    expect(chat.messages.value[1]).toMatchObject({ status: 'error', retryAt: platform.clock + 12_000 });
    expect(chat.messages.value[1]!.error?.code).toBe('E_RATE_LIMITED');
  });

  it('a port that drops without an answer becomes an error, not a spinner forever', async () => {
    const chat = model();
    await chat.ask('q');
    transport.port.drop();
    expect(chat.phase.value).toBe('idle');
    expect(chat.messages.value[1]!.error?.detail?.messageKey).toBe('errPortClosed');
  });

  it('Regenerate asks again with the same passages, nothing re-read', async () => {
    const chat = model();
    await chat.ask('q');
    transport.port.send({ type: 'delta', content: 'first' });
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    transport.calls = [];
    chat.regenerate();
    expect(transport.calls.filter((c) => c.type !== 'conversations.save')).toEqual([]);
    expect(transport.ports).toHaveLength(2);
    expect(transport.port.posted[0]).toMatchObject({ question: 'q', passages: [passage(1), passage(2)], history: [] });
    expect(chat.messages.value).toHaveLength(2);
  });

  it('sends earlier turns as history', async () => {
    const chat = model();
    await chat.ask('q1');
    transport.port.send({ type: 'delta', content: 'a1' });
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    await chat.ask('q2');
    expect(transport.port.posted[0]).toMatchObject({ question: 'q2', history: [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }] });
  });
});

describe('citations', () => {
  it('highlights on the current page, opens other pages at the passage', async () => {
    transport.on('page.highlight', () => ({ found: true }));
    const chat = model();
    await chat.ask('q');
    const m = { ...chat.messages.value[1]!, passages: [passage(1), passage(2, { url: 'https://other.example.org/x', text: 'elsewhere words' })] };
    expect(await chat.openCitation(m, 1)).toBe('highlighted');
    expect(transport.payloadOf('page.highlight')).toEqual({ tabId: 7, quote: 'Passage 1 text.' });
    expect(await chat.openCitation(m, 2)).toBe('opened');
    expect(platform.opened).toEqual(['https://other.example.org/x#:~:text=elsewhere%20words']);
    expect(await chat.openCitation({ ...m, passages: [passage(3, { url: null })] }, 1)).toBe('noSource');
  });
});

describe('stored conversations', () => {
  it('lists, reopens and deletes', async () => {
    transport
      .on('conversations.list', () => [{ id: 3, title: 'Old', updatedAt: 1, messages: 2 }])
      .on('conversations.get', () => ({
        id: 3,
        title: 'Old',
        createdAt: 1,
        updatedAt: 2,
        messages: [
          { role: 'user', content: 'old q' },
          { role: 'assistant', content: 'old a [1]', passages: [passage(1)], receipt: RECEIPT },
        ],
      }))
      .on('conversations.delete', () => null);
    const chat = model();
    await chat.loadConversations();
    expect(chat.conversations.value).toHaveLength(1);
    expect(await chat.openConversation(3)).toBe(true);
    expect(chat.conversationId.value).toBe(3);
    expect(chat.messages.value[1]).toMatchObject({ content: 'old a [1]', receipt: RECEIPT, status: 'done' });
    await chat.deleteConversation(3);
    expect(chat.conversations.value).toEqual([]);
    expect(chat.messages.value).toEqual([]);
    expect(chat.conversationId.value).toBe(0);
  });

  it('a locked library keeps the conversation in memory and says it is not saved', async () => {
    const chat = model();
    await chat.ask('q');
    unlocked = false;
    transport.port.send({ type: 'done', receipt: RECEIPT, finishReason: 'stop' });
    await tick();
    expect(chat.unsaved.value).toBe(true);
    expect(transport.types()).not.toContain('conversations.save');
  });
});
