#!/usr/bin/env bash
# Checks the CUDA kernels' index math on the host (no GPU needed): compiles each *.cu here with
# nvcc against the engine library of a CUDA build (native/build/cmake/libdeepsc_engine.a, from
# `node scripts/build-addon.mjs --cuda on`) and runs it. Not part of CI (nvcc time);
# run it after changing the index functions in src/cuda/conv3d.cu or broadcast.cuh, or the
# TF32 / bf16 kernels (conv3d_lowp.cu here runs their full table; conv3d-lowp-emu.test.ts runs
# its --quick subset in CI).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../.." && pwd)"
nvcc="${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
[ -x "$nvcc" ] || { echo "cuda_emu: nvcc not found (set CUDACXX)" >&2; exit 1; }
lib="$native/build/cmake/libdeepsc_engine.a"
[ -f "$lib" ] || { echo "cuda_emu: $lib is missing: build the addon with CUDA first" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for f in "$here"/*.cu; do
  b="$(basename "$f" .cu)"
  "$nvcc" -std=c++20 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -I"$native/include" -I"$native/src" -O1 \
    -arch=sm_90 "$f" "$lib" -o "$out/$b"
  echo "== $b"
  "$out/$b"
done
