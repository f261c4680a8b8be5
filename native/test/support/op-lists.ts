/**
 * The places an op's name is written outside its own files, and the check that they agree.
 * `readOpLists` gathers them from the repository and the loaded engine; `opListProblems` says,
 * one line per disagreement, what is missing where (empty when all agree). The test
 * `op-lists.test.ts` runs the check on the real lists and on doctored copies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { inferShapes, loadBinding, type OpName } from '../../lib/index.js';

export const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const builderFile = join(nativeDir, '..', 'packages', 'core', 'src', 'builder.ts');

/** Every list that names ops, each as it is written or as the engine reports it. */
export interface OpLists {
  /** `include/deepsc/ops.def`'s `DEEPSC_OP` entries, in file order. */
  opsDef: string[];
  /** The loaded engine's registry (`info().ops`). */
  engine: string[];
  /** The attribute keys each engine op's `parse` accepts (its `require_known` list). */
  engineAttrs: Record<string, string[]>;
  /** `OpAttrs` of `lib/ops.ts`: op -> the attribute interface's property names. */
  tsAttrs: Record<string, string[]>;
  /** The ops `GraphBuilder` (`@deepsc/core`) emits from a method of its own: method -> op. */
  builder: Record<string, string>;
  /** `src/cuda/ops_cuda.def`'s `DEEPSC_CUDA_OP` entries. */
  cudaDef: string[];
  /** Ops with a `src/cuda/<op>.cu` file (file stems that are op names). */
  cudaFiles: string[];
  /** The ops of the case tables (`test/cases/index.ts`'s `tables`); every op has one. */
  caseTables: string[];
  /** The ops whose case table has at least one case for the CUDA-vs-CPU check. */
  cudaCaseTables: string[];
  /** Ops with a case-table test `test/<op>.test.ts`. */
  opTests: string[];
}

/** `leaky_relu` -> `leakyRelu`: the builder's method name for an op. */
export function camelName(op: string): string {
  return op.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function missing(what: readonly string[], from: readonly string[]): string[] {
  const have = new Set(from);
  return [...new Set(what)].filter((x) => !have.has(x)).sort();
}

function differ(
  problems: string[],
  a: readonly string[],
  aName: string,
  b: readonly string[],
  bName: string,
) {
  for (const op of missing(a, b)) problems.push(`'${op}' is in ${aName} but not in ${bName}`);
  for (const op of missing(b, a)) problems.push(`'${op}' is in ${bName} but not in ${aName}`);
}

/** Every disagreement between the lists, one readable line each; empty when they agree. */
export function opListProblems(l: OpLists): string[] {
  const p: string[] = [];
  differ(p, l.opsDef, 'ops.def', l.engine, 'the loaded engine (rebuild it?)');
  differ(p, l.opsDef, 'ops.def', Object.keys(l.tsAttrs), 'OpAttrs (native/lib/ops.ts)');
  for (const op of l.opsDef) {
    const native = l.engineAttrs[op];
    const typed = l.tsAttrs[op];
    if (native === undefined || typed === undefined) continue;
    for (const k of missing(native, typed))
      p.push(`'${op}': the engine accepts attribute '${k}' but OpAttrs['${op}'] has no '${k}'`);
    for (const k of missing(typed, native))
      p.push(`'${op}': OpAttrs['${op}'] has '${k}' but the engine's parse does not accept it`);
  }
  const emitted = Object.values(l.builder);
  differ(p, l.opsDef, 'ops.def', emitted, 'the GraphBuilder methods (packages/core/src/builder.ts)');
  for (const [method, op] of Object.entries(l.builder))
    if (method !== camelName(op)) p.push(`GraphBuilder.${method} emits '${op}': name it ${camelName(op)}`);
  for (const op of missing(l.cudaDef, l.opsDef)) p.push(`'${op}' is in ops_cuda.def but not in ops.def`);
  differ(p, l.cudaDef, 'ops_cuda.def', l.cudaFiles, 'src/cuda/<op>.cu');
  // Every op has a case table, with or without a CUDA kernel: the float64 check and
  // backward_reads.test.ts run its cases on the CPU.
  for (const op of missing(l.opsDef, l.caseTables)) p.push(`'${op}' has no case table test/cases/${op}.ts`);
  for (const op of missing(l.caseTables, l.opsDef))
    p.push(`'${op}' has a table in test/cases but is not in ops.def`);
  // A CUDA kernel is compared with its CPU twin on its table's CUDA cases.
  for (const op of missing(l.cudaDef, l.cudaCaseTables))
    p.push(`'${op}' is in ops_cuda.def but test/cases/${op}.ts has no case for the CUDA check`);
  for (const op of missing(l.opsDef, l.opTests)) p.push(`'${op}' has no test file test/${op}.test.ts`);
  return p;
}

/** The first arguments of `MACRO(a, B)` lines (comments skipped). */
export function macroNames(text: string, macro: string): string[] {
  const re = new RegExp(`^\\s*${macro}\\(\\s*([a-z0-9_]+)\\s*,`, 'gm');
  return [...text.replace(/\/\/.*$/gm, '').matchAll(re)].map((m) => m[1] as string);
}

/**
 * The attribute keys `op`'s native parse accepts: it is given an unknown key, and the engine's
 * refusal lists the known ones ("unknown attribute '…' (known: a, b)" or "(known: none)").
 */
export function engineAttributeKeys(op: string): string[] {
  const probe = '__op_lists_probe__';
  try {
    inferShapes(op as OpName, { [probe]: 1 } as never, []);
  } catch (e) {
    const m = /\(known: ([^)]*)\)/.exec((e as Error).message);
    if (m) return m[1] === 'none' ? [] : (m[1] as string).split(', ');
    throw new Error(
      `'${op}': expected the engine to list its known attributes, got: ${(e as Error).message}`,
    );
  }
  throw new Error(`'${op}': the engine accepted the unknown attribute '${probe}'`);
}

/** `OpAttrs`' op names and, for each, the property names of its attribute type. */
export function typedAttributeKeys(opsTs: string): Record<string, string[]> {
  const program = ts.createProgram([opsTs], { noEmit: true, skipLibCheck: true, strict: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(opsTs);
  if (!file) throw new Error(`cannot read ${opsTs}`);
  const decl = file.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'OpAttrs',
  );
  if (!decl) throw new Error(`${opsTs} declares no interface OpAttrs`);
  const out: Record<string, string[]> = {};
  for (const prop of checker.getTypeAtLocation(decl).getProperties()) {
    const type = checker.getTypeOfSymbolAtLocation(prop, decl);
    out[prop.name] = type.getProperties().map((s) => s.name);
  }
  return out;
}

/** `GraphBuilder`'s methods that emit one op through `this.#one('<op>', …)`: method -> op. */
export function builderMethods(builderTs: string): Record<string, string> {
  const file = ts.createSourceFile(builderTs, readFileSync(builderTs, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Record<string, string> = {};
  const visitClass = (c: ts.ClassDeclaration) => {
    for (const m of c.members) {
      if (!ts.isMethodDeclaration(m) || !m.body || !ts.isIdentifier(m.name)) continue;
      const method = m.name.text;
      const find = (n: ts.Node): void => {
        if (
          ts.isCallExpression(n) &&
          ts.isPropertyAccessExpression(n.expression) &&
          n.expression.name.text === '#one' &&
          n.arguments[0] &&
          ts.isStringLiteral(n.arguments[0])
        )
          out[method] = n.arguments[0].text;
        ts.forEachChild(n, find);
      };
      find(m.body);
    }
  };
  for (const s of file.statements)
    if (ts.isClassDeclaration(s) && s.name?.text === 'GraphBuilder') visitClass(s);
  return out;
}

/** The ops with a CUDA kernel: `src/cuda/ops_cuda.def`'s `DEEPSC_CUDA_OP` entries. */
export function cudaDefOps(): string[] {
  return macroNames(readFileSync(join(nativeDir, 'src/cuda/ops_cuda.def'), 'utf8'), 'DEEPSC_CUDA_OP');
}

/** Gathers every list from the repository and the loaded engine. */
export function readOpLists(tables: readonly { op: string; cudaCases: number }[]): OpLists {
  const read = (p: string) => readFileSync(join(nativeDir, p), 'utf8');
  const opsDef = macroNames(read('include/deepsc/ops.def'), 'DEEPSC_OP');
  const engine = loadBinding().info().ops;
  const stems = (dir: string, ext: string) =>
    readdirSync(join(nativeDir, dir))
      .filter((f) => f.endsWith(ext))
      .map((f) => f.slice(0, -ext.length));
  const known = new Set(opsDef);
  return {
    opsDef,
    engine,
    engineAttrs: Object.fromEntries(engine.map((op) => [op, engineAttributeKeys(op)])),
    tsAttrs: typedAttributeKeys(join(nativeDir, 'lib', 'ops.ts')),
    builder: builderMethods(builderFile),
    cudaDef: cudaDefOps(),
    cudaFiles: stems('src/cuda', '.cu').filter((s) => known.has(s)),
    caseTables: tables.map((t) => t.op),
    cudaCaseTables: tables.filter((t) => t.cudaCases > 0).map((t) => t.op),
    opTests: stems('test', '.test.ts').filter((s) => known.has(s)),
  };
}
