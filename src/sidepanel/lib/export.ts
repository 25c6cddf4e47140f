/**
 * A conversation as a Markdown file: each question, its answer (citations [n] as written), the
 * sources it was given with their addresses, and its receipt (where it was sent, under which
 * attested key and software, when). Pure, so it is tested in Node.
 */
import type { ConversationRecord, Receipt } from '../../messaging/views.ts';
import { decodeError } from './chat.ts';

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

/** One line per passage: "[n] Title — address · heading". */
function sourceLine(n: number, p: { title: string; url: string | null; heading: string }): string {
  const title = p.title.replace(/\s+/g, ' ').trim() || 'Untitled';
  const where = p.url ? ` — <${p.url}>` : ' — from the library';
  return `${n}. ${title}${where}${p.heading ? ` · ${p.heading}` : ''}`;
}

function receiptLine(r: Receipt): string {
  const software = r.software ? `${r.software.kind} ${r.software.value.slice(0, 16)}…${r.software.release ? ` (${r.software.release.repo} ${r.software.release.tag})` : ''}` : 'software not identified';
  const dev = r.simulated ? ' · development gateway (simulated evidence)' : '';
  return `Sent ${iso(r.sentAt)} to ${r.gatewayUrl} (${r.provider}, model ${r.model}) under attested key ${r.keyId}, ${software}${dev}; ${r.passages} passages, ${r.characters} characters.`;
}

export function conversationMarkdown(c: ConversationRecord, exportedAt: number): string {
  const out: string[] = [`# ${c.title.replace(/\s+/g, ' ').trim() || 'Conversation'}`, '', `_Exported from Confidant on ${iso(exportedAt)}; started ${iso(c.createdAt)}._`];
  for (const m of c.messages) {
    out.push('');
    if (m.role === 'user') {
      out.push('## Question', '', m.content.trim());
      continue;
    }
    out.push('### Answer', '');
    if (m.content.trim()) out.push(m.content.trim());
    if (m.error) out.push(`${m.content.trim() ? '\n' : ''}> Not answered: ${decodeError(m.error).message}`);
    if (m.passages?.length) out.push('', '**Sources**', '', ...m.passages.map((p, i) => sourceLine(i + 1, p)));
    if (m.receipt) out.push('', `_${receiptLine(m.receipt)}_`);
  }
  return `${out.join('\n')}\n`;
}

/** "confidant-<title words>-YYYY-MM-DD.md", safe on every file system. */
export function conversationFileName(title: string, ms: number): string {
  const slug =
    title
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase()
      .slice(0, 48)
      .replace(/-+$/, '') || 'conversation';
  return `confidant-${slug}-${new Date(ms).toISOString().slice(0, 10)}.md`;
}
