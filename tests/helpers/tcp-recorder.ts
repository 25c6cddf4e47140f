/** A loopback TCP proxy that records every byte in both directions (tests/gateway/wire.test.ts). */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Recorder {
  url: string;
  /** Client -> server bytes, all connections concatenated. */
  sent: () => Buffer;
  /** Server -> client bytes. */
  received: () => Buffer;
  close: () => Promise<void>;
}

export async function startRecorder(target: string): Promise<Recorder> {
  const t = new URL(target);
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(t.port), t.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      up.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      down.push(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    sent: () => Buffer.concat(up),
    received: () => Buffer.concat(down),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
