/**
 * Model and page text rendered as Markdown without ever touching innerHTML: the text is parsed
 * to an mdast tree and each node becomes a Preact element we chose. Raw HTML is shown as text,
 * images are never loaded (their alt text is shown), and only http(s) links are live. A link
 * opens only after the person has seen its full address in a confirmation, which warns when the
 * address looks like it carries what was sent (src/core/chat/links.ts): a prompt injection can
 * make a model write a link that smuggles the page out. Citation markers like [1] become buttons.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import type { Nodes, Parent, RootContent, Table } from 'mdast';
import { splitCitations } from '../lib/citations.ts';
import { contextFingerprints, linkRisk, type LinkRisk } from '../../core/chat/links.ts';
import { t } from '../i18n.ts';
import { ConfirmDialog } from './Dialog.tsx';

export interface MarkdownProps {
  text: string;
  /** Called with the 1-based citation number when a [n] marker is activated. */
  onCite?: (n: number) => void;
  /** How many sources exist, so [n] beyond them stays plain text. */
  citations?: number;
  /** The accessible name of citation n (e.g. "Source 2: Title"). */
  citeLabel?: (n: number) => string;
  /** What was sent with the question, to flag links that carry it. */
  sent?: readonly string[];
}

export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function Markdown({ text, onCite, citations = 0, citeLabel, sent }: MarkdownProps) {
  const tree = useMemo(() => fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }), [text]);
  const fingerprints = useMemo(() => contextFingerprints(sent ?? []), [sent]);
  const [pending, setPending] = useState<LinkRisk | null>(null);
  const onLink = (href: string) => setPending(linkRisk(href, fingerprints));
  return (
    <div class="markdown">
      {renderChildren(tree, { onCite, citations, citeLabel, onLink })}
      <ConfirmDialog
        open={pending !== null}
        title={pending?.suspicious ? t('linkSuspiciousTitle') : t('linkOpenTitle')}
        danger={pending?.suspicious ?? false}
        confirmLabel={t('linkOpen')}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          if (pending) window.open(pending.href, '_blank', 'noopener,noreferrer');
          setPending(null);
        }}
        body={
          pending && (
            <div data-testid="link-confirm">
              <p>{t('linkOpenBody', [pending.host])}</p>
              <p class="url-full mono">{pending.href}</p>
              {pending.suspicious && (
                <ul class="warn-list" data-testid="link-reasons">
                  {pending.reasons.map((r) => (
                    <li key={r}>{t(RISK_KEY[r])}</li>
                  ))}
                </ul>
              )}
            </div>
          )
        }
      />
    </div>
  );
}

/** Message keys (Chrome's message names allow no hyphen). */
const RISK_KEY: Record<LinkRisk['reasons'][number], string> = {
  'sent-text': 'linkRisk_sentText',
  'long-query': 'linkRisk_longQuery',
  'opaque-token': 'linkRisk_opaqueToken',
  credentials: 'linkRisk_credentials',
  'ip-host': 'linkRisk_ipHost',
  'odd-port': 'linkRisk_oddPort',
};

interface Ctx {
  onCite?: (n: number) => void;
  citations: number;
  citeLabel?: (n: number) => string;
  onLink: (href: string) => void;
}

function renderChildren(node: Parent, ctx: Ctx): ComponentChildren {
  return node.children.map((c, i) => render(c as RootContent, ctx, i));
}

function citeText(value: string, ctx: Ctx, key: number): ComponentChildren {
  if (!ctx.onCite || ctx.citations === 0) return value;
  const onCite = ctx.onCite;
  return splitCitations(value, ctx.citations).map((s, i) =>
    s.kind === 'text' ? (
      s.text
    ) : (
      <button
        type="button"
        class="cite"
        key={`${key}-${i}`}
        aria-label={ctx.citeLabel ? ctx.citeLabel(s.n) : t('citeLabel', [String(s.n)])}
        title={ctx.citeLabel ? ctx.citeLabel(s.n) : undefined}
        onClick={() => onCite(s.n)}
      >
        {s.n}
      </button>
    ),
  );
}

function renderTable(node: Table, ctx: Ctx, key: number): JSX.Element {
  const [head, ...body] = node.children;
  const align = node.align ?? [];
  const cellStyle = (i: number) => (align[i] ? { textAlign: align[i]! } : undefined);
  return (
    <div key={key} class="table-wrap" tabIndex={0}>
      <table>
        {head && (
          <thead>
            <tr>
              {head.children.map((c, i) => (
                <th key={i} scope="col" style={cellStyle(i)}>
                  {renderChildren(c, ctx)}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {body.map((row, r) => (
            <tr key={r}>
              {row.children.map((c, i) => (
                <td key={i} style={cellStyle(i)}>
                  {renderChildren(c, ctx)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function render(node: Nodes, ctx: Ctx, key: number): JSX.Element | ComponentChildren {
  switch (node.type) {
    case 'paragraph':
      return <p key={key}>{renderChildren(node, ctx)}</p>;
    case 'heading': {
      // Headings inside an answer are scaled down so they never outrank the panel's own.
      const Tag = `h${Math.min(6, node.depth + 2)}` as 'h3';
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
        <pre key={key} tabIndex={0}>
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
      return (
        <li key={key} class={typeof node.checked === 'boolean' ? 'task' : undefined}>
          {typeof node.checked === 'boolean' && <input type="checkbox" checked={node.checked} disabled aria-label={node.checked ? t('taskDone') : t('taskOpen')} />}
          {node.spread ? renderChildren(node, ctx) : node.children.map((c, i) => (c.type === 'paragraph' ? <span key={i}>{renderChildren(c, ctx)}</span> : render(c, ctx, i)))}
        </li>
      );
    case 'thematicBreak':
      return <hr key={key} />;
    case 'break':
      return <br key={key} />;
    case 'link': {
      const href = safeHref(node.url);
      if (!href) return <span key={key} class="inert-link">{renderChildren(node, ctx)}</span>;
      // A button, not an <a href>: a middle click or a drag must not open it either.
      return (
        <button key={key} type="button" class="link-btn" title={href} onClick={() => ctx.onLink(href)}>
          {renderChildren(node, ctx)}
        </button>
      );
    }
    case 'image':
      // Remote images would tell a third party what you are reading: never loaded.
      return (
        <span key={key} class="inert-image">
          {node.alt ? t('imageWithAlt', [node.alt]) : t('imageNoAlt')}
        </span>
      );
    case 'html':
      return <span key={key}>{node.value}</span>;
    case 'table':
      return renderTable(node, ctx, key);
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
