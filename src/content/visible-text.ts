/**
 * The text a person can see. Hidden and off-screen text is a common prompt-injection carrier
 * (white-on-white, display:none, aria-hidden, clipped or positioned far away), so it is dropped.
 */
const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'HEAD', 'META', 'LINK']);
const BLOCK_DISPLAY = /^(block|flex|grid|list-item|table|table-row|table-caption|flow-root)$/;

function isHidden(el: Element): boolean {
  if (SKIP_TAGS.has(el.tagName)) return true;
  if (el.getAttribute('aria-hidden') === 'true' || (el as HTMLElement).hidden) return true;
  const s = getComputedStyle(el);
  if (s.display === 'none' || s.visibility === 'hidden' || s.visibility === 'collapse' || Number(s.opacity) === 0) return true;
  if (s.clipPath === 'inset(50%)' || s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clip === 'rect(1px, 1px, 1px, 1px)') return true;
  const r = el.getBoundingClientRect();
  if (s.position !== 'static' && (r.right < -1000 || r.bottom < -1000 || r.left > 100_000)) return true;
  if ((r.width === 0 || r.height === 0) && s.overflow === 'hidden') return true;
  if (parseFloat(s.fontSize) < 2) return true;
  if (s.color === s.backgroundColor && s.color !== 'rgba(0, 0, 0, 0)') return true;
  return false;
}

export function visibleText(root: Element | null): string {
  if (!root) return '';
  const out: string[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === Node.TEXT_NODE) {
      out.push(node.textContent ?? '');
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node as Element;
    if (isHidden(el)) return;
    const block = BLOCK_DISPLAY.test(getComputedStyle(el).display) || el.tagName === 'BR';
    if (block) out.push('\n');
    for (const child of Array.from(el.childNodes)) walk(child);
    if (block) out.push('\n');
  };
  walk(root);
  return out
    .join('')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
