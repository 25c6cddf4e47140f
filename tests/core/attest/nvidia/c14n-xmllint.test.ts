/**
 * Differential test of our Canonical XML 1.1 (src/core/attest/nvidia/xml.ts) against libxml2's
 * `xmllint --c14n11` (Debian package libxml2-utils; .ci/run installs it): every RIM vector, and
 * seeded mutations of them and of small documents that stress the rules (namespaces, attribute
 * order, escaping, whitespace, xml:* attributes). Where both accept a document, the bytes must be
 * identical; where libxml2 refuses one, ours must refuse it too. Skipped, saying so, without xmllint.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalizeDocument, parseXml } from '../../../../src/core/attest/nvidia/xml.ts';
import { mulberry32 } from '../../../helpers/prng.ts';
import { vectorPath } from '../../../helpers/vectors.ts';

const HAVE_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
const RIMS = vectorPath('h100/rims');

function xmllint(doc: string): string | null {
  const r = spawnSync('xmllint', ['--c14n11', '-'], { input: doc, encoding: 'utf8', maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : null;
}

function ours(doc: string): string | null {
  try {
    return canonicalizeDocument(parseXml('doc', doc), null);
  } catch {
    return null;
  }
}

const SMALL = [
  '<a xmlns="http://u1" xmlns:p="http://u2"><p:b p:x="1" y="2" xmlns:p="http://u2"/><c xmlns=""/></a>',
  '<a xmlns:z="http://a" xmlns:b="http://z" b:attr="1" z:attr="2" attr="3" b="4"><z:c/></a>',
  '<a t="&lt;&amp;&quot;&#9;&#10;&#13;>\'">x &lt; y &gt; z &amp; &#13; "q" \'a\'<![CDATA[<>&]]></a>',
  '<a t="a\tb\nc  d"\n   u = "1" >\r\n text\r\n</a>',
  '<a xmlns:p="http://u1"><b xmlns:p="http://u2"><c xmlns:p="http://u1"/></b></a>',
  '<a xml:lang="en"><b xml:space="preserve">  \u{1F600} é </b></a>',
  '<r xmlns:b="http://b" xmlns:a="http://a" a:z="1" b:a="2" z="3" a="4"><e xmlns:a="http://a" xmlns:c="http://c"/></r>',
  '<a>&#x10000;&#xD7FF;&gt;&apos;</a>',
  '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a><!-- inner --><b/></a>\n<!-- after -->',
];

/** Mutations that keep a document plausibly XML: change a character, duplicate or drop a span, swap quotes. */
function mutate(doc: string, rand: () => number): string {
  const i = Math.floor(rand() * doc.length);
  const j = Math.min(doc.length, i + 1 + Math.floor(rand() * 12));
  switch (Math.floor(rand() * 5)) {
    case 0:
      return doc.slice(0, i) + doc.slice(j);
    case 1:
      return doc.slice(0, j) + doc.slice(i, j) + doc.slice(j);
    case 2:
      return doc.slice(0, i) + ' \t\n'[Math.floor(rand() * 3)] + doc.slice(i);
    case 3:
      return doc.slice(0, i) + '"\'<>&=:/x '[Math.floor(rand() * 10)] + doc.slice(i + 1);
    default:
      return doc.replace(/"/g, (m) => (rand() < 0.3 ? "'" : m));
  }
}

describe.skipIf(!HAVE_XMLLINT)('C14N 1.1 against xmllint --c14n11', () => {
  const rims = readdirSync(RIMS).filter((f) => f.endsWith('.xml'));

  it.each(rims)('RIM vector %s canonicalizes byte for byte as libxml2 does', (f) => {
    const doc = readFileSync(join(RIMS, f), 'utf8');
    const want = xmllint(doc);
    expect(want).not.toBeNull();
    expect(ours(doc)).toBe(want);
  });

  it('agrees on 300 mutations of the small documents and 60 of the RIM vectors: same bytes, or both refuse', () => {
    const rand = mulberry32(Number(process.env.C14N_SEED ?? 0xc14));
    const docs = [...SMALL.map((d) => [d, 300 / SMALL.length] as const), ...rims.map((f) => [readFileSync(join(RIMS, f), 'utf8'), 60 / rims.length] as const)];
    let compared = 0;
    let refusedByBoth = 0;
    const disagreements: string[] = [];
    for (const [doc, n] of docs) {
      for (let k = 0; k < n; k++) {
        const m = mutate(doc, rand);
        const want = xmllint(m);
        const got = ours(m);
        // Ours is stricter by design (no DOCTYPE, no PIs, no xml:base): refusing what libxml2 accepts is allowed, the reverse is not.
        if (want === null && got !== null) disagreements.push(`accepted what libxml2 refuses: ${JSON.stringify(m.slice(0, 200))}`);
        // xmllint --c14n11 keeps comments; XMLDSig (and ours) uses C14N 1.1 without them: bytes are compared only without comments.
        else if (want !== null && got !== null && got !== want && !m.includes('<!--')) disagreements.push(`different bytes for ${JSON.stringify(m.slice(0, 200))}`);
        if (want !== null && got !== null) compared++;
        if (want === null && got === null) refusedByBoth++;
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(100);
    expect(refusedByBoth).toBeGreaterThan(10);
  });
});

it.runIf(!HAVE_XMLLINT)('C14N differential test skipped: xmllint is not installed (apt install libxml2-utils)', () => {});
