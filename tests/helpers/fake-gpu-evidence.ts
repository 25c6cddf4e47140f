/**
 * A fake GPU evidence command: prints a real H100 vector as {report: base64, certChain: PEM}.
 *   node --import tsx tests/helpers/fake-gpu-evidence.ts <nonce-hex> [vector-folder]
 * The nonce argument is recorded on stderr (the vector answers its own, fixed nonce).
 */
import { readVectorText } from './vectors.ts';

const [nonce, folder = 'sdk-535-sample'] = process.argv.slice(2);
const files: Record<string, [string, string]> = {
  'sdk-535-sample': ['h100/sdk-535-sample/hopperAttestationReport.txt', 'h100/sdk-535-sample/hopperCertChain.txt'],
  'nvtrust-sample': ['h100/nvtrust-sample/hopperAttestationReport.txt', 'h100/nvtrust-sample/hopperCertChain.txt'],
};
const [reportFile, chainFile] = files[folder]!;
const report = Buffer.from(readVectorText(reportFile).trim(), 'hex').toString('base64');
process.stderr.write(`nonce=${nonce}\n`);
process.stdout.write(JSON.stringify({ report, certChain: readVectorText(chainFile) }));
