/**
 * Op plugins: custom ops compiled into a shared library against the plain-C ABI of
 * `include/deepsc/plugin.h` (shipped with this package) and loaded into the running engine,
 * with no rebuild of the engine. After {@link loadOpLibrary} the plugin's ops work everywhere a
 * built-in op does: the eager `forward` / `backward` / `inferShapes`, the graph builder's
 * `g.op(name, attrs, inputs)`, training on the CPU and, when the plugin has CUDA kernels, on a
 * GPU. See docs/custom-ops.md.
 * @module
 */
import { resolve } from 'node:path';
import { loadBinding } from './binding.js';

/** One input of a plugin op. */
export interface PluginInputInfo {
  name: string;
  /** May be `null` (absent). */
  optional: boolean;
  /** Has a gradient (false for labels and masks, and for every input of an op without a backward). */
  differentiable: boolean;
}

/** One attribute of a plugin op. */
export interface PluginAttributeInfo {
  name: string;
  type: 'int' | 'float' | 'bool' | 'string' | 'int[]' | 'float[]';
  required: boolean;
  /** The value used when the attribute is not given (absent for required ones). */
  default?: number | boolean | string | number[];
}

/** What a plugin op declares. */
export interface PluginOpInfo {
  name: string;
  inputs: PluginInputInfo[];
  /** Number of outputs. */
  outputs: number;
  attributes: PluginAttributeInfo[];
  /** Bitwise the same results for the same inputs, for any thread count. */
  deterministic: boolean;
  /** Has a backward (CPU). */
  backward: boolean;
  /** Has CUDA kernels. */
  cuda: boolean;
}

/** A loaded plugin library. */
export interface OpLibrary {
  /** Its real path (symbolic links resolved). */
  path: string;
  /** The name the plugin gives itself. */
  name: string;
  /** The plugin ABI version of this engine (the library's equals it, or it would not load). */
  abiVersion: number;
  ops: PluginOpInfo[];
}

/** The addon's plugin functions (src/binding/plugins.cpp). */
interface PluginBinding {
  loadOpLibrary(path: string): OpLibrary;
  opLibraries(): OpLibrary[];
  pluginAbiVersion: number;
}

const plugins = (): PluginBinding => loadBinding() as unknown as PluginBinding;

/**
 * Loads an op plugin library (a `.so` built against `@deepsc/native/include/deepsc/plugin.h`)
 * and registers its ops. Loading the same file again returns it and changes nothing.
 * @param path - the library; a relative path is resolved against the current directory.
 * @returns the library and what its ops declare.
 * @throws Error naming the file when it is missing or not loadable, exports no
 *   `deepsc_plugin_entry`, was built for another plugin ABI version (both versions named) or
 *   refuses to load; TypeError when an op's definition is invalid or its name is a built-in op's
 *   or another plugin's. Nothing of a refused library is registered.
 */
export function loadOpLibrary(path: string): OpLibrary {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('loadOpLibrary: expected a path to a plugin library');
  return plugins().loadOpLibrary(resolve(path));
}

/** The plugin libraries loaded in this process, in load order. */
export function opLibraries(): OpLibrary[] {
  return plugins().opLibraries();
}

/** The plugin ABI version of the loaded engine (`DEEPSC_PLUGIN_ABI_VERSION` of its `deepsc/plugin.h`). */
export function pluginAbiVersion(): number {
  return plugins().pluginAbiVersion;
}
