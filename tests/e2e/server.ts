/** A static server on loopback for test pages (tests/e2e/pages), as a real site would serve them. */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.pdf': 'application/pdf', '.json': 'application/json', '.onnx': 'application/octet-stream' };

export interface StaticServer {
  origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

export async function serveDir(dir: string, extra: Record<string, string | Uint8Array> = {}): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const body = extra[path] ?? (await readFile(join(dir, path)).catch(() => null));
    if (body == null) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cross-origin-resource-policy': 'cross-origin', 'access-control-allow-origin': '*' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (p) => `${origin}/${p.replace(/^\//, '')}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
