import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../../src/core/errors.ts';
import type { Check } from '../../../../src/core/attest/types.ts';
import { NVIDIA_DEVICE_ROOT_PEM, NVIDIA_RIM_ROOT_PEM, parsePemCerts, parseRim, verifyRim } from '../../../../src/core/attest/nvidia/index.ts';
import { canonicalizeDocument, canonicalizeSubtree, childElements, parseXml } from '../../../../src/core/attest/nvidia/xml.ts';
import { parseError } from '../helpers.ts';
import { RIM_TIME, rimText } from './h100.ts';

const rimRoots = parsePemCerts('root', NVIDIA_RIM_ROOT_PEM);
const failed = (checks: Check[]) => checks.filter((c) => !c.passed).map((c) => c.id);

describe('Canonical XML 1.1 (expected outputs produced by libxml2 2.9.14 `xmllint --c14n11`)', () => {
  const cases: [string, string, string][] = [
    [
      'namespaces: superfluous redeclaration dropped, xmlns="" kept',
      '<a xmlns="http://u1" xmlns:p="http://u2"><p:b p:x="1" y="2" xmlns:p="http://u2"/><c xmlns=""/></a>',
      '<a xmlns="http://u1" xmlns:p="http://u2"><p:b y="2" p:x="1"></p:b><c xmlns=""></c></a>',
    ],
    [
      'attributes sorted by namespace URI then local name, namespaces by prefix',
      '<a xmlns:z="http://a" xmlns:b="http://z" b:attr="1" z:attr="2" attr="3" b="4"/>',
      '<a xmlns:b="http://z" xmlns:z="http://a" attr="3" b="4" z:attr="2" b:attr="1"></a>',
    ],
    [
      'escaping in attributes and text, CDATA as text',
      `<a t="&lt;&amp;&quot;&#9;&#10;&#13;>'">x &lt; y &gt; z &amp; &#13; "q" 'a'<![CDATA[<>&]]></a>`,
      `<a t="&lt;&amp;&quot;&#x9;&#xA;&#xD;>'">x &lt; y &gt; z &amp; &#xD; "q" 'a'&lt;&gt;&amp;</a>`,
    ],
    ['attribute-value normalization and CRLF line ends', '<a t="a\tb\nc  d"\n   u = "1" >\r\n text\r\n</a>', '<a t="a b c  d" u="1">\n text\n</a>'],
    [
      'a prefix rebound and bound back',
      '<a xmlns:p="http://u1"><b xmlns:p="http://u2"><c xmlns:p="http://u1"/></b></a>',
      '<a xmlns:p="http://u1"><b xmlns:p="http://u2"><c xmlns:p="http://u1"></c></b></a>',
    ],
    ['default namespace undeclared and declared again', '<a xmlns="http://u"><b xmlns=""><c xmlns="http://u"/><d/></b></a>', '<a xmlns="http://u"><b xmlns=""><c xmlns="http://u"></c><d></d></b></a>'],
    ['unused prefix kept where declared, not repeated', '<a xmlns:p="http://u"><b xmlns:p="http://u"/><p:c/></a>', '<a xmlns:p="http://u"><b></b><p:c></p:c></a>'],
    [
      'XML declaration, comments and the xml prefix declaration dropped',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<a xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"><b xml:space="preserve">  \u{1F600} é </b><!-- inner --></a>\n',
      '<a xml:lang="en"><b xml:space="preserve">  \u{1F600} é </b></a>',
    ],
    [
      'attribute order across prefixes',
      '<r xmlns:b="http://b" xmlns:a="http://a" a:z="1" b:a="2" z="3" a="4"><e xmlns:a="http://a" xmlns:c="http://c"/></r>',
      '<r xmlns:a="http://a" xmlns:b="http://b" a="4" z="3" a:z="1" b:a="2"><e xmlns:c="http://c"></e></r>',
    ],
    ['character references', '<a>&#x10000;&#xD7FF;&gt;&apos;</a>', '<a>\u{10000}\uD7FF&gt;\'</a>'],
  ];
  it.each(cases)('%s', (_, input, want) => {
    expect(canonicalizeDocument(parseXml('x', input), null)).toBe(want);
  });

  it('a document subset renders every in-scope namespace on its apex and inherits xml:lang / xml:space (C14N 1.1 §2.4)', () => {
    const root = parseXml('x', '<a xmlns="http://d" xmlns:p="http://p" xml:lang="en" xml:space="preserve" xml:id="i"><p:b q="1"><c/></p:b></a>');
    const b = root.children[0] as Parameters<typeof canonicalizeSubtree>[0];
    expect(canonicalizeSubtree(b)).toBe('<p:b xmlns="http://d" xmlns:p="http://p" q="1" xml:lang="en" xml:space="preserve"><c></c></p:b>');
  });

  it('the enveloped-signature transform leaves out exactly the signature subtree', () => {
    const root = parseXml('x', '<a xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><b/>\n<ds:Signature><ds:X/></ds:Signature></a>');
    const [sig] = childElements(root, 'http://www.w3.org/2000/09/xmldsig#', 'Signature');
    expect(canonicalizeDocument(root, sig!)).toBe('<a xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><b></b>\n</a>');
  });

  it.each([
    ['a DOCTYPE (no entity expansion, ever)', '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', /DOCTYPE|entity/],
    ['a processing instruction', '<a><?pi x?></a>', /processing instruction/],
    ['xml:base', '<a xml:base="http://x/"/>', /xml:base/],
    ['two roots', '<a/><b/>', /second root|XML/],
    ['an unknown entity', '<a>&nope;</a>', /entity/],
    ['an unbound prefix', '<p:a/>', /XML|namespace/i],
    ['a control character', '<a>\u0001</a>', /U\+0001 at offset 3/],
    ['text after the root', '<a/>x', /XML/],
    ['empty text', '', /0 characters/],
    ['elements nested 100 deep', '<a>'.repeat(100) + '</a>'.repeat(100), /deeper than 64/],
  ])('rejects %s with a ParseError', (_, text, msg) => {
    const e = parseError(() => parseXml('rim', text));
    expect(e.field).toBe('rim');
    expect(e.message).toMatch(msg);
  });
});

describe('parseRim and verifyRim on the real RIMs', () => {
  it('NV_GPU_DRIVER_GH100_550.144.03.xml verifies at 2025-01-01', async () => {
    const rim = parseRim(rimText.driver550_144_03());
    expect(rim).toMatchObject({ kind: 'driver', colloquialVersion: '550.144.03', product: 'GH100', name: 'GH100' });
    expect(rim.signature.certs.map((c) => c.name)).toEqual(['HCC RIM L4 Signer', 'NVIDIA Reference Value L3 GH100 002', 'NVIDIA Reference Value GH100 CA', 'NVIDIA CoRIM signing Root CA']);
    const active = rim.measurements.filter((m) => m.active).map((m) => m.index);
    expect(active).toEqual([7, ...Array.from({ length: 20 }, (_, i) => 21 + i)]);
    expect(rim.measurements).toHaveLength(64);
    expect(rim.measurements.find((m) => m.index === 35)!.hashes).toHaveLength(4);
    const checks = await verifyRim(rim, { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim.driver' });
    expect(failed(checks)).toEqual([]);
    expect(checks[0]!.id).toBe('gpu.rim.driver.signature');
  });

  it('the VBIOS swidtag verifies at 2025-01-01 and its L4 signer has expired by 2025-07-01', async () => {
    const rim = parseRim(rimText.vbios535());
    expect(rim).toMatchObject({ kind: 'vbios', colloquialVersion: '96.00.5E.00.01' });
    expect(rim.measurements.filter((m) => m.active).map((m) => m.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]);
    expect(failed(await verifyRim(rim, { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim.vbios' }))).toEqual([]);
    const late = await verifyRim(rim, { now: new Date('2025-07-01T00:00:00Z'), trustedRoots: rimRoots, prefix: 'gpu.rim.vbios' });
    expect(failed(late)).toEqual(['gpu.rim.vbios.chain.validity']);
    expect(late.find((c) => c.id === 'gpu.rim.vbios.chain.validity')!.detail).toContain('HCC RIM L4 Signer) is valid 2023-06-23T09:30:33.000Z to 2025-06-22T09:30:33.000Z');
  });

  it('incorrect_signature_driver_rim.xml fails its signature check', async () => {
    const checks = await verifyRim(parseRim(rimText.incorrectSignature()), { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim.driver' });
    expect(failed(checks)).toEqual(['gpu.rim.driver.signature']);
    expect(checks[0]!.detail).toMatch(/SignatureValue does not verify over the canonical SignedInfo/);
  });

  it('the wrong trust anchor fails the chain root', async () => {
    const checks = await verifyRim(parseRim(rimText.driver550_144_03()), { now: RIM_TIME, trustedRoots: parsePemCerts('r', NVIDIA_DEVICE_ROOT_PEM), prefix: 'gpu.rim.driver' });
    expect(failed(checks)).toEqual(['gpu.rim.driver.chain.root']);
  });

  const driver = rimText.driver550_144_03();
  const signedChanges: [string, string][] = [
    ['a reference hash', driver.replace('4a5e4b3d501fe31f', '4a5e4b3d501fe31e')],
    ['an index made inactive', driver.replace('index="7" active="True"', 'index="7" active="False"')],
    ['the colloquial version', driver.replace('colloquialVersion="550.144.03"', 'colloquialVersion="550.144.04"')],
    ['an added attribute', driver.replace('<ns0:Payload ', '<ns0:Payload extra="1" ')],
    ['whitespace between elements', driver.replace('</ns0:Entity>', '</ns0:Entity>').replace('\n    <ns0:Meta', '\n     <ns0:Meta')],
    ['a namespace declaration moved', driver.replace(' xmlns:ns2="http://www.w3.org/2001/04/xmlenc#sha384"', '').replace('<ns0:Entity ', '<ns0:Entity xmlns:ns2="http://www.w3.org/2001/04/xmlenc#sha384" ')],
  ];
  it.each(signedChanges)('a changed %s fails the digest', async (_, text) => {
    expect(text).not.toBe(driver);
    let rim;
    try {
      rim = parseRim(text);
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      return;
    }
    const checks = await verifyRim(rim, { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim.driver' });
    expect(failed(checks)).toEqual(['gpu.rim.driver.signature']);
    expect(checks[0]!.detail).toMatch(/Reference DigestValue: got [0-9a-f]{96}, want [0-9a-f]{96}/);
  });

  it.each([
    ['reformatted signature base64', driver.replace(/<ds:SignatureValue>(.{20})/, '<ds:SignatureValue>$1\n')],
    ['a comment', driver.replace('<ns0:Payload', '<!-- note --><ns0:Payload')],
    ['an XML declaration', `<?xml version="1.0" encoding="UTF-8"?>\n${driver}`],
    ['CRLF line ends', driver.replace(/\n/g, '\r\n')],
  ])('what canonicalization removes (%s) still verifies', async (_, text) => {
    expect(failed(await verifyRim(parseRim(text), { now: RIM_TIME, trustedRoots: rimRoots, prefix: 'gpu.rim.driver' }))).toEqual([]);
  });
});

describe('malformed RIMs: ParseError naming the part', () => {
  const t = rimText.driver550_144_03();
  const cases: [string, string, string][] = [
    ['not XML', 'hello', 'rim'],
    ['another root element', '<a/>', 'rim.SoftwareIdentity'],
    ['no signature', t.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ''), 'rim.Signature'],
    ['two signatures', t.replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)/, '$1$1'), 'rim.Signature'],
    ['a signature inside Payload', t.replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)/, '').replace('</ns0:Payload>', `${/<ds:Signature[\s\S]*<\/ds:Signature>/.exec(t)![0]}</ns0:Payload>`), 'rim.Signature'],
    ['exclusive C14N', t.replace('<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"', '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"'), 'rim.Signature.SignedInfo.CanonicalizationMethod'],
    ['RSA signature method', t.replace('xmldsig-more#ecdsa-sha384', 'xmldsig-more#rsa-sha384'), 'rim.Signature.SignedInfo.SignatureMethod'],
    ['a Reference to an id', t.replace('<ds:Reference URI=""', '<ds:Reference URI="#x"'), 'rim.Signature.Reference'],
    ['no enveloped transform', t.replace('<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>', ''), 'rim.Signature.Reference.Transforms'],
    ['SHA-256 digest', t.replace('xmldsig-more#sha384"', 'xmlenc#sha256"'), 'rim.Signature.Reference.DigestMethod'],
    ['a short DigestValue', t.replace(/<ds:DigestValue>[^<]*/, '<ds:DigestValue>AAAA'), 'rim.Signature.DigestValue'],
    ['a non-base64 SignatureValue', t.replace(/<ds:SignatureValue>[^<]*/, '<ds:SignatureValue>@@@@'), 'rim.Signature.SignatureValue'],
    ['no certificates', t.replace(/<ds:X509Certificate>[^<]*<\/ds:X509Certificate>/g, ''), 'rim.Signature.KeyInfo.X509Data'],
    ['a broken certificate', t.replace(/<ds:X509Certificate>MII/, '<ds:X509Certificate>MIJ'), 'rim.Signature.KeyInfo.X509Certificate[0]'],
    ['no colloquialVersion', t.replace('colloquialVersion="550.144.03" ', ''), 'rim.Meta.colloquialVersion'],
    ['a missing Hash1', t.replace(/ns2:Hash1="[0-9a-f]+"/, ''), 'rim.Payload.Resource[23].Hash1'],
    ['a short hash', t.replace(/ns2:Hash0="4a5e4b3d/, 'ns2:Hash0="4a5e4b3'), 'rim.Payload.Resource[7].Hash0'],
    ['index twice', t.replace('index="8"', 'index="7"'), 'rim.Payload.Resource[8].index'],
    ['a bad active value', t.replace('index="7" active="True"', 'index="7" active="yes"'), 'rim.Payload.Resource[7].active'],
    ['zero alternatives', t.replace('index="7" active="True" alternatives="1"', 'index="7" active="True" alternatives="0"'), 'rim.Payload.Resource[7].alternatives'],
  ];
  it.each(cases)('%s', (_, text, field) => {
    expect(parseError(() => parseRim(text)).field).toBe(field);
  });
});
