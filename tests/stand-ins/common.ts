/**
 * What the provider stand-ins share: a dev-signed SEV-SNP report maker (the gateway's simulated
 * evidence, development roots only), AMD KDS's VCEK route, and small HTTP helpers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PemConverter } from '../../src/core/attest/x509/peculiar.ts';
import { SimulatedEvidence } from '../../gateway/evidence/simulated.ts';

export async function readBody(req: IncomingMessage, limit = 4 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new Error('body too large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Reports for chosen REPORT_DATA (and MEASUREMENT), signed by a development VCEK, and KDS for that VCEK. */
export class DevSnp {
  private constructor(
    private readonly sim: SimulatedEvidence,
    readonly vcekDer: Uint8Array,
    readonly vcekPem: string,
    readonly chainPem: string,
  ) {}

  static async create(measurement?: Uint8Array): Promise<DevSnp> {
    const sim = await SimulatedEvidence.create(measurement ? { measurement } : {});
    const probe = await sim.snpReport(new Uint8Array(64));
    return new DevSnp(sim, new Uint8Array(PemConverter.decodeFirst(probe.vcekPem)), probe.vcekPem, probe.certChainPem);
  }

  async report(reportData: Uint8Array, extra: { measurement?: Uint8Array; hostData?: Uint8Array; idKeyDigest?: Uint8Array } = {}): Promise<Uint8Array> {
    return (await this.sim.snpReportWith(reportData, extra)).report;
  }

  /** The development ASK and ARK (DER), as AMD's KDS cert_chain would give them. */
  chainDer(): Uint8Array[] {
    return PemConverter.decode(this.chainPem).map((b) => new Uint8Array(b));
  }

  /** AMD KDS: GET /vcek/v1/{product}/{hwid}?… → the VCEK (DER). Returns false when the route is not KDS's. */
  serveKds(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || !req.url?.startsWith('/vcek/v1/')) return false;
    const [, , , product] = req.url.split('?')[0]!.split('/');
    if (product !== 'Genoa') {
      res.writeHead(404).end();
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.from(this.vcekDer));
    return true;
  }
}

export function listen(server: import('node:http').Server, port: number): void {
  server.listen(port, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`listening on http://127.0.0.1:${typeof a === 'object' && a ? a.port : port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
