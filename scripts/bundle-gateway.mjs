/**
 * Bundles the gateway (gateway/main.ts and the core code it imports) into one ES module for the
 * measured VM image: dist-gateway/confidant-gateway.mjs, run with plain `node` (no tsx, no
 * node_modules in the image). Not minified, so what the image runs can be read; deterministic, so
 * the same commit gives the same bytes (tests/gateway/bundle.test.ts builds it twice). Prints the
 * file's SHA-256.
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The image never signs with development keys: gateway/evidence/simulated.ts (and the dev keys it
 * reads) is replaced by a module that refuses, so `--simulated` fails in the measured build.
 */
const noSimulatedEvidence = {
  name: 'no-simulated-evidence',
  setup(b) {
    b.onResolve({ filter: /evidence\/simulated\.ts$/ }, () => ({ path: 'simulated-evidence-removed', namespace: 'confidant' }));
    b.onLoad({ filter: /.*/, namespace: 'confidant' }, () => ({
      contents: `export const SimulatedEvidence = { create() { console.error('--simulated: this gateway build has no development keys (it is the measured image; use npm run gateway for development)'); process.exit(2); } };`,
      loader: 'js',
    }));
  },
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = process.argv[2] ?? join(root, 'dist-gateway', 'confidant-gateway.mjs');

await build({
  entryPoints: [join(root, 'gateway', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'eof',
  // Paths in the output are relative to the repository, never the machine that built it.
  absWorkingDir: root,
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __confidantRequire } from 'node:module';\nconst require = __confidantRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [noSimulatedEvidence],
});
process.stdout.write(`${outfile}\nsha256 ${createHash('sha256').update(readFileSync(outfile)).digest('hex')}\n`);
