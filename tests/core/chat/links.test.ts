import { describe, expect, it } from 'vitest';
import { contextFingerprints, linkRisk } from '../../../src/core/chat/links.ts';

const sent = contextFingerprints(['Alan Stevenson completed the granite tower in 1844 after six years of work.', 'My account number is DE44500105175407324931 and the question was private.']);

describe('links in answers', () => {
  it('a plain link to a page is not flagged, and its full address is what is shown', () => {
    expect(linkRisk('https://en.wikipedia.org/wiki/Skerryvore', sent)).toEqual({ href: 'https://en.wikipedia.org/wiki/Skerryvore', host: 'en.wikipedia.org', suspicious: false, reasons: [] });
  });

  it('flags a link that carries text that was sent, encoded or not', () => {
    expect(linkRisk('https://evil.example/log?q=granite%20tower%20in%201844', sent).reasons).toContain('sent-text');
    expect(linkRisk('https://evil.example/c/alan-stevenson-completed-the', sent).reasons).toContain('sent-text');
    expect(linkRisk('https://evil.example/x?a=DE44500105175407324931', sent).reasons).toContain('sent-text');
  });

  it('flags long queries, opaque tokens, credentials, IP hosts and odd ports', () => {
    expect(linkRisk(`https://a.example/?${'x'.repeat(70)}`, sent).reasons).toContain('long-query');
    expect(linkRisk('https://a.example/p/QWxhbiBTdGV2ZW5zb24gY29tcGxldGVkIHRoZQ', sent).reasons).toContain('opaque-token');
    expect(linkRisk('https://user:pw@a.example/', sent).reasons).toContain('credentials');
    expect(linkRisk('http://203.0.113.9/', sent).reasons).toContain('ip-host');
    expect(linkRisk('https://a.example:8443/', sent).reasons).toContain('odd-port');
  });
});
