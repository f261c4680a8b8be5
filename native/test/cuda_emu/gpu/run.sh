#!/usr/bin/env bash
# conv3d on a real GPU (needs one; the host emulation is ../run.sh): builds conv3d_gpu.cu
# against a CUDA build of the engine and runs it on small edge cases (the emulation's shapes)
# and on the benchmark's paper-size layers (benchmarks/gpu/layers.json): plan, fast vs simple
# kernel, determinism, bias gradient, times; first the default FFMA path, then the opt-in
# 3xTF32 tensor-core path (DEEPSC_CONV3D_MATH=3xtf32), then the TF32 / bf16 tensor-core kernels
# (conv3d_lowp_gpu check: roundings, kernels against the host emulation and float64, determinism;
# not used by the engine yet, so like 3xTF32 their failures do not set the exit status). Exit 1
# when a default-path check fails.
#   bash native/test/cuda_emu/gpu/run.sh [ENGINE_LIB]
# ENGINE_LIB defaults to native/build/cmake/libdeepsc_engine.a (what the addon build makes).
# CONV3D_GPU_BIN names a prebuilt conv3d_gpu (benchmarks/gpu/prepare-carry.mjs makes one), so
# nothing is compiled; CONV3D_LOWP_GPU_BIN a prebuilt conv3d_lowp_gpu. WARMUP / REPEATS (default
# 2 / 5) go to conv3d_gpu.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../../.." && pwd)"
root="$(cd "$native/.." && pwd)"
nvcc="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
lib="${1:-$native/build/cmake/libdeepsc_engine.a}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
if [ -n "${CONV3D_GPU_BIN:-}" ]; then
  cp "$CONV3D_GPU_BIN" "$out/conv3d_gpu"
else
  [ -f "$lib" ] || { echo "conv3d_gpu: $lib is missing: build the engine with CUDA first" >&2; exit 1; }
  "$nvcc" -std=c++20 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -I"$native/include" -I"$native/src" -O2 \
    -arch=sm_90 "$here/conv3d_gpu.cu" "$lib" -o "$out/conv3d_gpu" -lpthread
fi
small='edge/3x3x3 2 4 8 6 7 8 3 3 3 1 1 1 1 1 1 1 1 1 1
edge/stride2 1 3 5 9 9 9 3 3 3 2 2 2 1 1 1 1 1 1 1
edge/dil2-g2 1 4 6 8 8 8 3 3 3 1 1 1 2 2 2 2 2 2 2
edge/1x1x1-s2 2 16 8 6 6 6 1 1 1 2 2 2 0 0 0 1 1 1 1
edge/aniso 1 2 3 5 9 11 1 3 5 1 2 3 0 1 2 1 1 1 1
edge/mixed-g3 1 6 6 5 6 7 3 3 3 2 1 3 1 2 0 1 2 1 3
edge/tiles 2 20 70 5 6 7 3 3 3 1 1 1 1 1 1 1 1 1 1
edge/s2-d2 1 4 4 9 8 7 3 3 3 2 2 2 2 2 2 2 2 2 1
edge/pad-reach 1 3 4 7 7 7 2 3 2 3 2 2 3 0 1 1 1 2 1
edge/M33 1 33 40 6 6 6 3 3 3 2 2 2 1 1 1 1 1 1 1
edge/M130 1 130 140 3 4 4 3 3 3 1 1 1 1 1 1 1 1 1 1
edge/g4 3 8 12 4 5 3 1 2 3 1 1 1 0 1 1 1 1 1 4'
layers="$(python3 -c '
import json, sys
for l in json.load(open(sys.argv[1])):
    print(" ".join(str(v) for v in [l["name"], l["N"], l["C"], l["K"], *l["in"], *l["k"], *l["s"], *l["p"], *l["d"], l["groups"]]))
' "$root/benchmarks/gpu/layers.json")"
rc=0
printf '%s\n%s\n' "$small" "$layers" | "$out/conv3d_gpu" "${WARMUP:-2}" "${REPEATS:-5}" fp32 || rc=$?
# The opt-in tensor-core path, in a process of its own; its failures do not fail this script.
printf '%s\n%s\n' "$small" "$layers" | "$out/conv3d_gpu" "${WARMUP:-2}" "${REPEATS:-5}" 3xtf32 ||
  echo "conv3d_gpu: the opt-in 3xTF32 path failed (see above); the default path's result is the exit status" >&2
if [ -n "${CONV3D_LOWP_GPU_BIN:-}" ]; then
  cp "$CONV3D_LOWP_GPU_BIN" "$out/conv3d_lowp_gpu"
else
  "$nvcc" -std=c++20 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -I"$native/include" -I"$native/src" -O2 \
    -arch=sm_90 "$here/conv3d_lowp_gpu.cu" "$native/src/cuda/conv3d_lowp.cu" -o "$out/conv3d_lowp_gpu"
fi
"$out/conv3d_lowp_gpu" check ||
  echo "conv3d_gpu: the TF32 / bf16 tensor-core kernels failed their check (see above); the default path's result is the exit status" >&2
exit "$rc"
