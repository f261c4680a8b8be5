/**
 * scripts/check-imports.mjs: the generic stack imports no network package. The real repository
 * passes; a doctored copy of the layout fails, naming each file, line and import, for every
 * kind of import (static, type-only, re-export, dynamic with a literal, require, a subpath, a
 * relative path into the package's folder) and not for mentions that are no import (comments,
 * strings, a dynamic import of a computed name, which is how the registry loads models).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(repo, 'scripts', 'check-imports.mjs');
const STACK = ['core', 'train', 'eval', 'cli', 'io', 'distributed'];

const check = (root?: string) => {
  const r = spawnSync(process.execPath, [script, ...(root ? [root] : [])], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A repository layout: the stack's packages (one clean file each), a network package and a plain one. */
function layout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'deepsc-imports-'));
  roots.push(root);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  for (const p of STACK) {
    write(`packages/${p}/package.json`, JSON.stringify({ name: `@deepsc/${p}` }));
    write(`packages/${p}/src/index.ts`, "export const ok = 1;\nimport { x } from '@deepsc/io';\n");
  }
  write('packages/net/package.json', JSON.stringify({ name: '@deepsc/net', deepsc: { model: true } }));
  write('packages/net/src/index.ts', 'export const model = {};\n');
  write('packages/plain/package.json', JSON.stringify({ name: '@deepsc/plain', deepsc: { model: false } }));
  for (const [path, text] of Object.entries(files)) write(path, text);
  return root;
}

describe('check-imports on the repository', () => {
  it('passes: the stack imports no network package', () => {
    const r = check();
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^check-imports: \d+ files of packages\/\{core,train,eval,cli,io,distributed\}\/src/,
    );
  });
});

describe('check-imports on a doctored layout', () => {
  it('passes a clean layout, mentions that are no import, and a plain package', () => {
    const root = layout({
      'packages/train/src/registry.ts': [
        "// import { model } from '@deepsc/net';",
        'const doc = "import(\'@deepsc/net\')";',
        "const known = { net: '@deepsc/net' };",
        'export const load = (name: string) => import(known[name as keyof typeof known] ?? name);',
        "import { y } from '@deepsc/plain';",
        "import { z } from '@deepsc/network';", // a longer name is another package
      ].join('\n'),
    });
    const r = check(root);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('import none of the 1 network packages (@deepsc/net)');
  });

  it.each([
    ['core', "import { model } from '@deepsc/net';", '@deepsc/net'],
    ['train', "import type { Net } from '@deepsc/net';", '@deepsc/net'],
    ['eval', "export * from '@deepsc/net';", '@deepsc/net'],
    ['cli', "const m = await import('@deepsc/net');", '@deepsc/net'],
    ['io', "const m = require('@deepsc/net/src/index.js');", '@deepsc/net/src/index.js'],
    ['distributed', "import { model } from '../../../net/src/index.js';", '../../../net/src/index.js'],
  ])('fails on packages/%s: %s', (pkg, line, specifier) => {
    const root = layout({ [`packages/${pkg}/src/deep/bad.ts`]: `export const a = 1;\n${line}\n` });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `packages/${pkg}/src/deep/bad.ts:2: imports '${specifier}' (the network package @deepsc/net)`,
    );
    expect(r.err).toContain('check-imports: 1 import of a network package');
  });

  it('lists every violation, not only the first', () => {
    const root = layout({
      'packages/core/src/a.ts': "import '@deepsc/net';\n",
      'packages/cli/src/b.ts': "\n\nexport { model } from '@deepsc/net';\n",
    });
    const r = check(root);
    expect(r.code).toBe(1);
    expect(r.err).toContain("packages/core/src/a.ts:1: imports '@deepsc/net'");
    expect(r.err).toContain("packages/cli/src/b.ts:3: imports '@deepsc/net'");
    expect(r.err).toContain('2 imports of a network package');
  });

  it.each([
    ['no packages folder', () => mkdtempSync(join(tmpdir(), 'deepsc-imports-')), 'has no packages/ folder'],
    [
      'a stack package without src',
      () => {
        const root = layout({});
        rmSync(join(root, 'packages', 'eval', 'src'), { recursive: true });
        return root;
      },
      'packages/eval/src is missing',
    ],
  ])('exits 2 for %s', (_, make, message) => {
    const root = make();
    roots.push(root);
    const r = check(root);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });
});
