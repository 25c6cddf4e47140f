import { describe, expect, it } from 'vitest';
import { bestQuote, builtinAnswer, parseSources } from '../../gateway/builtin.ts';
import { buildMessages } from '../../src/core/chat/prompt.ts';

describe('the built-in responder (development, no language model)', () => {
  it('reads back the numbered sources the extension sends, passages with blank lines included', () => {
    const [, user] = buildMessages('What is the tide?', [], [
      { title: 'A', url: 'https://a.example/x', text: 'First paragraph.\n\nSecond paragraph of A.' },
      { title: 'B — with a dash', url: null, text: 'Only one.' },
    ]);
    expect(parseSources(user!.content)).toEqual({
      question: 'What is the tide?',
      sources: [
        { n: 1, text: 'First paragraph.\n\nSecond paragraph of A.' },
        { n: 2, text: 'Only one.' },
      ],
    });
    expect(parseSources('Just a question?')).toEqual({ question: 'Just a question?', sources: [] });
  });

  it('quotes the best-matching sentence and cites its source; says so when nothing matches', () => {
    const sources = [
      { n: 1, text: 'Ferries leave at nine. The lamp was lit in 1844.' },
      { n: 2, text: 'The keeper logged the tides every morning.' },
    ];
    expect(bestQuote('When was the lamp lit?', sources)).toMatchObject({ n: 1, quote: expect.stringContaining('The lamp was lit in 1844.') });
    expect(bestQuote('Who logged the tides?', sources)).toEqual({ n: 2, quote: 'The keeper logged the tides every morning.' });
    expect(bestQuote('zebra quantum', sources)).toBeNull();
    const answer = builtinAnswer(buildMessages('zebra quantum', [], [{ title: 't', url: null, text: 'Nothing here.' }]));
    expect(answer.text).toMatch(/No source shares words with your question\.$/);
  });
});
