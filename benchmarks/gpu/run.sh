#!/usr/bin/env bash
# The one-call GPU check for DeepSC's CUDA backend. On a machine with an NVIDIA GPU (H100/H200
# class), CUDA (nvcc) and PyTorch with CUDA installed, and no network, it:
#   1. builds the addon with the CUDA backend (DEEPSC_CUDA=1: fails if nvcc is missing),
#   2. runs native/test/cuda.test.ts with DEEPSC_REQUIRE_CUDA=1 (every CUDA op against the
#      CPU; a missing GPU fails instead of skipping),
#   3. times conv3d forward, backward-data and backward-weight on DeepSC-COVID layers at the
#      paper's sizes, ours against PyTorch/cuDNN (fp32 with TF32 off, and TF32 on), printing
#      a table and writing benchmarks/results/gpu-conv3d-<GPU>-<time>.json.
# Budget: 350 s in all (each step has a timeout within it), so it ends inside 6 minutes.
#
#   bash benchmarks/gpu/run.sh            from the repository root (or anywhere)
# Environment: DEEPSC_TORCH_PYTHON picks the Python that has torch (default: the first of
# python3, /usr/bin/python3 whose torch sees a GPU); BENCH_ARGS are passed to bench.ts
# (e.g. "--repeats 3 --filter unet").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
start=$(date +%s)
say() { printf '[gpu/run.sh %3ss] %s\n' "$(( $(date +%s) - start ))" "$*"; }
die() { say "ERROR: $*" >&2; exit 1; }
# Seconds a step may take: its own cap, but never past the whole run's 350 s budget.
budget=350
cap() { local left=$(( budget - ($(date +%s) - start) )); [ "$left" -gt 10 ] || die "out of time (${budget}s budget)"; echo $(( $1 < left ? $1 : left )); }

# --- what this machine has -----------------------------------------------------------------
command -v node >/dev/null || die "node is not on PATH (Node.js 22 or later is needed)"
if command -v nvidia-smi >/dev/null; then
  gpus="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true)"
  [ -n "$gpus" ] || die "nvidia-smi found no GPU (is the driver loaded? CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})"
  say "GPU: $gpus"
else
  die "no NVIDIA GPU: nvidia-smi is not on PATH"
fi
nvcc_path="${CUDACXX:-$(command -v nvcc || true)}"
[ -z "$nvcc_path" ] && [ -x /usr/local/cuda/bin/nvcc ] && nvcc_path=/usr/local/cuda/bin/nvcc
[ -n "$nvcc_path" ] || die "nvcc not found (install the CUDA toolkit, or set CUDACXX)"
export CUDACXX="$nvcc_path"
say "nvcc: $nvcc_path ($("$nvcc_path" --version | tail -n 1))"

torch_ok() { "$1" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)' >/dev/null 2>&1; }
python="${DEEPSC_TORCH_PYTHON:-}"
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && torch_ok "$p"; then python="$p"; break; fi
  done
fi
[ -n "$python" ] || die "no Python with a CUDA-enabled torch (tried python3 and /usr/bin/python3; set DEEPSC_TORCH_PYTHON)"
torch_ok "$python" || die "$python: 'import torch' fails or torch.cuda.is_available() is False"
say "PyTorch: $python ($("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'))"

[ -d node_modules ] || die "node_modules is missing: run 'npm ci' once (this script does not use the network)"

# --- 1. build --------------------------------------------------------------------------------
say "building the addon with CUDA"
DEEPSC_CUDA=1 CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
  timeout "$(cap 200)" node native/scripts/build-addon.mjs || die "the CUDA build failed (output above)"

# --- 2. CUDA vs CPU tests ------------------------------------------------------------------
say "CUDA vs CPU op tests"
DEEPSC_REQUIRE_CUDA=1 timeout "$(cap 90)" npx vitest run --root native test/cuda.test.ts --reporter=verbose \
  || die "the CUDA op tests failed (output above)"

# --- 3. benchmark --------------------------------------------------------------------------
say "conv3d: ours vs PyTorch/cuDNN"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
(cd benchmarks && DEEPSC_TORCH_PYTHON="$python" timeout "$(cap 200)" npx tsx --conditions=source gpu/bench.ts ${BENCH_ARGS:-}) \
  || die "the benchmark failed (output above)"
say "done"
