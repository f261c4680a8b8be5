#!/usr/bin/env bash
# The one-call GPU check for DeepSC's CUDA backend, on a machine with an NVIDIA GPU (H100/H200
# class), nvcc, CMake and (for the benchmark step) a CUDA-enabled PyTorch, and no network.
# Node.js is optional (the lent GPU machines have none):
#   1. builds the engine with the CUDA backend (CMake, no Node) and native/test/cuda_check,
#   2. `cuda_check ops`: every op in ops_cuda.def against the CPU on the case tables of
#      native/test/cuda.test.ts, plus a bitwise-repeatability check; any mismatch fails the run,
#   3. only where node and node_modules exist: the addon with DEEPSC_CUDA=1 and
#      native/test/cuda.test.ts with DEEPSC_REQUIRE_CUDA=1 (else it says it skipped them),
#   4. gpu_bench.py: conv3d forward, backward-data and backward-weight on DeepSC-COVID layers
#      at the paper's sizes (layers.json), ours against PyTorch/cuDNN (fp32 with TF32 off, and
#      TF32 on), a table, and benchmarks/results/gpu-conv3d-<GPU>-<time>.json.
# Budget: 350 s in all (each step's timeout fits in what is left), so it ends inside 6 minutes.
#
#   bash benchmarks/gpu/run.sh                 (from anywhere)
# On a lent GPU machine (device tool, timeout_s 420, nothing to carry):
#   set -o pipefail; bash benchmarks/gpu/run.sh 2>&1 | tee $OUT/run.log
# (the results JSON is copied to $OUT too, so it comes back).
# Environment: DEEPSC_TORCH_PYTHON picks the Python with torch (default: the first of python3,
# /usr/bin/python3 whose torch sees a GPU); BENCH_ARGS go to gpu_bench.py (e.g. "--repeats 3").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
start=$(date +%s)
say() { printf '[gpu/run.sh %3ss] %s\n' "$(($(date +%s) - start))" "$*"; }
die() {
  say "ERROR: $*" >&2
  exit 1
}
budget=350
# Seconds a step may take: its own cap, but never past the whole run's budget.
cap() {
  local left=$((budget - ($(date +%s) - start)))
  if [ "$left" -le 10 ]; then
    say "ERROR: out of time (${budget}s budget)" >&2
    echo 1
  else
    echo $(($1 < left ? $1 : left))
  fi
}

# --- what this machine has -----------------------------------------------------------------
if command -v nvidia-smi >/dev/null; then
  gpus="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true)"
  [ -n "$gpus" ] || die "nvidia-smi found no GPU (driver loaded? CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})"
  say "GPU: $gpus"
else
  # Not fatal: torch (below) and cuda_check both fail clearly when no GPU is visible.
  say "nvidia-smi is not on PATH; the torch check and cuda_check will say whether a GPU is visible"
fi
nvcc="${CUDACXX:-$(command -v nvcc || true)}"
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc; fi
[ -n "$nvcc" ] || die "nvcc not found (install the CUDA toolkit, or set CUDACXX)"
say "nvcc: $nvcc ($("$nvcc" --version | tail -n 1))"
command -v cmake >/dev/null || die "cmake not found (CMake >= 3.18 is needed)"
torch_ok() { "$1" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)' >/dev/null 2>&1; }
python="${DEEPSC_TORCH_PYTHON:-}"
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && torch_ok "$p"; then
      python="$p"
      break
    fi
  done
fi
# Only the benchmark (step 4) needs torch: without it the build and the op checks still run.
torch_missing=""
if [ -z "$python" ]; then
  torch_missing="no Python with a CUDA-enabled torch (tried python3 and /usr/bin/python3; set DEEPSC_TORCH_PYTHON)"
elif ! torch_ok "$python"; then
  torch_missing="$python: 'import torch' fails or torch.cuda.is_available() is False"
fi
if [ -n "$torch_missing" ]; then
  say "WARNING: $torch_missing; the benchmark (step 4) will not run"
else
  say "PyTorch: $python ($("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'))"
fi

# --- 1. build the engine and the check program ----------------------------------------------
build=native/build/gpu
jobs="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
gen=()
if command -v ninja >/dev/null; then gen=(-G Ninja); fi
say "building the engine with CUDA in $build"
timeout "$(cap 60)" cmake -S native -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DDEEPSC_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" >"$build.configure.log" 2>&1 || {
  cat "$build.configure.log"
  die "CMake configure failed"
}
timeout "$(cap 200)" cmake --build "$build" -j "$jobs" || die "the CUDA engine build failed (output above)"
timeout "$(cap 60)" "$nvcc" -std=c++20 -O2 -DDEEPSC_HAVE_CUDA=1 -DDEEPSC_VERSION='"gpu-check"' -Inative/include -Inative/src \
  native/test/cuda_check/cuda_check.cpp "$build/libdeepsc_engine.a" -o "$build/cuda_check" -lpthread ||
  die "building native/test/cuda_check failed"

# --- 2. CUDA vs CPU, every op ------------------------------------------------------------------
say "CUDA vs CPU: every op in ops_cuda.def"
rc=0
timeout "$(cap 60)" "$build/cuda_check" ops || rc=$?
case "$rc" in
  0) ;;
  1) die "CUDA and CPU disagree on the cases marked FAIL above (or a CUDA error, printed above)" ;;
  2) die "cuda_check sees no CUDA device (driver? CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})" ;;
  *) die "cuda_check ops ended with status $rc (124: timed out; above 128: killed by a signal)" ;;
esac

# --- 3. the TypeScript CUDA tests, where Node is here ----------------------------------------
if command -v node >/dev/null && [ -d node_modules ]; then
  say "TypeScript CUDA tests (addon with DEEPSC_CUDA=1)"
  DEEPSC_CUDA=1 CUDACXX="$nvcc" CMAKE_BUILD_PARALLEL_LEVEL="$jobs" timeout "$(cap 200)" node native/scripts/build-addon.mjs ||
    die "the addon build failed (output above)"
  DEEPSC_REQUIRE_CUDA=1 timeout "$(cap 60)" npx vitest run --root native test/cuda.test.ts ||
    die "native/test/cuda.test.ts failed (output above)"
else
  say "SKIPPED the TypeScript CUDA tests: node or node_modules is not here (step 2 ran the same op tables)"
fi

# --- 4. benchmark ------------------------------------------------------------------------------
[ -z "$torch_missing" ] || die "$torch_missing: the op checks above passed; the benchmark did not run"
say "conv3d: ours vs PyTorch/cuDNN"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
PYTHONUNBUFFERED=1 timeout "$(cap 200)" "$python" benchmarks/gpu/gpu_bench.py --check-bin "$build/cuda_check" ${BENCH_ARGS:-} ||
  die "the benchmark failed (output above)"
# On the lent GPU machines only what is under $OUT comes back: copy the results there.
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  latest="$(ls -t benchmarks/results/gpu-conv3d-*.json | head -n 1)"
  cp "$latest" "$OUT/" && say "copied $latest to \$OUT"
fi
say "done"
