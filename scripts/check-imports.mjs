#!/usr/bin/env node
// The layering check (issue 13, docs/architecture.md): the generic stack, the sources of
// packages/{core,train,eval,cli,io,distributed}, imports no network package. A network package
// is any workspace package whose package.json says `"deepsc": {"model": true}`
// (@deepsc/deepsc-covid, @deepsc/unet3d, a user's own); the stack reaches them only through the
// model registry's dynamic import of a name it is given (packages/train/src/model-registry.ts).
//
// Every import, export ... from, dynamic import('literal') and require('literal') of every
// .ts/.mts/.cts/.js/.mjs/.cjs file under those src/ folders is read with TypeScript's own
// pre-parser (comments and strings are not imports), type-only imports included; a bare
// specifier naming a network package (or a subpath of one) and a relative one resolving into a
// network package's folder are violations.
//
// Usage: node scripts/check-imports.mjs [repository root]   (default: this script's repository)
// Exit 0: no violation (one summary line); 1: violations, one line each `file:line: ...`;
// 2: the root is not a DeepSC checkout (no packages/ folder or a stack package missing).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The generic stack: these packages' sources may import no network package. */
export const STACK = ['core', 'train', 'eval', 'cli', 'io', 'distributed'];
const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
// TypeScript from this script's own repository (a root under test has no node_modules)
const ts = createRequire(import.meta.url)('typescript');

const fail = (message) => {
  console.error(`check-imports: ${message}`);
  process.exit(2);
};
const packagesDir = join(root, 'packages');
if (!existsSync(packagesDir)) fail(`${root} has no packages/ folder (pass the repository root)`);

/** Network packages: name -> folder. */
const networks = new Map();
for (const name of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, name, 'package.json');
  if (!existsSync(manifest)) continue;
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch (err) {
    fail(`${relative(root, manifest)}: not valid JSON (${err.message})`);
  }
  if (pkg.deepsc?.model === true) networks.set(pkg.name, join(packagesDir, name));
}

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield path;
  }
}

/** The network package a specifier imported from `file` reaches, or undefined. */
function networkOf(specifier, file) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = resolve(dirname(file), specifier);
    for (const [name, dir] of networks) if (target === dir || target.startsWith(dir + sep)) return name;
    return undefined;
  }
  for (const name of networks.keys()) if (specifier === name || specifier.startsWith(`${name}/`)) return name;
  return undefined;
}

const violations = [];
let files = 0;
for (const pkg of STACK) {
  const src = join(packagesDir, pkg, 'src');
  if (!existsSync(src) || !statSync(src).isDirectory()) fail(`${relative(root, src)} is missing`);
  for (const file of sources(src)) {
    files++;
    const text = readFileSync(file, 'utf8');
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const { fileName, pos } of importedFiles) {
      const network = networkOf(fileName, file);
      if (network === undefined) continue;
      const line = text.slice(0, pos).split('\n').length;
      violations.push(
        `${relative(root, file)}:${line}: imports '${fileName}' (the network package ${network}); the stack reaches models only through the model registry (resolveModel)`,
      );
    }
  }
}

if (violations.length) {
  for (const v of violations) console.error(v);
  console.error(
    `check-imports: ${violations.length} import${violations.length === 1 ? '' : 's'} of a network package in packages/{${STACK.join(',')}}/src`,
  );
  process.exit(1);
}
console.log(
  `check-imports: ${files} files of packages/{${STACK.join(',')}}/src import none of the ${networks.size} network packages (${[...networks.keys()].join(', ') || 'none found'})`,
);
