/**
 * Which software a gateway may run, in real Chromium with the real (simulated) gateway: the three
 * trust sources (published releases, pinned values, trust on first use) and the change alert. The
 * releases come from a stand-in for GitHub's API, each with a Sigstore bundle made by
 * @sigstore/mock; the test build is pointed at it and at the mock's trusted root.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_SNP_MEASUREMENT } from '../../src/core/attest/roots/dev/index.ts';
import { startGithubStandIn, type GithubStandIn } from '../helpers/github-stand-in.ts';
import { startStack, type Stack } from '../helpers/gateway-fixture.ts';
import { mockSigstore } from '../helpers/sigstore-mock.ts';
import { ask, launch, PANEL_PATH, useGateway, type Session } from './harness.ts';

const REPO = 'confidant/gateway';
const NEW_BUILD = '4b'.repeat(48);

let session: Session;
let stack: Stack;
let github: GithubStandIn;
let panel: Page;

interface View {
  state: string;
  software: { value: string; status: string; via: string | null; release: { repo: string; tag: string; rekorLogIndex: number } | null; previous: { value: string } | null } | null;
}
interface ChatResult {
  messages: { type: string; [k: string]: unknown }[];
}

async function chat(question: string): Promise<ChatResult> {
  return panel.evaluate(
    (question) =>
      new Promise<ChatResult>((resolve) => {
        const port = chrome.runtime.connect({ name: 'confidant.chat' });
        const messages: { type: string }[] = [];
        port.onMessage.addListener((m: { type: string }) => {
          messages.push(m);
          if (m.type === 'done' || m.type === 'error') {
            port.disconnect();
            resolve({ messages });
          }
        });
        port.postMessage({ type: 'ask', question, history: [], passages: [] });
      }),
    question,
  );
}

async function received(s: Stack = stack): Promise<number> {
  return ((await (await fetch(`${s.standIn.url}/__received`)).json()) as unknown[]).length;
}

/** Opens the attestation details in a fresh panel page. */
async function details(): Promise<Page> {
  const p = await session.openPage(PANEL_PATH);
  await expect.poll(() => p.getByTestId('attest-button').count(), { timeout: 30_000 }).toBe(1);
  await p.getByTestId('attest-button').click();
  await expect.poll(() => p.getByTestId('attest-software').count(), { timeout: 30_000 }).toBe(1);
  return p;
}

beforeAll(async () => {
  const sigstore = await mockSigstore();
  github = await startGithubStandIn(sigstore);
  stack = await startStack([]);
  session = await launch();
  const sw = await session.serviceWorker();
  await sw.evaluate(
    ([api, root]) => chrome.storage.local.set({ 'test.endpoints': { githubApi: api }, 'test.trustedRoot': root }),
    [github.api, sigstore.trustedRoot] as const,
  );
  panel = await session.openPage(PANEL_PATH);
  await ask(panel, 'library.setup', { passphrase: null });
  await ask(panel, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
}, 120_000);
afterAll(async () => {
  await session?.close();
  await Promise.all([stack?.stop(), github?.close()]);
});

describe('published releases', () => {
  it('a build that a signed, logged release names is trusted; the details and the receipt name the release and its Rekor entry', async () => {
    await github.publishConfidant(REPO, 'v1.0.0', [DEV_SNP_MEASUREMENT]);
    await useGateway(panel, { url: stack.gateway.url, development: true, trust: { kind: 'releases', repo: REPO } });
    const v = await ask<View>(panel, 'attest.check');
    expect(v.state).toBe('dev');
    expect(v.software).toMatchObject({ value: DEV_SNP_MEASUREMENT, status: 'trusted', via: 'release', release: { repo: REPO, tag: 'v1.0.0' } });
    expect(github.requests.some((r) => r.startsWith(`/repos/${REPO}/attestations/sha256:`))).toBe(true);

    const r = await chat('which build?');
    const done = r.messages.at(-1) as { type: string; receipt: { software: { release: { tag: string; rekorLogIndex: number } } } };
    expect(done.type).toBe('done');
    expect(done.receipt.software.release).toMatchObject({ tag: 'v1.0.0', rekorLogIndex: v.software!.release!.rekorLogIndex });

    const p = await details();
    await expect(p.getByTestId('attest-release').textContent()).resolves.toBe(`${REPO} v1.0.0`);
    await expect(p.getByTestId('attest-rekor').textContent()).resolves.toBe(String(v.software!.release!.rekorLogIndex));
    await p.close();
  });

  it('a release is verified once: checking again does not fetch it again', async () => {
    const before = github.requests.length;
    await ask(panel, 'attest.check');
    expect(github.requests.length).toBe(before);
  });

  it('a new build is a blocking change alert naming old, new and the release that explains it; nothing is sent until the person accepts', async () => {
    const port = new URL(stack.gateway.url).port;
    await stack.gateway.stop();
    const { startGateway } = await import('../helpers/processes.ts');
    stack.gateway = await startGateway(['--simulated', '--upstream', stack.standIn.url, '--quiet', '--port', port, '--measurement', NEW_BUILD]);
    await github.publishConfidant(REPO, 'v1.1.0', [NEW_BUILD]);

    const v = await ask<View>(panel, 'attest.check');
    expect(v.state).toBe('changed');
    expect(v.software).toMatchObject({ value: NEW_BUILD, status: 'changed', previous: { value: DEV_SNP_MEASUREMENT }, release: { tag: 'v1.1.0' } });
    const before = await received();
    const refused = await chat('still there?');
    expect(refused.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_UNTRUSTED_SOFTWARE' } });
    expect(await received()).toBe(before);

    const p = await details();
    await expect(p.getByTestId('software-changed').count()).resolves.toBe(1);
    const text = (await p.getByTestId('attest-software').textContent()) ?? '';
    expect(text).toContain(DEV_SNP_MEASUREMENT);
    expect(text).toContain(NEW_BUILD);
    expect(text).toContain(`${REPO} v1.1.0`);
    await p.getByTestId('software-accept').click();
    await expect.poll(() => p.getByTestId('attest-state').textContent(), { timeout: 30_000 }).toContain('DEV');
    await p.close();

    const ok = await chat('and now?');
    expect(ok.messages.at(-1)).toMatchObject({ type: 'done' });
  });
});

describe('pinned values', () => {
  it('a pinned build is trusted; a build not pinned is a change alert with the pinned value, and nothing is sent', async () => {
    await useGateway(panel, { url: stack.gateway.url, development: true, trust: { kind: 'pinned', values: [NEW_BUILD] } });
    expect(await ask<View>(panel, 'attest.check')).toMatchObject({ state: 'dev', software: { status: 'trusted', via: 'pinned' } });
    await useGateway(panel, { url: stack.gateway.url, development: true, trust: { kind: 'pinned', values: ['00'.repeat(48)] } });
    const v = await ask<View>(panel, 'attest.check');
    // Only the pinned list counts: not the build accepted earlier on this gateway.
    expect(v).toMatchObject({ state: 'changed', software: { status: 'changed', value: NEW_BUILD, previous: { value: '00'.repeat(48) } } });
    const refused = await chat('pinned?');
    expect(refused.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_UNTRUSTED_SOFTWARE' } });
    // Accepting it adds it to the pinned values.
    const s = await ask<{ activeGatewayId: string }>(panel, 'settings.get');
    const after = await ask<View>(panel, 'trust.accept', { profileId: s.activeGatewayId, value: NEW_BUILD });
    expect(after).toMatchObject({ state: 'dev', software: { status: 'trusted', via: 'pinned' } });
    await expect(ask(panel, 'settings.get')).resolves.toMatchObject({ gateways: expect.arrayContaining([expect.objectContaining({ trust: { kind: 'pinned', values: ['00'.repeat(48), NEW_BUILD] } })]) });
  });
});

describe('trust on first use', () => {
  let fresh: Stack;
  afterAll(async () => fresh?.stop());

  it('the first build is "unknown software" until the person accepts it after seeing it; then it is trusted', async () => {
    fresh = await startStack(['--measurement', '5c'.repeat(48)]);
    await useGateway(panel, { url: fresh.gateway.url, development: true, trust: { kind: 'tofu' } });
    const v = await ask<View>(panel, 'attest.check');
    expect(v).toMatchObject({ state: 'unknown-software', software: { value: '5c'.repeat(48), status: 'unknown' } });
    const before = await received(fresh);
    const refused = await chat('first?');
    expect(refused.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_UNTRUSTED_SOFTWARE' } });
    expect(await received(fresh)).toBe(before);

    const p = await details();
    await expect(p.getByTestId('attest-software').textContent()).resolves.toContain('5c'.repeat(48));
    await p.getByTestId('software-accept').click();
    await expect.poll(() => p.getByTestId('attest-state').textContent(), { timeout: 30_000 }).toContain('DEV');
    await p.close();
    expect(await chat('now?')).toMatchObject({ messages: expect.arrayContaining([expect.objectContaining({ type: 'done' })]) });
  });

  it('only a value the gateway proved can be accepted', async () => {
    const s = await ask<{ activeGatewayId: string }>(panel, 'settings.get');
    await expect(ask(panel, 'trust.accept', { profileId: s.activeGatewayId, value: 'ee'.repeat(48) })).rejects.toThrow(/E_BAD_REQUEST: That software is not what this gateway currently proves/);
  });
});
