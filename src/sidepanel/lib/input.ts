/**
 * What people type, checked and normalised. The parsers live in src/core/settings/input.ts, shared
 * with the background (which enforces them); this module adds the panel's own list of TCB parts.
 */
import type { TcbParts } from '../../core/settings/settings.ts';

export {
  MIN_PASSPHRASE,
  isNeverRead,
  parseGatewayUrl,
  parseHexLines,
  parseIntIn,
  parseMeasurements,
  parseSites,
  parseTcbPart,
  passphraseProblem,
  type GatewayParse,
  type LinesParse,
} from '../../core/settings/input.ts';

export type TcbPart = keyof TcbParts;
export const TCB_PARTS: readonly TcbPart[] = ['bl', 'tee', 'snp', 'ucode', 'fmc'];
