/**
 * One base error for the whole product. Errors cross `postMessage` and
 * `chrome.runtime` boundaries as plain data ({ name, code, message }), where
 * class identity is lost, so callers switch on `code`, never on `instanceof`.
 */
export type ErrorCode =
  // generic
  | 'E_INTERNAL'
  | 'E_BAD_REQUEST'
  | 'E_TIMEOUT'
  | 'E_ABORTED'
  // input that cannot be used (truncated, wrong size, malformed)
  | 'E_PARSE'
  // attestation
  | 'E_ATTEST_VERIFY'
  | 'E_ATTEST_POLICY'
  // library / storage
  | 'E_DB'
  | 'E_LOCKED'
  | 'E_WRONG_PASSPHRASE'
  | 'E_QUOTA'
  | 'E_NOT_FOUND'
  | 'E_UNREADABLE_PAGE'
  | 'E_MODEL_NOT_READY'
  /** A downloaded or loaded file does not have the hash it is pinned to. */
  | 'E_INTEGRITY'
  /** The person did not grant a permission the step needs (host access). */
  | 'E_PERMISSION'
  // gateway / channel
  | 'E_NETWORK'
  | 'E_UNAUTHORIZED'
  | 'E_RATE_LIMITED'
  | 'E_UPSTREAM'
  | 'E_CHANNEL'
  | 'E_KEY_EXPIRED'
  | 'E_NOT_ATTESTED'
  /** Something answered at the address, but not as this kind of endpoint does. */
  | 'E_NOT_A_GATEWAY'
  /** The endpoint's software is not (or no longer) the one its trust source names: the person must decide. */
  | 'E_UNTRUSTED_SOFTWARE';

export interface ErrorData {
  name: 'ConfidantError';
  code: ErrorCode;
  message: string;
  /** Optional structured detail that is safe to show or log (never secrets). */
  detail?: Record<string, unknown>;
}

export class ConfidantError extends Error {
  override readonly name = 'ConfidantError' as const;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }

  toData(): ErrorData {
    const data: ErrorData = { name: this.name, code: this.code, message: this.message };
    if (this.detail) data.detail = this.detail;
    return data;
  }
}

/** Input bytes or text that cannot be used at all: names the field, says why. */
export class ParseError extends ConfidantError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('E_PARSE', `${field}: ${message}`, { field });
  }
}

export function isErrorData(x: unknown): x is ErrorData {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as { name?: unknown }).name === 'ConfidantError' &&
    typeof (x as { code?: unknown }).code === 'string' &&
    typeof (x as { message?: unknown }).message === 'string'
  );
}

/** Turn anything thrown into data that survives structured cloning. */
export function toErrorData(e: unknown, fallback: ErrorCode = 'E_INTERNAL'): ErrorData {
  if (e instanceof ConfidantError) return e.toData();
  if (isErrorData(e)) return e;
  if (e instanceof DOMException && e.name === 'AbortError') {
    return { name: 'ConfidantError', code: 'E_ABORTED', message: 'The operation was stopped.' };
  }
  if (e instanceof DOMException && e.name === 'QuotaExceededError') {
    return { name: 'ConfidantError', code: 'E_QUOTA', message: 'The disk is full or the storage quota is used up.' };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { name: 'ConfidantError', code: fallback, message };
}

export function fromErrorData(d: ErrorData): ConfidantError {
  return new ConfidantError(d.code, d.message, d.detail);
}
