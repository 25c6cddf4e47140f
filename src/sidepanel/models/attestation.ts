/** The gateway's attestation: what the background last verified, checking again, the transcript. */
import { computed, signal } from '@preact/signals';
import { toErrorData, type ErrorData } from '../../core/errors.ts';
import type { AttestationView } from '../../messaging/background.ts';
import { effectiveState } from '../lib/attest.ts';
import type { Platform, Transport } from '../transport.ts';

export interface AttestationDeps {
  transport: Transport;
  platform: Platform;
  /** The configured gateway, to tell "not configured" from "not known yet". */
  gatewayUrl: () => string | null | undefined;
}

export function createAttestationModel({ transport, platform, gatewayUrl }: AttestationDeps) {
  const view = signal<AttestationView | null>(null);
  const checking = signal(false);
  const error = signal<ErrorData | null>(null);
  const state = computed(() => effectiveState(view.value, checking.value, gatewayUrl()));

  async function load(): Promise<void> {
    try {
      view.value = await transport.request('attest.get', {});
      error.value = null;
    } catch (e) {
      error.value = toErrorData(e);
    }
  }

  async function check(): Promise<void> {
    if (checking.value) return;
    checking.value = true;
    error.value = null;
    try {
      view.value = await transport.request('attest.check', {});
    } catch (e) {
      error.value = toErrorData(e);
    } finally {
      checking.value = false;
    }
  }

  async function exportTranscript(): Promise<boolean> {
    try {
      const { fileName, json } = await transport.request('attest.transcript', {});
      platform.download(fileName, json, 'application/json');
      return true;
    } catch (e) {
      error.value = toErrorData(e);
      return false;
    }
  }

  const unsubscribe = transport.onEvent((e) => {
    if (e.type === 'attest.changed') view.value = e.payload;
  });

  return { view, checking, error, state, load, check, exportTranscript, dispose: unsubscribe };
}

export type AttestationModel = ReturnType<typeof createAttestationModel>;
