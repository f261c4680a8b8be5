/** CMake's CUDA architectures of a portable (release) build. */
export const releaseCudaArchitectures: string;
/** Normalises a user's list to CMake's `;`-separated form; throws naming a bad entry. */
export function parseCudaArchitectures(list: string): string;
/** The CUDA code a binary carries (`90-real`, `90-virtual`), sorted. */
export function binaryCudaArchitectures(path: string): string[];
