import type { Command } from 'commander';
import { printJson } from '../output.js';

/** `deepsc info`: versions, backend, threads, SIMD level, CUDA devices. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('print versions, the compute backend, threads, SIMD level and CUDA devices')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { loadBinding } = await import('@deepsc/native');
      const info = loadBinding().info();
      const report = {
        deepsc: info.version,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        threads: info.threads,
        isa: info.isa,
        detectedIsa: info.detectedIsa,
        cudaBuilt: info.cudaBuilt,
        cudaDevices: info.cudaDevices,
        ops: info.ops.length,
      };
      if (opts.json) return printJson(report);
      for (const [k, v] of Object.entries(report)) {
        console.log(`${k.padEnd(12)} ${Array.isArray(v) ? v.join(', ') || '(none)' : String(v)}`);
      }
    });
}
