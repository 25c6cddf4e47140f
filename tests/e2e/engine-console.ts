/**
 * Console errors from the contexts Playwright does not list: the offscreen document, the engine
 * Worker it owns and the workers the engine starts (ONNX Runtime's pthreads, pdf.js). Users see
 * these on the extension's error page, so the engine tests assert they stay empty.
 *
 * Chrome DevTools Protocol, through a page's CDP session: the offscreen document is attached
 * (non-flattened sessions, messages relayed with Target.sendMessageToTarget), and every session
 * auto-attaches its child workers, so the whole tree is watched. Runtime.enable replays what a
 * context logged before it was attached.
 */
import type { CDPSession } from 'playwright-core';
import type { Session } from './harness.ts';

interface Msg {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
}

class TargetSession {
  private nextId = 1;
  private readonly pending = new Map<number, (m: Msg) => void>();
  private readonly children = new Map<string, TargetSession>();

  constructor(
    private readonly label: string,
    private readonly sendRaw: (message: string) => Promise<unknown>,
    private readonly record: (line: string) => void,
    private readonly seen: (type: string, url: string) => void,
    private readonly log?: (line: string) => void,
  ) {}

  /** This session, or the first one below it whose label contains `part`. */
  find(part: string): TargetSession | undefined {
    if (this.label.includes(part)) return this;
    for (const c of this.children.values()) {
      const f = c.find(part);
      if (f) return f;
    }
    return undefined;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Msg> {
    const id = this.nextId++;
    const reply = new Promise<Msg>((r) => this.pending.set(id, r));
    void this.sendRaw(JSON.stringify({ id, method, params })).catch(() => this.pending.get(id)?.({ id, error: 'detached' }));
    return reply;
  }

  async start(): Promise<void> {
    await Promise.all([
      this.send('Runtime.enable'),
      this.send('Log.enable'),
      this.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false }),
    ]);
  }

  handle(raw: string): void {
    const m = JSON.parse(raw) as Msg;
    if (m.id !== undefined) {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
      return;
    }
    const p = m.params ?? {};
    switch (m.method) {
      case 'Runtime.consoleAPICalled': {
        const args = (p.args as { value?: unknown; description?: string }[]).map((a) => a.description ?? String(a.value));
        if (p.type === 'error' || p.type === 'assert') this.record(`${this.label}: console.${String(p.type)}: ${args.join(' ')}`);
        this.log?.(`${this.label}: console.${String(p.type)}: ${args.join(' ')}`);
        break;
      }
      case 'Runtime.exceptionThrown': {
        const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
        this.record(`${this.label}: uncaught: ${d.exception?.description ?? d.text}`);
        break;
      }
      case 'Log.entryAdded': {
        const e = p.entry as { level: string; text: string; url?: string };
        if (e.level === 'error') this.record(`${this.label}: ${e.text}${e.url ? ` (${e.url})` : ''}`);
        break;
      }
      case 'Target.attachedToTarget': {
        const sessionId = String(p.sessionId);
        const info = p.targetInfo as { type: string; url: string };
        this.seen(info.type, info.url);
        const child = new TargetSession(`${info.type} ${info.url || '(no url)'}`, (message) => this.send('Target.sendMessageToTarget', { sessionId, message }), this.record, this.seen, this.log);
        this.children.set(sessionId, child);
        void child.start();
        break;
      }
      case 'Target.receivedMessageFromTarget':
        this.children.get(String(p.sessionId))?.handle(String(p.message));
        break;
    }
  }
}

export interface ConsoleWatch {
  errors: string[];
  /** Every context seen under the offscreen document, as "type url" (workers have their script's URL). */
  targets: string[];
  /**
   * Evaluates `expression` (awaited, returned by value) in the offscreen document, or in the
   * worker under it whose script URL contains `worker` (e.g. '/assets/engine').
   */
  evaluate<T>(expression: string, worker?: string): Promise<T>;
  stop(): Promise<void>;
}

/** Watches the offscreen document (created on the first engine request) and its workers; `log` sees every console message. */
export async function watchEngineConsole(session: Session, opts: { log?: (line: string) => void } = {}): Promise<ConsoleWatch> {
  const page = session.context.pages()[0] ?? (await session.context.newPage());
  const cdp: CDPSession = await session.context.newCDPSession(page);
  const errors: string[] = [];
  const targets: string[] = [];
  const sessions = new Map<string, TargetSession>();
  const attached = new Set<string>();
  cdp.on('Target.receivedMessageFromTarget', (ev: { sessionId: string; message: string }) => sessions.get(ev.sessionId)?.handle(ev.message));
  const attach = async (t: { targetId: string; type: string; url: string }) => {
    if (attached.has(t.targetId) || !t.url.startsWith(`chrome-extension://${session.extensionId}/`) || t.type !== 'background_page') return;
    attached.add(t.targetId);
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false })) as { sessionId: string };
    const s = new TargetSession(`offscreen ${t.url}`, (message) => cdp.send('Target.sendMessageToTarget', { sessionId, message }), (l) => errors.push(l), (type, url) => targets.push(`${type} ${url}`), opts.log);
    sessions.set(sessionId, s);
    await s.start();
  };
  cdp.on('Target.targetCreated', (ev: { targetInfo: { targetId: string; type: string; url: string } }) => void attach(ev.targetInfo));
  cdp.on('Target.targetInfoChanged', (ev: { targetInfo: { targetId: string; type: string; url: string } }) => void attach(ev.targetInfo));
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  await Promise.all(targetInfos.map(attach));
  return {
    errors,
    targets,
    async evaluate<T>(expression: string, worker?: string): Promise<T> {
      const top = [...sessions.values()][0];
      const s = worker ? [...sessions.values()].map((x) => x.find(worker)).find((x) => x !== undefined) : top;
      if (!s) throw new Error(`no ${worker ? `worker matching ${worker}` : 'offscreen document'} to evaluate in`);
      const m = await s.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      const r = m.result as { result?: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } } | undefined;
      if (m.error || r?.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(m.error ?? r?.exceptionDetails?.exception?.description ?? r?.exceptionDetails?.text)}`);
      return r!.result!.value as T;
    },
    async stop() {
      await cdp.detach().catch(() => {});
    },
  };
}
