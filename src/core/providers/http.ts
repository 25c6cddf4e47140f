/**
 * HTTP helpers the providers share: one fetch wrapper that says which trouble it was, and error
 * mapping that never shows text from the network (an unauthenticated body could say anything), only
 * our own words per status.
 */
import { ConfidantError, type ErrorCode } from '../errors.ts';
import { parseRetryAfter } from '../channel/client.ts';
import { isLoopbackUrl } from '../settings/input.ts';

export async function providerFetch(f: typeof fetch, input: string | Request, init: RequestInit, what: string): Promise<Response> {
  try {
    return await f(input, init);
  } catch (e) {
    const name = (e as { name?: string })?.name;
    const reason = (init.signal?.reason as { name?: string } | undefined)?.name;
    if (name === 'TimeoutError' || reason === 'TimeoutError') throw new ConfidantError('E_TIMEOUT', `${what} did not answer in time.`);
    if (init.signal?.aborted || name === 'AbortError') throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
    throw new ConfidantError('E_NETWORK', `Could not reach ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'E_UNAUTHORIZED';
  if (status === 429) return 'E_RATE_LIMITED';
  if (status === 400 || status === 413 || status === 415) return 'E_BAD_REQUEST';
  return 'E_UPSTREAM';
}

const WORDS: Partial<Record<ErrorCode, string>> = {
  E_UNAUTHORIZED: '{who} refused the request (HTTP {status}): check the API key.',
  E_RATE_LIMITED: '{who} is busy or your quota is used up (HTTP {status}); try again shortly.',
  E_BAD_REQUEST: '{who} refused the request as malformed (HTTP {status}).',
  E_UPSTREAM: '{who} answered HTTP {status}.',
};

/** An error for an HTTP failure, in our words; `authenticated` says whether the status came sealed. */
export function httpError(res: Response, who: string, authenticated: boolean): ConfidantError {
  const code = codeForStatus(res.status);
  const detail: Record<string, unknown> = { status: res.status, authenticated };
  const ra = parseRetryAfter(res.headers.get('retry-after'));
  if (ra !== undefined) detail.retryAfter = ra;
  return new ConfidantError(code, (WORDS[code] ?? WORDS.E_UPSTREAM!).replace('{who}', who).replace('{status}', String(res.status)), detail);
}

/**
 * A provider's base URL: https, or http on a loopback address for a development profile (a
 * stand-in). Headers such as the API key travel under TLS only, so plain http is never allowed
 * to a real host.
 */
export function providerBaseUrl(url: string, development: boolean, who: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfidantError('E_BAD_REQUEST', `${who}: ${JSON.stringify(url)} is not a URL.`);
  }
  const ok = u.protocol === 'https:' || (u.protocol === 'http:' && development && isLoopbackUrl(url));
  if (!ok) throw new ConfidantError('E_BAD_REQUEST', `${who} must be reached over https (plain http only for a development stand-in on this machine).`);
  return u.href.replace(/\/+$/, '');
}
