/**
 * `npm run bench`: every benchmark module, each figure beside a baseline measured in the same
 * run, as a ratio, median of several runs. Prints a table and writes bench/results.json.
 * Modules export `run(): Promise<BenchRow[]>`; pass names to run only some (`npm run bench -- attest`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printRows, type BenchRow } from './lib.ts';

const MODULES: Record<string, string> = {
  attest: './attest.ts',
  'attest-gpu': './attest-gpu.ts',
  channel: './channel.ts',
  library: './library.ts',
  kdf: './kdf.ts',
  'gateway-load': './gateway-load.ts',
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const results: (BenchRow & { module: string })[] = [];
for (const [name, path] of Object.entries(MODULES)) {
  if (wanted.length && !wanted.includes(name)) continue;
  let mod: { run: () => Promise<BenchRow[]> };
  try {
    mod = await import(path);
  } catch (e) {
    console.log(`\n## ${name}: not available (${(e as Error).message.split('\n')[0]})`);
    continue;
  }
  console.log(`\n## ${name}`);
  const rows = await mod.run();
  printRows(rows);
  results.push(...rows.map((r) => ({ module: name, ...r })));
}
const out = join(import.meta.dirname, 'results.json');
writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), rows: results }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
