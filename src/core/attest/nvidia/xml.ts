/**
 * XML for RIM verification, without DOM globals (a service worker has no DOMParser):
 * @xmldom/xmldom parses, this file turns its tree into a small immutable one with namespace
 * scopes resolved, and implements Canonical XML 1.1 (https://www.w3.org/TR/xml-c14n11/, without
 * comments) over it — for the whole document minus one excluded element (the enveloped-signature
 * transform, XMLDSig §6.6.4) and for one element's subtree (SignedInfo).
 *
 * Why our own canonicalizer: the maintained JavaScript XML-DSig libraries do not implement
 * C14N 1.1 (xmldsigjs: C14N 1.0 and exclusive only, and it needs DOMParser/XMLSerializer
 * globals; xml-crypto: C14N 1.0 / exclusive, Node's crypto, no ECDSA).
 *
 * Supported input (what NVIDIA RIMs use, and checked): UTF-16 text as given, one root element,
 * elements, attributes, namespace declarations, text, CDATA, comments (dropped). Rejected with
 * ParseError: DOCTYPE (no entity expansion ever), processing instructions other than the XML
 * declaration, xml:base (C14N 1.1 fix-up not implemented), characters outside XML 1.0 Char,
 * and anything xmldom reports as a warning or error.
 */
import { DOMParser } from '@xmldom/xmldom';
import { ConfidantError, ParseError } from '../../errors.ts';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XAttr {
  /** Qualified name as written (prefix:local or local). */
  qname: string;
  prefix: string | null;
  localName: string;
  /** Namespace URI, '' for none (unprefixed attributes). */
  ns: string;
  value: string;
}

export interface XElement {
  kind: 'element';
  qname: string;
  prefix: string | null;
  localName: string;
  ns: string;
  /** Namespace declarations on this element: prefix ('' = default) → URI ('' = undeclare default). */
  decls: Map<string, string>;
  /** All namespaces in scope here (inherited + own), without the implicit xml prefix. */
  inScope: Map<string, string>;
  attrs: XAttr[];
  children: XNode[];
  parent: XElement | null;
}

export type XNode = XElement | { kind: 'text'; value: string } | { kind: 'comment' };

/** XML 1.0 Char production (§2.2). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const MAX_DEPTH = 64;

interface DomLike {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  firstChild: DomLike | null;
  nextSibling: DomLike | null;
  prefix?: string | null;
  localName?: string | null;
  namespaceURI?: string | null;
  tagName?: string;
  attributes?: { length: number; item(i: number): { name: string; prefix: string | null; localName: string | null; namespaceURI: string | null; value: string } | null };
  documentElement?: DomLike | null;
}

function convert(field: string, el: DomLike, parent: XElement | null, depth: number): XElement {
  if (depth > MAX_DEPTH) throw new ParseError(field, `elements nested deeper than ${MAX_DEPTH}`);
  const decls = new Map<string, string>();
  const attrs: XAttr[] = [];
  const list = el.attributes!;
  for (let i = 0; i < list.length; i++) {
    const a = list.item(i)!;
    if (a.namespaceURI === XMLNS_NS) {
      if (a.value !== '') checkNamespaceUri(field, a.value);
      decls.set(a.prefix === 'xmlns' ? a.localName! : '', a.value);
      continue;
    }
    if (a.namespaceURI === XML_NS && a.localName === 'base') throw new ParseError(field, 'xml:base is not supported');
    attrs.push({ qname: a.name, prefix: a.prefix, localName: a.localName ?? a.name, ns: a.namespaceURI ?? '', value: a.value });
  }
  const inScope = new Map(parent?.inScope ?? []);
  for (const [p, u] of decls) inScope.set(p, u);
  const node: XElement = {
    kind: 'element',
    qname: el.tagName ?? el.nodeName,
    prefix: el.prefix ?? null,
    localName: el.localName ?? el.nodeName,
    ns: el.namespaceURI ?? '',
    decls,
    inScope,
    attrs,
    children: [],
    parent,
  };
  for (let c = el.firstChild; c; c = c.nextSibling) {
    switch (c.nodeType) {
      case 1:
        node.children.push(convert(field, c, node, depth + 1));
        break;
      case 3: // text
      case 4: // CDATA: its content is text in the data model
        node.children.push({ kind: 'text', value: c.nodeValue ?? '' });
        break;
      case 8:
        node.children.push({ kind: 'comment' });
        break;
      case 7:
        throw new ParseError(field, `processing instruction <?${c.nodeName}?> is not supported`);
      default:
        throw new ParseError(field, `unsupported XML node type ${c.nodeType}`);
    }
  }
  return node;
}

/**
 * What xmldom lets through and XML 1.0 forbids (found by the differential test against libxml2,
 * tests/core/attest/nvidia/c14n-xmllint.test.ts): a '&' that starts no reference, a '<' inside an
 * attribute value, markup that is not a tag, comment, CDATA section or PI, and end tags that do
 * not close the open element (including one after the root). Checked on the raw text first.
 */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>/]+)\s*>|<([^\s/>!?]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(\/?)>/y;
/** Character references and the five predefined entities: with no DOCTYPE, no other entity exists. */
const REFERENCE = /&(?:#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|apos|quot);/y;

/** The reference at `at` in `text` is well formed and names an XML Char; returns the index after it. */
function checkReference(field: string, text: string, at: number, offset: number): number {
  REFERENCE.lastIndex = at;
  const m = REFERENCE.exec(text);
  if (!m) throw new ParseError(field, `a '&' at offset ${offset} starts no predefined entity or character reference`);
  if (m[0][1] === '#') {
    const cp = m[0][2] === 'x' ? parseInt(m[0].slice(3, -1), 16) : parseInt(m[0].slice(2, -1), 10);
    if (!(cp <= 0x10ffff) || NOT_XML_CHAR.test(String.fromCodePoint(cp))) throw new ParseError(field, `character reference ${m[0].slice(0, 16)} at offset ${offset} names no XML character`);
  }
  return REFERENCE.lastIndex;
}

/** The XML declaration, when there is one: version 1.0, and an encoding (if named) of UTF-8 or UTF-16. */
function checkDeclaration(field: string, text: string): void {
  if (!text.startsWith('<?xml')) return;
  const decl = /^<\?xml\s+version\s*=\s*(["'])1\.0\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][\w.-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/.exec(text);
  if (!decl) throw new ParseError(field, 'the XML declaration is malformed or not version 1.0');
  if (decl[3] !== undefined && !/^utf-(8|16)$/i.test(decl[3])) throw new ParseError(field, `the XML declaration names encoding ${decl[3]}; want UTF-8 or UTF-16`);
}

function checkMarkup(field: string, text: string): void {
  checkDeclaration(field, text);
  const open: string[] = [];
  let closedRoot = false;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '&') {
      i = checkReference(field, text, i, i);
      continue;
    }
    if (c !== '<') {
      i++;
      continue;
    }
    MARKUP.lastIndex = i;
    const m = MARKUP.exec(text);
    if (!m) throw new ParseError(field, `malformed markup at offset ${i}`);
    if (m[1] !== undefined) {
      if (open.pop() !== m[1]) throw new ParseError(field, `end tag </${m[1]}> at offset ${i} closes no open element of that name`);
      if (open.length === 0) closedRoot = true;
    } else if (m[2] !== undefined) {
      if (closedRoot || (open.length === 0 && m[3] === '/' && closedRoot)) throw new ParseError(field, `a second root element at offset ${i}`);
      // A start tag's attribute values may hold entity references: check them too.
      const tag = m[0];
      for (let j = tag.indexOf('&'); j >= 0; j = tag.indexOf('&', j + 1)) checkReference(field, tag, j, i + j);
      if (m[3] === '/') {
        if (open.length === 0) closedRoot = true;
      } else open.push(m[2]);
    }
    i = MARKUP.lastIndex;
  }
  if (open.length) throw new ParseError(field, `element <${open[open.length - 1]}> is never closed`);
}

/**
 * Canonical XML refuses relative namespace URIs (C14N 1.0 §2, kept by 1.1), as libxml2 does: a
 * namespace name must be an absolute RFC 3986 URI, and an authority's port, when written, digits.
 */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
function checkNamespaceUri(field: string, uri: string): void {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri)?.[1];
  const port = authority !== undefined && !authority.startsWith('[') && authority.includes(':') ? authority.slice(authority.lastIndexOf(':') + 1) : null;
  if (!ABSOLUTE_URI.test(uri) || (port !== null && !/^\d+$/.test(port))) {
    throw new ParseError(field, `namespace name ${JSON.stringify(uri.slice(0, 80))} is not an absolute URI (canonical XML refuses relative namespace names)`);
  }
}

/** XML 1.0 end-of-line handling (§2.11): CRLF and lone CR become LF. */
const normalizeXml10LineEndings = (s: string): string => s.replace(/\r\n?/g, '\n');

export const MAX_XML_CHARS = 1024 * 1024;

/** Parses XML text into the tree above. Any warning or error from the parser is a ParseError. */
export function parseXml(field: string, text: string): XElement {
  if (typeof text !== 'string') throw new ParseError(field, `got ${typeof text}, want XML text`);
  if (text.length === 0) throw new ParseError(field, 'got 0 characters, want an XML document');
  if (text.length > MAX_XML_CHARS) throw new ParseError(field, `got ${text.length} characters, want at most ${MAX_XML_CHARS}`);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const bad = NOT_XML_CHAR.exec(body);
  if (bad) throw new ParseError(field, `character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at offset ${bad.index} is not allowed in XML 1.0`);
  checkMarkup(field, body);
  let doc: DomLike;
  try {
    doc = new DOMParser({
      locator: true,
      normalizeLineEndings: normalizeXml10LineEndings,
      onError: (level, msg) => {
        throw new ParseError(field, `XML ${level}: ${msg}`);
      },
    }).parseFromString(body, 'text/xml') as unknown as DomLike;
  } catch (e) {
    if (e instanceof ConfidantError) throw e;
    // xmldom wraps what onError throws in its own ParseError, with ours as `cause`.
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof ConfidantError) throw cause;
    throw new ParseError(field, `not well-formed XML (${e instanceof Error ? e.message : String(e)})`);
  }
  let root: DomLike | null = null;
  for (let c = doc.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 10) throw new ParseError(field, 'DOCTYPE is not allowed');
    if (c.nodeType === 7 && c.nodeName !== 'xml') throw new ParseError(field, `processing instruction <?${c.nodeName}?> is not supported`);
    if (c.nodeType === 1) root = c;
  }
  if (!root) throw new ParseError(field, 'no root element');
  try {
    return convert(field, root, null, 0);
  } catch (e) {
    if (e instanceof ConfidantError) throw e;
    throw new ParseError(field, `unreadable XML tree (${e instanceof Error ? e.message : String(e)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Canonical XML 1.1, without comments.

function escText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

function escAttr(s: string): string {
  return s.replace(/[&<"\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '"':
        return '&quot;';
      case '\t':
        return '&#x9;';
      case '\n':
        return '&#xA;';
      default:
        return '&#xD;';
    }
  });
}

/** Code-point order (C14N sorts by UCS code point; UTF-16 unit order differs only above U+FFFF). */
function cmp(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

/** C14N 1.1 §2.4: xml:lang and xml:space are inherited onto an apex element from its ancestors (xml:id is not; xml:base is rejected at parse). */
function inheritedXmlAttrs(el: XElement): XAttr[] {
  const have = new Set(el.attrs.filter((a) => a.ns === XML_NS).map((a) => a.localName));
  const out: XAttr[] = [];
  for (let p = el.parent; p; p = p.parent) {
    for (const a of p.attrs) {
      if (a.ns === XML_NS && (a.localName === 'lang' || a.localName === 'space') && !have.has(a.localName)) {
        have.add(a.localName);
        out.push(a);
      }
    }
  }
  return out;
}

function render(el: XElement, parentScope: Map<string, string> | null, exclude: XElement | null, out: string[]): void {
  // Namespace axis: a namespace node is output unless the nearest output ancestor has the same
  // prefix bound to the same URI (C14N 1.0 §2.3 / 1.1 §2.3). The default namespace's absence is
  // output as xmlns="" only when the output parent has a non-empty default.
  const ns: [string, string][] = [];
  for (const [prefix, uri] of el.inScope) {
    if (prefix === 'xml') continue;
    const parentUri = parentScope?.get(prefix) ?? (prefix === '' ? '' : undefined);
    if (prefix === '') {
      if (uri !== parentUri) ns.push(['', uri]);
    } else if (uri !== parentUri) {
      ns.push([prefix, uri]);
    }
  }
  ns.sort((a, b) => cmp(a[0], b[0]));
  const attrs = parentScope === null ? [...el.attrs, ...inheritedXmlAttrs(el)] : [...el.attrs];
  attrs.sort((a, b) => cmp(a.ns, b.ns) || cmp(a.localName, b.localName));

  out.push('<', el.qname);
  for (const [p, u] of ns) out.push(' ', p === '' ? 'xmlns' : `xmlns:${p}`, '="', escAttr(u), '"');
  for (const a of attrs) out.push(' ', a.qname, '="', escAttr(a.value), '"');
  out.push('>');
  for (const c of el.children) {
    if (c.kind === 'text') out.push(escText(c.value));
    else if (c.kind === 'element' && c !== exclude) render(c, el.inScope, exclude, out);
  }
  out.push('</', el.qname, '>');
}

/**
 * C14N 1.1 of the document whose root is `root`, leaving out `exclude` and its subtree
 * (the enveloped-signature transform). Output is the document element only: the XML
 * declaration is not part of the data model, and comments are dropped.
 */
export function canonicalizeDocument(root: XElement, exclude: XElement | null): string {
  const out: string[] = [];
  render(root, null, exclude, out);
  return out.join('');
}

/** C14N 1.1 of the document subset made of `el` and its descendants (e.g. SignedInfo). */
export function canonicalizeSubtree(el: XElement): string {
  const out: string[] = [];
  render(el, null, null, out);
  return out.join('');
}

/** Child elements of `el` with the given namespace and local name. */
export function childElements(el: XElement, ns: string, localName: string): XElement[] {
  return el.children.filter((c): c is XElement => c.kind === 'element' && c.ns === ns && c.localName === localName);
}

export function attr(el: XElement, localName: string, ns = ''): string | null {
  return el.attrs.find((a) => a.ns === ns && a.localName === localName)?.value ?? null;
}

/** Concatenated text content (direct text children only). */
export function textOf(el: XElement): string {
  return el.children.map((c) => (c.kind === 'text' ? c.value : '')).join('');
}

/** Every element in document order. */
export function* walk(el: XElement): Generator<XElement> {
  yield el;
  for (const c of el.children) if (c.kind === 'element') yield* walk(c);
}
