/**
 * Child processes for tests: start a TypeScript entry point with tsx, wait for its
 * "listening on http://…" line, stop it with SIGTERM (then SIGKILL). Every start is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface Running {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

export async function startListening(entry: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start within ${opts.timeoutMs ?? 20000} ms: ${err.slice(-2000)}`));
    }, opts.timeoutMs ?? 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before listening: ${err.slice(-2000)}`));
    });
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  return { url, child, stderr: () => err, stop };
}

export function startGateway(args: string[], env?: NodeJS.ProcessEnv): Promise<Running> {
  return startListening('gateway/main.ts', ['--port', '0', ...args], { env });
}

export function startStandIn(args: string[] = []): Promise<Running> {
  return startListening('tests/helpers/stand-in-upstream.ts', ['--port', '0', ...args]);
}
