/**
 * Ask an attested Confidant gateway one question from the terminal.
 *
 *   npm run --silent chat -- --gateway URL [--api-key KEY] [--dev] [--context FILE] [--no-reasoning] "question"
 *
 * Attests with a fresh nonce, verifies with verifyEvidence under PRODUCTION_POLICY (--dev adds
 * allowSimulated: the development roots of simulated gateways are trusted, otherwise simulated
 * evidence is refused), then sends the question (and the context file) sealed to the attested
 * key. The answer goes to stdout; the model's reasoning to stderr, dimmed. Exit 1 when
 * verification fails (the failed checks are listed), 2 on other errors. CONFIDANT_API_KEY may
 * hold the key instead of --api-key.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyEvidence } from '../src/core/attest/evidence.ts';
import { PRODUCTION_POLICY } from '../src/core/attest/policy.ts';
import { channelFromVerdict, fetchBundle, openSealedChat, type ChatMessage } from '../src/core/channel/client.ts';
import { randomBytes } from '../src/core/bytes.ts';
import { ConfidantError } from '../src/core/errors.ts';

const { values, positionals } = parseArgs({
  options: {
    gateway: { type: 'string' },
    'api-key': { type: 'string' },
    dev: { type: 'boolean', default: false },
    context: { type: 'string' },
    'no-reasoning': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const question = positionals.join(' ').trim();
if (!values.gateway || !question) {
  console.error('usage: npm run --silent chat -- --gateway URL [--api-key KEY] [--dev] [--context FILE] [--no-reasoning] "question"');
  process.exit(2);
}

const dim = (s: string) => (process.stderr.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());

try {
  const nonce = randomBytes(32);
  const bundle = await fetchBundle(values.gateway, nonce, { signal: ac.signal });
  const policy = values.dev ? { ...PRODUCTION_POLICY, allowSimulated: true } : PRODUCTION_POLICY;
  const verdict = await verifyEvidence({ bundle, nonce }, policy, { now: new Date(), fetch: globalThis.fetch.bind(globalThis) });
  if (!verdict.ok) {
    console.error('attestation FAILED (verifyEvidence); nothing was sent. Failed checks:');
    for (const c of verdict.checks.filter((x) => !x.passed)) console.error(`  ✗ ${c.id}: ${c.detail}`);
    process.exit(1);
  }
  const channel = await channelFromVerdict(verdict, bundle, { gatewayUrl: values.gateway, nonce });
  console.error(dim(`attested ${channel.simulated ? 'SIMULATED ' : ''}gateway, key ${channel.keyId}, model ${channel.model}, ${verdict.checks.length} checks passed (verifyEvidence)`));

  const messages: ChatMessage[] = [];
  if (values.context) {
    const context = readFileSync(values.context, 'utf8');
    messages.push({ role: 'system', content: `Answer the question using only this context. Say so when it does not contain the answer.\n\n${context}` });
  }
  messages.push({ role: 'user', content: question });

  let inReasoning = false;
  for await (const d of openSealedChat(channel, { messages }, { apiKey: values['api-key'] ?? process.env.CONFIDANT_API_KEY ?? null, signal: ac.signal })) {
    if (d.reasoning && !values['no-reasoning']) {
      process.stderr.write(dim(d.reasoning));
      inReasoning = true;
    }
    if (d.content) {
      if (inReasoning) {
        process.stderr.write('\n');
        inReasoning = false;
      }
      process.stdout.write(d.content);
    }
  }
  process.stdout.write('\n');
} catch (e) {
  const err = e instanceof ConfidantError ? e : new ConfidantError('E_INTERNAL', (e as Error)?.message ?? String(e));
  if (err.code === 'E_NOT_ATTESTED') {
    console.error(`attestation FAILED: ${err.message}${err.detail ? ' ' + JSON.stringify(err.detail) : ''}`);
    process.exit(1);
  }
  const retry = err.detail?.retryAfter !== undefined ? ` (retry after ${err.detail.retryAfter} s)` : '';
  console.error(`${err.code}: ${err.message}${retry}`);
  process.exit(2);
}
