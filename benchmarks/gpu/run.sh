#!/usr/bin/env bash
# The one-call GPU check for DeepSC's CUDA backend, on a machine with an NVIDIA GPU (H100/H200
# class), nvcc and CMake (to build), a CUDA-enabled PyTorch (for the comparison), and no network:
#   0. Node.js and node_modules: those of the repository (after `npm ci`), or, on a machine that
#      has none (the lent GPU machines), the ones benchmarks/gpu/prepare-carry.mjs packed under
#      .gpu-carry/ (Node, node_modules, the prebuilt addon and cuda_check), unpacked to /tmp,
#   1. the addon with the CUDA backend (built with DEEPSC_CUDA=1 unless a CUDA-built one is
#      already there) and native/test/cuda_check (the Node-free conv3d timer),
#   2. the CUDA tests with DEEPSC_REQUIRE_CUDA=1 (so they cannot pass by skipping): every op's
#      case table against the CPU, the executor and optimizers on the device, the whole-network
#      parity step; then the measured error of every op (native/test/cuda/run-checks.ts),
#   3. gpu_bench.py: conv3d forward, backward-data and backward-weight on DeepSC-COVID layers
#      at the paper's sizes (layers.json), ours against PyTorch/cuDNN (fp32 with TF32 off, and
#      TF32 on), plus the TF32 / bf16 columns: our tensor-core kernels (conv3d_lowp_gpu, not
#      yet used by the engine) against cuDNN TF32 and cuDNN on bfloat16 tensors, a table, and
#      benchmarks/results/gpu-conv3d-<GPU>-<time>.json. The TF32 / bf16 columns were written
#      without a GPU and have not run yet (issue 16),
#   4. benchmarks/gpu/train-step.ts: one DeepSC-COVID training step at the paper's sizes, ours on
#      CUDA against the PyTorch twin on CUDA/cuDNN (TF32 off and on), a table, and
#      benchmarks/results/gpu-train-step-<GPU>-<time>.json,
#   5. benchmarks/gpu/infer.ts: scans per minute of DeepSC-COVID's whole-scan prediction at the
#      paper preset, ours on CUDA (window batch 1 for the joint network, 1 and 4 for
#      segmentation-only) against the PyTorch twin's sliding window (fp32, TF32, bf16 autocast),
#      peak device memory of both, an agreement check of the two predictions, a table, and
#      benchmarks/results/gpu-infer-<GPU>-<time>.json (written without a GPU: not run yet;
#      about 60 s on an H100 by estimate, capped at 120 s),
#   6. native/test/cuda_emu/gpu/run.sh: the fast conv3d kernel against the simple one (plans,
#      splits, determinism, times), the opt-in 3xTF32 path, and the TF32 / bf16 kernels against
#      their host emulation and float64 (conv3d_lowp_gpu check), when time is left.
# Budget: 350 s in all (each step's timeout fits in what is left), so it ends inside 6 minutes.
#
#   bash benchmarks/gpu/run.sh                 (from anywhere)
# On a lent GPU machine, after `node benchmarks/gpu/prepare-carry.mjs` here (device tool,
# carry [".gpu-carry", "native/build/bin"], timeout_s 420):
#   set -o pipefail; bash benchmarks/gpu/run.sh 2>&1 | tee $OUT/run.log
# (results and logs are copied to $OUT too, so they come back).
# Environment: DEEPSC_TORCH_PYTHON picks the Python with torch (default: the first of python3,
# /usr/bin/python3 whose torch sees a GPU); BENCH_ARGS go to gpu_bench.py (e.g. "--repeats 3").
set -euo pipefail
export NO_COLOR=1 FORCE_COLOR=0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
start=$(date +%s)
say() { printf '[gpu/run.sh %3ss] %s\n' "$(($(date +%s) - start))" "$*"; }
die() {
  say "ERROR: $*" >&2
  exit 1
}
# DEEPSC_GPU_BUDGET_S shortens it where the machine is lent for less.
budget="${DEEPSC_GPU_BUDGET_S:-350}"
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
# nvcc is needed only where something is built (not with the carried, prebuilt files).
if [ -n "$nvcc" ]; then say "nvcc: $nvcc ($("$nvcc" --version | tail -n 1))"; else nvcc=nvcc; fi
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
# Only the benchmark (step 3) needs torch: without it the build and the CUDA tests still run.
torch_missing=""
if [ -z "$python" ]; then
  torch_missing="no Python with a CUDA-enabled torch (tried python3 and /usr/bin/python3; set DEEPSC_TORCH_PYTHON)"
elif ! torch_ok "$python"; then
  torch_missing="$python: 'import torch' fails or torch.cuda.is_available() is False"
fi
if [ -n "$torch_missing" ]; then
  say "WARNING: $torch_missing; the benchmark (step 3) will not run"
else
  say "PyTorch: $python ($("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version())'))"
fi

# --- 0. Node.js and node_modules (node-env.sh: the repository's, or the carried ones) ------------
# shellcheck source=benchmarks/gpu/node-env.sh
. benchmarks/gpu/node-env.sh

# --- 1. the addon with CUDA and the conv3d timer ---------------------------------------------
cuda_built() { node -e 'const i=require(process.argv[1]).info(); process.exit(i.cudaBuilt ? 0 : 1)' "$1" 2>/dev/null; }
addon="$(ls native/build/bin/*/deepsc_native-v*.node 2>/dev/null | head -n 1 || true)"
if [ -n "$addon" ] && cuda_built "$root/$addon"; then
  say "using the CUDA-built addon $addon"
else
  command -v cmake >/dev/null || die "cmake not found (CMake >= 3.18 is needed to build the addon)"
  say "building the addon with DEEPSC_CUDA=1"
  DEEPSC_CUDA=1 CUDACXX="$nvcc" timeout "$(cap 240)" node native/scripts/build-addon.mjs || die "the addon build failed (output above)"
fi
check_bin=.gpu-carry/cuda_check
if [ ! -x "$check_bin" ]; then
  lib=native/build/cmake/libdeepsc_engine.a
  [ -f "$lib" ] || die "no $lib: build the addon here (node native/scripts/build-addon.mjs) or carry .gpu-carry"
  check_bin=native/build/cuda_check
  timeout "$(cap 60)" "$nvcc" -std=c++20 -O2 -DDEEPSC_HAVE_CUDA=1 -DDEEPSC_VERSION='"gpu-check"' -Inative/include -Inative/src \
    native/test/cuda_check/cuda_check.cpp "$lib" -o "$check_bin" -lpthread || die "building native/test/cuda_check failed"
fi

# Our TF32 / bf16 tensor-core conv3d kernels' timer (conv3d_lowp_gpu; self-contained, no engine
# library). Optional: if it cannot be built, the benchmark has no TF32 / bf16 columns of ours.
lowp_bin=.gpu-carry/conv3d_lowp_gpu
if [ ! -x "$lowp_bin" ]; then
  lowp_bin=native/build/conv3d_lowp_gpu
  timeout "$(cap 90)" "$nvcc" -std=c++20 -O2 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -Inative/include -Inative/src \
    -arch=native native/test/cuda_emu/gpu/conv3d_lowp_gpu.cu native/src/cuda/conv3d_lowp.cu -o "$lowp_bin" ||
    { say "WARNING: building conv3d_lowp_gpu failed (above): no TF32 / bf16 columns of ours"; lowp_bin=""; }
fi

# --- 2. the CUDA tests, a GPU required -----------------------------------------------------------
say "CUDA tests (DEEPSC_REQUIRE_CUDA=1)"
tests=(native/test/cuda.test.ts)
for f in native/test/cuda_errors.test.ts native/test/graph_cuda.test.ts native/test/graph-accumulate.test.ts packages/core/test/model-cuda-parity.test.ts packages/train/test/device-cuda.test.ts; do [ -f "$f" ] && tests+=("$f"); done
rc=0
for t in "${tests[@]}"; do
  pkg="${t%%/test/*}"
  DEEPSC_REQUIRE_CUDA=1 timeout "$(cap 120)" "${vitest[@]}" run --root "$pkg" "${t#"$pkg"/}" || rc=1
done
say "measured CUDA-vs-CPU error of every op"
timeout "$(cap 60)" "${tsx[@]}" native/test/cuda/run-checks.ts 2>&1 | tee "${OUT:-/tmp}/op-errors.txt" || rc=1
[ "$rc" = 0 ] || say "ERROR: CUDA tests failed (above); the benchmark still runs, and the run ends with status 1"

# --- 3. benchmark ------------------------------------------------------------------------------
[ -z "$torch_missing" ] || die "$torch_missing: the benchmark did not run"
say "conv3d: ours vs PyTorch/cuDNN"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
PYTHONUNBUFFERED=1 timeout "$(cap 200)" "$python" benchmarks/gpu/gpu_bench.py --check-bin "$check_bin" \
  ${lowp_bin:+--lowp-bin "$lowp_bin"} ${BENCH_ARGS:-} ||
  die "the benchmark failed (output above)"
# On the lent GPU machines only what is under $OUT comes back: copy the results there.
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  latest="$(ls -t benchmarks/results/gpu-conv3d-*.json | head -n 1)"
  cp "$latest" "$OUT/" && say "copied $latest to \$OUT"
fi

# --- 4. training step (benchmarks/gpu/train-step.ts) -------------------------------------------
# One DeepSC-COVID step at the paper's sizes, ours on CUDA vs the PyTorch twin on CUDA/cuDNN
# (TF32 off and on); writes benchmarks/results/gpu-train-step-<GPU>-<time>.json and copies it to
# $OUT itself. Its own limits (our steps, PyTorch's process) are fitted to what is left here.
step_rc=0
tl="$(cap 110)"
if [ "$tl" -lt 45 ]; then
  say "SKIPPED the training-step benchmark: ${tl}s of the ${budget}s budget left (it needs about 45-110s)"
  step_rc=1
else
  say "training step: ours vs the PyTorch twin (${tl}s)"
  timeout "$tl" "${tsx[@]}" benchmarks/gpu/train-step.ts --python "$python" \
    --budget-s $((tl / 3 < 40 ? tl / 3 : 40)) --torch-timeout-s $((tl / 2)) || step_rc=$?
  [ "$step_rc" = 0 ] || say "ERROR: the training-step benchmark ended with status $step_rc (1: a side failed; 124: timed out)"
fi
[ "$step_rc" = 0 ] || rc=1

# --- 5. inference throughput (benchmarks/gpu/infer.ts) ------------------------------------------
# Scans per minute of whole-scan prediction, ours vs the PyTorch twin's sliding window, each side
# in its own process per case; writes benchmarks/results/gpu-infer-<GPU>-<time>.json and copies
# it to $OUT itself. Estimated 60 s on an H100 (process starts, compiles, cudnn.benchmark's
# search, 6 scans a case and precision); its own budget ends 10 s before the cap, so it reports
# what it measured (later cases marked skipped) instead of being killed.
tl="$(cap 120)"
if [ "$tl" -lt 45 ]; then
  say "SKIPPED the inference benchmark: ${tl}s of the ${budget}s budget left (it needs about 45-120s)"
  rc=1
else
  say "inference: ours vs the PyTorch twin's sliding window (${tl}s)"
  infer_rc=0
  timeout "$tl" "${tsx[@]}" benchmarks/gpu/infer.ts --python "$python" \
    --budget-s $((tl - 10)) --case-timeout-s $((tl / 2 < 60 ? tl / 2 : 60)) || infer_rc=$?
  [ "$infer_rc" = 0 ] || { say "ERROR: the inference benchmark ended with status $infer_rc (1: a case failed or was skipped; 124: timed out)"; rc=1; }
fi

# --- 6. the conv3d kernels in detail (native/test/cuda_emu/gpu) --------------------------------
# The fast kernel against the simple one on edge cases and the paper's layers (plans, splits,
# determinism, times), then the opt-in 3xTF32 tensor-core path; only the default path's
# failures count. Skipped when little time is left.
tl="$(cap 60)"
if [ "$tl" -lt 20 ]; then
  say "SKIPPED the conv3d kernel check: ${tl}s left"
else
  say "conv3d kernels: fast vs simple, FFMA and 3xTF32 (${tl}s)"
  gpu_bin=(env)
  [ -x .gpu-carry/conv3d_gpu ] && gpu_bin+=(CONV3D_GPU_BIN="$root/.gpu-carry/conv3d_gpu")
  [ -n "$lowp_bin" ] && gpu_bin+=(CONV3D_LOWP_GPU_BIN="$root/$lowp_bin")
  REPEATS=3 timeout "$tl" "${gpu_bin[@]}" bash native/test/cuda_emu/gpu/run.sh 2>&1 | tee "${OUT:-/tmp}/conv3d-kernels.txt" ||
    { say "ERROR: the conv3d kernel check failed (above)"; rc=1; }
fi
[ "$rc" = 0 ] || die "the CUDA tests, the training-step or inference benchmark or the conv3d kernel check failed (see above)"
say "done"
