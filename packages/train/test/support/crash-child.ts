/**
 * A training run that kills itself (SIGKILL, no cleanup of any kind) at one point of one
 * checkpoint save: `node --import tsx crash-child.ts <config.json> <checkpoint name> <save number> <point>`.
 * For the crash-injection test (test/checkpoint-crash.test.ts).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type SavePoint, type TrainConfig, train } from '../../src/index.js';

const [configPath, name, nth, point] = process.argv.slice(2) as [string, string, string, SavePoint];
const config = JSON.parse(readFileSync(configPath, 'utf8')) as TrainConfig;
let seen = 0;
await train(config, {
  progress: { style: 'off' },
  onSavePoint: (p, dir) => {
    if (basename(dir) === name && p === point && ++seen === Number(nth)) process.kill(process.pid, 'SIGKILL');
  },
});
console.error('crash-child: the save point was never reached');
process.exit(2);
