// What an op-plugin author needs from the installed packages (docs/custom-ops.md): the plugin
// header inside @deepsc/native, found by Node's resolution as the template's build script finds
// it, and the op checker of @deepsc/native/testing, run on a built-in op (this project has no
// compiler, so no plugin is built here; the repository's test/custom-op-template.test.ts
// builds one).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadOpLibrary, opLibraries, pluginAbiVersion } from '@deepsc/core';
import { checkOp, OpCheckError, randTensor, rng } from '@deepsc/native/testing';

const root = dirname(createRequire(import.meta.url).resolve('@deepsc/native/package.json'));
const header = join(root, 'include', 'deepsc', 'plugin.h');
const text = existsSync(header) ? readFileSync(header, 'utf8') : '';
const sigmoid = ([x]) => [{ data: x.data.map((v) => 1 / (1 + Math.exp(-v))), shape: x.shape }];
const c = { name: '[3, 5]', attrs: {}, inputs: [randTensor([3, 5], rng(1), -3, 3)] };
checkOp('sigmoid', c, sigmoid, { probes: 15, threads: [1, 3] });
let wrongReference = '';
try {
  checkOp('sigmoid', c, ([x]) => [
    { data: x.data.map((v) => 1 / (1 + Math.exp(-1.01 * v))), shape: x.shape },
  ]);
} catch (e) {
  wrongReference = e instanceof OpCheckError ? e.message : `not an OpCheckError: ${e}`;
}
let missing = '';
try {
  loadOpLibrary(join(root, 'no-such-plugin.so'));
} catch (e) {
  missing = e.message;
}
console.log(
  JSON.stringify({
    root,
    header: existsSync(header),
    headerAbi: Number(/#define DEEPSC_PLUGIN_ABI_VERSION (\d+)/.exec(text)?.[1]),
    entryMacro: text.includes('DEEPSC_PLUGIN_ENTRY'),
    engineAbi: pluginAbiVersion(),
    testing: import.meta.resolve('@deepsc/native/testing'),
    wrongReference,
    missing,
    loaded: opLibraries().length,
  }),
);
