// Two processes of an installed @deepsc/distributed meet through a file-store rendezvous: rank 0
// broadcasts a vector, both all-reduce their own values, and rank 0 prints what it got. Run with
// no argument it starts rank 1 as a child process and plays rank 0; `node all-reduce.mjs 1 DIR`
// is rank 1. Also prints which addon file was loaded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initProcessGroup, loadedAddonPath } from '@deepsc/distributed';

const rank = Number(process.argv[2] ?? 0);
const folder = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'deepsc-rdv-'));
let child;
let childExit;
if (rank === 0) {
  child = spawn(process.execPath, [process.argv[1], '1', folder], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  childExit = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
}
try {
  const group = await initProcessGroup({
    rank,
    worldSize: 2,
    rendezvous: { kind: 'file', path: folder },
    timeoutMs: 20_000,
  });
  const shared = new Float32Array(rank === 0 ? [1.5, -2, 3] : [0, 0, 0]);
  await group.broadcast([shared], 0);
  const mine = new Float32Array([rank + 1, 10 * (rank + 1)]);
  await group.allReduce([mine], 'sum');
  await group.barrier();
  group.destroy();
  if (rank === 0) {
    const code = await childExit;
    console.log(
      JSON.stringify({ broadcast: [...shared], sum: [...mine], rank1: code, addon: loadedAddonPath() }),
    );
  } else if (shared.join() !== '1.5,-2,3' || mine.join() !== '3,30') {
    console.error(`rank 1 got broadcast ${shared.join()} and sum ${mine.join()}`);
    process.exitCode = 1;
  }
} finally {
  if (rank === 0) {
    child?.kill();
    rmSync(folder, { recursive: true, force: true });
  }
}
