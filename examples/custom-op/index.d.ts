import type { OpLibrary } from '@deepsc/core';

/** The built plugin library (`npm run build` writes it). */
export declare const libraryPath: string;
/** Loads my_swish into the engine (once; later calls return the same library). */
export declare function loadMySwish(): OpLibrary;
/** Attributes of `my_swish`. */
export interface MySwishAttrs {
  /** y = x * sigmoid(beta * x); default 1 (SiLU). */
  beta?: number;
}
