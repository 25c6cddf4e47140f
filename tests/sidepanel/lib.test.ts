import { describe, expect, it } from 'vitest';
import { backupFileName, formatBytes, formatDate, formatDateTime, formatPercent, formatRelative, samePage, shortHex, siteOf, truncate } from '../../src/sidepanel/lib/format.ts';
import { citedNumbers, splitCitations, splitReasoning, textFragmentUrl } from '../../src/sidepanel/lib/citations.ts';
import { isNeverRead, parseGatewayUrl, parseIntIn, parseMeasurements, parseSites, parseTcbPart, passphraseProblem } from '../../src/sidepanel/lib/input.ts';
import { answerAsText, composerKey, decodeError, encodeError, historyFrom, originPatterns, searchScope, sendSummary, sourcesOf, titleFor } from '../../src/sidepanel/lib/chat.ts';
import { canSend, countChecks, effectiveState, groupChecks, STATE_KEY, toneOf } from '../../src/sidepanel/lib/attest.ts';
import { fileKind, markdownTitle, titleFromFileName } from '../../src/sidepanel/lib/files.ts';
import { percentOf, taskKey } from '../../src/sidepanel/lib/progress.ts';
import { secondsLeft } from '../../src/sidepanel/lib/errors.ts';
import type { Passage } from '../../src/messaging/library.ts';

const passage = (over: Partial<Passage> = {}): Passage => ({
  chunkId: 1,
  docId: 1,
  title: 'Title',
  url: 'https://www.example.com/a',
  text: 'Some passage text.',
  start: 0,
  end: 18,
  heading: '',
  score: 1,
  ...over,
});

describe('format', () => {
  it('sizes in decimal units', () => {
    expect(formatBytes(0, 'en')).toBe('0 B');
    expect(formatBytes(999, 'en')).toBe('999 B');
    expect(formatBytes(1234, 'en')).toBe('1.2 kB');
    expect(formatBytes(23_000_000, 'en')).toBe('23 MB');
    expect(formatBytes(1_500_000_000, 'en')).toBe('1.5 GB');
    expect(formatBytes(-1, 'en')).toBe('—');
  });
  it('percentages never round a non-zero share down to 0%', () => {
    expect(formatPercent(1, 1000, 'en')).toBe('<1%');
    expect(formatPercent(0, 1000, 'en')).toBe('0%');
    expect(formatPercent(500, 1000, 'en')).toBe('50%');
    expect(formatPercent(1, 0, 'en')).toBe('—');
  });
  it('dates and times in a given zone', () => {
    const ms = Date.UTC(2026, 10, 27, 14, 3, 12);
    expect(formatDate(ms, 'en-GB', 'UTC')).toBe('27 Nov 2026');
    expect(formatDateTime(ms, 'en-GB', 'UTC')).toMatch(/27 Nov 2026,? 14:03:12/);
  });
  it('relative times', () => {
    const now = Date.UTC(2026, 0, 10);
    expect(formatRelative(now - 10_000, now, 'en')).toBe('now');
    expect(formatRelative(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago');
    expect(formatRelative(now + 2 * 3_600_000, now, 'en')).toBe('in 2 hours');
    expect(formatRelative(now - 86_400_000, now, 'en')).toBe('yesterday');
    expect(formatRelative(now - 3 * 86_400_000, now, 'en')).toBe('3 days ago');
  });
  it('short hex, sites, same page, truncation, backup names', () => {
    expect(shortHex('a'.repeat(96))).toBe(`${'a'.repeat(8)}…${'a'.repeat(8)}`);
    expect(shortHex('abcd')).toBe('abcd');
    expect(shortHex(null)).toBe('—');
    expect(siteOf('https://www.example.com/x')).toBe('example.com');
    expect(siteOf('file:///tmp/x')).toBeNull();
    expect(siteOf('not a url')).toBeNull();
    expect(samePage('https://a.com/x#y', 'https://a.com/x')).toBe(true);
    expect(samePage('https://a.com/x/', 'https://a.com/x')).toBe(true);
    expect(samePage('https://a.com/x?q=1', 'https://a.com/x')).toBe(false);
    expect(samePage(null, 'https://a.com')).toBe(false);
    expect(truncate('one two three four five', 12)).toBe('one two…');
    expect(truncate('  short  ', 12)).toBe('short');
    expect(backupFileName(new Date(2026, 10, 7).getTime())).toBe('confidant-backup-2026-11-07.json');
  });
});

describe('citations', () => {
  it('splits [n] markers within range and leaves others as text', () => {
    expect(splitCitations('A [1] and [2, 3]. Not [9].', 3)).toEqual([
      { kind: 'text', text: 'A ' },
      { kind: 'cite', n: 1, raw: '[1]' },
      { kind: 'text', text: ' and ' },
      { kind: 'cite', n: 2, raw: '[2]' },
      { kind: 'cite', n: 3, raw: '[3]' },
      { kind: 'text', text: '. Not [9].' },
    ]);
    expect(splitCitations('[1][2]', 2).filter((s) => s.kind === 'cite')).toHaveLength(2);
    expect(splitCitations('no sources [1]', 0)).toEqual([{ kind: 'text', text: 'no sources [1]' }]);
    expect(splitCitations('[0] is not a source', 3)).toEqual([{ kind: 'text', text: '[0] is not a source' }]);
  });
  it('lists cited numbers once, in order', () => {
    expect(citedNumbers('b [2] a [1] b [2] x [7]', 5)).toEqual([2, 1]);
  });
  it('separates inline reasoning, also while it is still streaming', () => {
    expect(splitReasoning('<think>hmm</think>\n\nAnswer')).toEqual({ reasoning: 'hmm', answer: 'Answer' });
    expect(splitReasoning('<think>still thinking')).toEqual({ reasoning: 'still thinking', answer: '' });
    expect(splitReasoning('Plain answer <think>x</think>')).toEqual({ reasoning: '', answer: 'Plain answer <think>x</think>' });
  });
  it('builds text-fragment links that land on a passage', () => {
    expect(textFragmentUrl('https://ex.com/a#old', 'short quote here')).toBe('https://ex.com/a#:~:text=short%20quote%20here');
    const long = textFragmentUrl('https://ex.com/a', '## Heading one two three four five six seven eight nine-ten, end.');
    expect(long).toBe('https://ex.com/a#:~:text=Heading%20one%20two%20three,seven%20eight%20nine%2Dten%2C%20end.');
    expect(textFragmentUrl('javascript:alert(1)', 'x')).toBe('javascript:alert(1)');
  });
});

describe('input', () => {
  it('gateway addresses: https, or http on this machine only', () => {
    expect(parseGatewayUrl('gw.example.com/')).toEqual({ ok: true, url: 'https://gw.example.com', origin: 'https://gw.example.com', pattern: 'https://gw.example.com/*', loopback: false });
    // A bare local address means a local (development) gateway over http; permissions match any port.
    expect(parseGatewayUrl('localhost:8787')).toEqual({ ok: true, url: 'http://localhost:8787', origin: 'http://localhost:8787', pattern: 'http://localhost/*', loopback: true });
    expect(parseGatewayUrl('https://gw.example.com/v1/')).toMatchObject({ ok: true, url: 'https://gw.example.com/v1' });
    expect(parseGatewayUrl('http://127.0.0.1:8443')).toMatchObject({ ok: true, pattern: 'http://127.0.0.1/*', loopback: true });
    expect(parseGatewayUrl('http://gw.example.com')).toEqual({ ok: false, errorKey: 'gatewayErrInsecure' });
    expect(parseGatewayUrl('https://user:pw@gw.example.com')).toEqual({ ok: false, errorKey: 'gatewayErrCredentials' });
    expect(parseGatewayUrl('  ')).toEqual({ ok: false, errorKey: 'gatewayErrEmpty' });
    expect(parseGatewayUrl('https://gw.example.com/?key=1')).toEqual({ ok: false, errorKey: 'gatewayErrInvalid' });
    expect(parseGatewayUrl('ftp://x')).toEqual({ ok: false, errorKey: 'gatewayErrInsecure' });
  });
  it('measurements: 96 hex digits per line, tolerant of 0x and separators', () => {
    const a = 'ab'.repeat(48);
    const r = parseMeasurements(`0x${a.toUpperCase()}\n\n${a}\nnot-hex\n${'ab:'.repeat(47)}ab`);
    expect(r.values).toEqual([a]);
    expect(r.invalid).toEqual([4]);
  });
  it('sites: hosts, addresses and wildcards, with line numbers of bad ones', () => {
    expect(parseSites('Bank.example.com\nhttps://www.mail.example.org/inbox\n*.corp.example\nnot a site\n')).toEqual({
      values: ['bank.example.com', 'mail.example.org', 'corp.example'],
      invalid: [4],
    });
  });
  it('never-read matches the host and its subdomains', () => {
    expect(isNeverRead('https://login.bank.example.com/x', ['bank.example.com'])).toBe('bank.example.com');
    expect(isNeverRead('https://www.example.com/', ['example.com'])).toBe('example.com');
    expect(isNeverRead('https://notbank.example.com/', ['bank.example.com'])).toBeNull();
    expect(isNeverRead(null, ['x.com'])).toBeNull();
  });
  it('numbers, TCB parts and passphrases', () => {
    expect(parseTcbPart('')).toEqual({ ok: true, value: undefined });
    expect(parseTcbPart(' 8 ')).toEqual({ ok: true, value: 8 });
    expect(parseTcbPart('256')).toEqual({ ok: false });
    expect(parseTcbPart('-1')).toEqual({ ok: false });
    expect(parseIntIn('5', 1, 20)).toBe(5);
    expect(parseIntIn('0', 1, 20)).toBeNull();
    expect(parseIntIn('2.5', 1, 20)).toBeNull();
    expect(passphraseProblem('short', 'short')).toBe('passphraseTooShort');
    expect(passphraseProblem('long enough', 'long enougH')).toBe('passphraseMismatch');
    expect(passphraseProblem('long enough', 'long enough')).toBeNull();
  });
});

describe('chat helpers', () => {
  it('history keeps complete question/answer pairs only, most recent last', () => {
    const h = historyFrom([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: '', error: { code: 'E_NETWORK' } },
      { role: 'user', content: 'q3' },
      { role: 'assistant', content: 'a3' },
    ]);
    expect(h).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q3' },
      { role: 'assistant', content: 'a3' },
    ]);
    const many = Array.from({ length: 20 }, (_, i) => [
      { role: 'user' as const, content: `q${i}` },
      { role: 'assistant' as const, content: `a${i}` },
    ]).flat();
    expect(historyFrom(many, 3).map((t) => t.content)).toEqual(['q17', 'a17', 'q18', 'a18', 'q19', 'a19']);
  });
  it('keys: Enter sends, Shift+Enter does not, Esc stops, IME composition is left alone', () => {
    expect(composerKey({ key: 'Enter', shiftKey: false })).toBe('send');
    expect(composerKey({ key: 'Enter', shiftKey: true })).toBeNull();
    expect(composerKey({ key: 'Enter', shiftKey: false, isComposing: true })).toBeNull();
    expect(composerKey({ key: 'Escape', shiftKey: false })).toBe('stop');
    expect(composerKey({ key: 'a', shiftKey: false })).toBeNull();
  });
  it('scopes become search scopes', () => {
    expect(searchScope('library', [])).toEqual({ kind: 'library' });
    expect(searchScope('page', [7])).toEqual({ kind: 'page', docId: 7 });
    expect(searchScope('selection', [7])).toEqual({ kind: 'page', docId: 7 });
    expect(searchScope('both', [7])).toEqual({ kind: 'page+library', docId: 7 });
    expect(searchScope('tabs', [7, 9])).toEqual({ kind: 'documents', docIds: [7, 9] });
    expect(() => searchScope('page', [])).toThrow();
    expect(() => searchScope('tabs', [])).toThrow();
  });

  it('asks for one host pattern per web origin of the tabs chosen', () => {
    expect(originPatterns(['https://a.example/x?y', 'https://a.example/z', 'http://127.0.0.1:8080/p', 'chrome://settings', null, 'not a url'])).toEqual([
      'https://a.example/*',
      'http://127.0.0.1/*',
    ]);
  });
  it('summarises what will be sent', () => {
    const s = sendSummary('why?', [{ role: 'user', content: 'ab' }, { role: 'assistant', content: 'cd' }], [passage({ text: '12345' }), passage({ chunkId: 2, docId: 2, text: '123' })]);
    expect(s).toEqual({ passages: 2, characters: 8, sources: 2, questionCharacters: 8, historyTurns: 1 });
  });
  it('sources, copy text, titles, hashes and stored errors', () => {
    expect(sourcesOf([passage({ title: '' })])[0]).toMatchObject({ n: 1, title: 'example.com', site: 'example.com' });
    expect(answerAsText('Answer [1]', [passage()])).toBe('Answer [1]\n\n[1] Title — https://www.example.com/a');
    expect(titleFor('  What is   this page about, in a few words, and why does it matter to me today?')).toMatch(/^What is this page about.*…$/);
    expect(decodeError(encodeError({ code: 'E_NETWORK', message: 'down' }))).toMatchObject({ code: 'E_NETWORK', message: 'down' });
    expect(decodeError('plain old message')).toMatchObject({ code: 'E_INTERNAL', message: 'plain old message' });
  });
});

describe('attestation words', () => {
  it('every state has words and a tone; verified and DEV send, unknown software only by choice, a change never', () => {
    for (const s of Object.keys(STATE_KEY) as (keyof typeof STATE_KEY)[]) expect(toneOf(s)).toBeTruthy();
    expect(canSend('verified')).toBe(true);
    expect(canSend('dev')).toBe(true);
    expect(canSend('unknown-software')).toBe(false);
    expect(canSend('unknown-software', true)).toBe(true);
    expect(canSend('changed', true)).toBe(false);
    expect(canSend('failed')).toBe(false);
    expect(canSend('expired')).toBe(false);
  });
  it('says "not configured" without a gateway and "checking" while a check runs', () => {
    expect(effectiveState(null, false, false)).toBe('not-configured');
    expect(effectiveState(null, false, true)).toBe('checking');
    expect(effectiveState(null, true, false)).toBe('checking');
  });
  it('groups checks by id prefix, failures first', () => {
    const groups = groupChecks([
      { id: 'snp.report.signature', passed: true, detail: 'ok' },
      { id: 'snp.policy.DEBUG', passed: false, detail: 'debug on' },
      { id: 'gpu0.nonce', passed: true, detail: 'ok' },
      { id: 'binding.report_data', passed: true, detail: 'ok' },
    ]);
    expect(groups.map((g) => [g.id, g.passed, g.labelKey, g.index])).toEqual([
      ['snp', false, 'attestGroupSnp', null],
      ['gpu0', true, 'attestGroupGpu', 0],
      ['binding', true, 'attestGroupBinding', null],
    ]);
    expect(groups[0]!.checks[0]!.id).toBe('snp.policy.DEBUG');
    expect(countChecks(groups.flatMap((g) => g.checks))).toEqual({ passed: 3, failed: 1 });
  });
});

describe('files, progress, errors', () => {
  it('knows which files it imports', () => {
    expect(fileKind('a.PDF', '')).toBe('pdf');
    expect(fileKind('a.htm', '')).toBe('html');
    expect(fileKind('notes', 'text/markdown')).toBe('markdown');
    expect(fileKind('a.txt', '')).toBe('text');
    expect(fileKind('a.docx', 'application/vnd.openxmlformats')).toBeNull();
    expect(titleFromFileName('annual-report_2025.pdf')).toBe('annual report 2025');
    expect(markdownTitle('intro\n# The Title #\ntext')).toBe('The Title');
    expect(markdownTitle('no heading')).toBeNull();
  });
  it('progress percent and words', () => {
    expect(percentOf({ task: 'embed', done: 1, total: 4 })).toBe(25);
    expect(percentOf({ task: 'model', done: 10, total: 0 })).toBeNull();
    expect(taskKey('model')).toBe('taskModel');
    expect(taskKey('mystery')).toBe('taskWorking');
    expect(secondsLeft(10_500, 10_000)).toBe(1);
    expect(secondsLeft(9_000, 10_000)).toBe(0);
  });
});
