/**
 * Scrolls a tab to a cited passage and highlights it, with a function injected on demand
 * (chrome.scripting under activeTab). The passage is found by its text, whitespace-insensitive,
 * using the CSS Custom Highlight API, so the page's DOM is not modified.
 */
export async function highlightInTab(tabId: number, quote: string): Promise<boolean> {
  const [res] = await chrome.scripting.executeScript({
    target: { tabId },
    args: [quote],
    func: (q: string): boolean => {
      const words = q.replace(/[#>*_`-]+/g, ' ').split(/\s+/).filter(Boolean);
      if (words.length === 0) return false;
      // Search for the first words of the passage; long passages are found by their opening.
      const probe = words.slice(0, Math.min(12, words.length));
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const nodes: Text[] = [];
      let flat = '';
      const starts: number[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        starts.push(flat.length);
        nodes.push(n as Text);
        flat += `${n.textContent ?? ''} `;
      }
      const norm = flat.replace(/\s+/g, ' ');
      // Map normalized positions back to raw positions.
      const map: number[] = [];
      for (let i = 0, prevSpace = false; i < flat.length; i++) {
        const sp = /\s/.test(flat[i]!);
        if (sp && prevSpace) continue;
        map.push(i);
        prevSpace = sp;
      }
      const needle = probe.join(' ');
      let at = norm.indexOf(needle);
      if (at < 0) at = norm.toLowerCase().indexOf(needle.toLowerCase());
      if (at < 0) return false;
      const endNorm = Math.min(norm.length - 1, at + Math.max(needle.length, Math.min(q.length, 600)) - 1);
      const rawStart = map[at]!;
      const rawEnd = map[endNorm]! + 1;
      const locate = (pos: number): [Text, number] => {
        let i = starts.length - 1;
        while (i > 0 && starts[i]! > pos) i--;
        return [nodes[i]!, Math.min(pos - starts[i]!, nodes[i]!.length)];
      };
      const range = document.createRange();
      const [sn, so] = locate(rawStart);
      const [en, eo] = locate(rawEnd);
      range.setStart(sn, so);
      range.setEnd(en, eo);
      const css = 'confidant-cite';
      const H = (globalThis as unknown as { Highlight?: new (...r: Range[]) => unknown; CSS: { highlights?: Map<string, unknown> } });
      if (H.Highlight && H.CSS.highlights) {
        H.CSS.highlights.set(css, new H.Highlight(range));
        if (!document.getElementById(css)) {
          const style = document.createElement('style');
          style.id = css;
          style.textContent = `::highlight(${css}) { background-color: #fde047; color: #111; }`;
          document.head.append(style);
        }
      }
      (sn.parentElement ?? document.body).scrollIntoView({ block: 'center', behavior: 'smooth' });
      const sel = getSelection();
      sel?.removeAllRanges();
      sel?.addRange(range);
      return true;
    },
  });
  return res?.result === true;
}
