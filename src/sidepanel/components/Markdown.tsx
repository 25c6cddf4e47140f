/**
 * Model and page text rendered as Markdown without ever touching innerHTML: the text is parsed
 * to an mdast tree and each node becomes a Preact element we chose. Raw HTML is shown as text,
 * images are never loaded (their alt text is shown), and only http(s) links are live — and they
 * open in a new tab with no referrer. Citation markers like [1] become buttons.
 */
import type { ComponentChildren, JSX } from 'preact';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Nodes, Parent, RootContent } from 'mdast';

export interface MarkdownProps {
  text: string;
  /** Called with the 1-based citation number when a [n] marker is activated. */
  onCite?: (n: number) => void;
  /** How many sources exist, so [n] beyond them stays plain text. */
  citations?: number;
}

export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function Markdown({ text, onCite, citations = 0 }: MarkdownProps) {
  const tree = fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  return <div class="markdown">{renderChildren(tree, { onCite, citations })}</div>;
}

interface Ctx {
  onCite?: (n: number) => void;
  citations: number;
}

function renderChildren(node: Parent, ctx: Ctx): ComponentChildren {
  return node.children.map((c, i) => render(c as RootContent, ctx, i));
}

function citeText(value: string, ctx: Ctx, key: number): ComponentChildren {
  if (!ctx.onCite || ctx.citations === 0) return value;
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of value.matchAll(/\[(\d{1,3})\]/g)) {
    const n = Number(m[1]);
    if (n < 1 || n > ctx.citations) continue;
    parts.push(value.slice(last, m.index));
    parts.push(
      <button type="button" class="cite" key={`${key}-${m.index}`} aria-label={`Source ${n}`} onClick={() => ctx.onCite!(n)}>
        {n}
      </button>,
    );
    last = m.index! + m[0].length;
  }
  parts.push(value.slice(last));
  return parts;
}

function render(node: Nodes, ctx: Ctx, key: number): JSX.Element | ComponentChildren {
  switch (node.type) {
    case 'paragraph':
      return <p key={key}>{renderChildren(node, ctx)}</p>;
    case 'heading': {
      // Headings inside an answer are scaled down so they never outrank the panel's own.
      const Tag = (`h${Math.min(6, node.depth + 2)}` as unknown) as 'h3';
      return <Tag key={key}>{renderChildren(node, ctx)}</Tag>;
    }
    case 'text':
      return citeText(node.value, ctx, key);
    case 'emphasis':
      return <em key={key}>{renderChildren(node, ctx)}</em>;
    case 'strong':
      return <strong key={key}>{renderChildren(node, ctx)}</strong>;
    case 'delete':
      return <del key={key}>{renderChildren(node, ctx)}</del>;
    case 'inlineCode':
      return <code key={key}>{node.value}</code>;
    case 'code':
      return (
        <pre key={key}>
          <code data-lang={node.lang ?? undefined}>{node.value}</code>
        </pre>
      );
    case 'blockquote':
      return <blockquote key={key}>{renderChildren(node, ctx)}</blockquote>;
    case 'list':
      return node.ordered ? (
        <ol key={key} start={node.start ?? undefined}>
          {renderChildren(node, ctx)}
        </ol>
      ) : (
        <ul key={key}>{renderChildren(node, ctx)}</ul>
      );
    case 'listItem':
      return <li key={key}>{renderChildren(node, ctx)}</li>;
    case 'thematicBreak':
      return <hr key={key} />;
    case 'break':
      return <br key={key} />;
    case 'link': {
      const href = safeHref(node.url);
      if (!href) return <span key={key} class="inert-link">{renderChildren(node, ctx)}</span>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow" title={href}>
          {renderChildren(node, ctx)}
        </a>
      );
    }
    case 'image':
      // Remote images would tell a third party what you are reading: never loaded.
      return (
        <span key={key} class="inert-image">
          [image{node.alt ? `: ${node.alt}` : ''}]
        </span>
      );
    case 'html':
      return <span key={key}>{node.value}</span>;
    case 'table':
      return (
        <div key={key} class="table-wrap">
          <table>
            <tbody>{renderChildren(node, ctx)}</tbody>
          </table>
        </div>
      );
    case 'tableRow':
      return <tr key={key}>{renderChildren(node, ctx)}</tr>;
    case 'tableCell':
      return <td key={key}>{renderChildren(node, ctx)}</td>;
    case 'linkReference':
    case 'imageReference':
    case 'footnoteReference':
    case 'definition':
    case 'footnoteDefinition':
      return 'children' in node ? <span key={key}>{renderChildren(node as Parent, ctx)}</span> : null;
    default:
      return 'children' in node ? <span key={key}>{renderChildren(node as Parent, ctx)}</span> : 'value' in node ? String((node as { value: unknown }).value) : null;
  }
}
