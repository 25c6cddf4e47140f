/**
 * A plain folder standing in for /sys/kernel/config/tsm/report. configfs creates an entry's
 * attribute files on mkdir; here a watcher does it: when a new entry appears it writes outblob
 * (the given report), auxblob, generation "1", then provider "sev_guest" last (the provider
 * waits for that file). Used with the real ConfigfsSnpProvider.
 */
import { mkdtempSync, watch, writeFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeConfigfs {
  root: string;
  entriesSeen: string[];
  close: () => void;
}

export function fakeConfigfs(outblob: Uint8Array, auxblob: Uint8Array): FakeConfigfs {
  const root = mkdtempSync(join(tmpdir(), 'confidant-tsm-'));
  const entriesSeen: string[] = [];
  const w = watch(root, (_event, name) => {
    if (!name) return;
    const dir = join(root, name);
    if (entriesSeen.includes(name) || !existsSync(dir) || !statSync(dir).isDirectory()) return;
    entriesSeen.push(name);
    writeFileSync(join(dir, 'outblob'), outblob);
    writeFileSync(join(dir, 'auxblob'), auxblob);
    writeFileSync(join(dir, 'generation'), '1\n');
    writeFileSync(join(dir, 'provider'), 'sev_guest\n');
  });
  return {
    root,
    entriesSeen,
    close: () => {
      w.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
