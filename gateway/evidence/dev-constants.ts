/**
 * Fixed values of the simulated platform (gateway --simulated). Stable, so a development policy
 * can pin them; docs/protocol.md lists them.
 */
import { createHash } from 'node:crypto';

export const DEV_NRAS_KID = 'confidant-dev-nras-1';
export const DEV_NRAS_ISSUER = 'https://nras.dev.confidant.invalid';

/** The simulated chip: CHIP_ID = SHA-512("confidant/dev/chip-id/v1"). */
export const SIM_CHIP_ID = new Uint8Array(createHash('sha512').update('confidant/dev/chip-id/v1').digest());
/** MEASUREMENT = SHA-384("confidant/dev/launch-measurement/v1"). */
export const SIM_MEASUREMENT = new Uint8Array(createHash('sha384').update('confidant/dev/launch-measurement/v1').digest());
/** TCB the simulated VCEK is issued for (Genoa-style layout: bl, tee, snp, ucode). */
export const SIM_TCB = { bl: 10, tee: 0, snp: 23, ucode: 84 } as const;
export const SIM_PRODUCT = 'Genoa';
/** Guest policy: SMT allowed + reserved bit 17 (0x30000); DEBUG clear. */
export const SIM_POLICY = 0x30000n;
/** Firmware 1.55 build 40, like the Genoa vectors. */
export const SIM_FW = { build: 40, minor: 55, major: 1 } as const;

/** GPU: driver and VBIOS versions, board identity, and the measurement-block digests. */
export const SIM_GPU = {
  driverVersion: '550.90.07',
  vbios: new Uint8Array([0x00, 0x9f, 0x00, 0x96, 0x01, 0x00, 0x00, 0x00]), // 96.00.9F.00.01
  project: '1010',
  projectSku: '0200',
  chipSku: '882',
  /** FWID = SHA-384("confidant/dev/gpu-fwid/v1"). */
  fwid: new Uint8Array(createHash('sha384').update('confidant/dev/gpu-fwid/v1').digest()),
} as const;

/** Measurement block i (1..64): SHA-384("confidant/dev/gpu-measurement/v1/" + i); blocks 50..64 are zero (unused). */
export function simGpuMeasurement(index: number): Uint8Array {
  if (index >= 50) return new Uint8Array(48);
  return new Uint8Array(createHash('sha384').update(`confidant/dev/gpu-measurement/v1/${index}`).digest());
}
