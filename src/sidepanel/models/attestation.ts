/** The gateway's attestation: what the background last verified, checking again, the transcript. */
import { computed, signal } from '@preact/signals';
import { toErrorData, type ErrorData } from '../../core/errors.ts';
import type { AttestationView } from '../../messaging/views.ts';
import { effectiveState } from '../lib/attest.ts';
import type { Platform, Transport } from '../transport.ts';

export interface AttestationDeps {
  transport: Transport;
  platform: Platform;
  /** Is a gateway set up? To tell "not configured" from "not known yet". */
  hasGateway: () => boolean;
}

export function createAttestationModel({ transport, platform, hasGateway }: AttestationDeps) {
  const view = signal<AttestationView | null>(null);
  const checking = signal(false);
  const error = signal<ErrorData | null>(null);
  const deciding = signal(false);
  const state = computed(() => effectiveState(view.value, checking.value, hasGateway()));

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

  /**
   * The person accepts the software the gateway proved (first use, a change, or software no trust
   * source covers), after seeing its measurement or manifest digest.
   */
  async function acceptSoftware(): Promise<boolean> {
    const v = view.value;
    if (!v?.software || !v.profileId || deciding.value) return false;
    deciding.value = true;
    error.value = null;
    try {
      view.value = await transport.request('trust.accept', { profileId: v.profileId, value: v.software.value });
      return true;
    } catch (e) {
      error.value = toErrorData(e);
      return false;
    } finally {
      deciding.value = false;
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

  return { view, checking, deciding, error, state, load, check, acceptSoftware, exportTranscript, dispose: unsubscribe };
}

export type AttestationModel = ReturnType<typeof createAttestationModel>;
