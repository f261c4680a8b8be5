#!/usr/bin/env bash
# The one-call GPU check of the tf32 / bf16 precisions (issue 16): what a session with a lent
# H100 / H200 runs in ONE device call (under 8 minutes) to verify conv3d's tensor-core kernels
# as the engine runs them and to time them. On a machine with an NVIDIA GPU (sm_80+), nvcc,
# CMake and a CUDA-enabled PyTorch (for the benchmark only), no network:
#   1. the addon with the CUDA backend AND the CMake option DEEPSC_CUDA_LOWP=ON (compile accepts
#      precision tf32 / bf16 on 'cuda'), built into native/build/cmake-lowp (sm_90 only) unless
#      the addon in native/build/bin already takes tf32 on the GPU (one carried from
#      `node benchmarks/gpu/prepare-carry.mjs --lowp`); then cuda_check (the fp32 conv3d timer)
#      and conv3d_lowp_gpu (the tensor-core kernels' checker and timer), unless carried;
#   2. the GPU tests of the precisions, DEEPSC_REQUIRE_CUDA=1 DEEPSC_REQUIRE_LOWP=1 (they cannot
#      pass by skipping): native/test/conv3d-lowp-gpu.test.ts (the roundings; the kernels
#      against the host emulation and float64 on odd shapes; the paper's layer set against fp32;
#      determinism), native/test/precision-cuda.test.ts (compile({ precision }) through the
#      executor: conv3d and conv_transpose3d against float64, fp32 where the kernels do not take
#      a pass, determinism), packages/deepsc-covid/test/model-cuda-precision.test.ts (a
#      DeepSC-COVID training step in tf32 and bf16 against fp32, determinism), and
#      native/test/graph_cuda.test.ts (fp32 unchanged in this build);
#   3. benchmarks/gpu/gpu_bench.py with our TF32 / bf16 columns (conv3d on the paper's layers:
#      ours in fp32, tf32, bf16 against cuDNN fp32, TF32 and bf16), its results JSON;
#   4. a summary, last.
# Logs and results go to $OUT (on the lent machines only what is under $OUT comes back; at most 8
# files there): lowp.log is the caller's tee, build.txt, tests.txt, bench.txt, gpu-conv3d-*.json.
#
#   bash benchmarks/gpu/lowp.sh [--budget SECONDS] [--skip-bench] [--dry-run] [-h | --help]
# With the device tool, after `node benchmarks/gpu/prepare-carry.mjs` here (Node and node_modules
# for a machine without them; add --lowp to carry a prebuilt lowp addon too and skip step 1's
# build, if this machine has the ~40 minutes of 2-core compile time that takes):
#   carry [".gpu-carry", "native/build/bin"], timeout_s 540,
#   command: set -o pipefail; bash benchmarks/gpu/lowp.sh 2>&1 | tee $OUT/lowp.log
# Budget: 460 s by default (--budget, or DEEPSC_GPU_BUDGET_S): the build gets at most 300 s,
# the tests 150 s, the benchmark what is left (it is skipped under 40 s, and the run then ends
# with status 1, saying so). The build's time on a 16-core GPU machine has not been measured:
# the whole CUDA build took 38 minutes of wall time on this repository's 2-core machine.
# Exit status: 0 all passed; 1 a test, the build or the benchmark failed or did not run; 2 usage.
set -euo pipefail
export NO_COLOR=1 FORCE_COLOR=0

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

budget="${DEEPSC_GPU_BUDGET_S:-460}"
dry=0
bench=1
while [ $# -gt 0 ]; do
  case "$1" in
    --budget)
      [ $# -ge 2 ] || { echo "lowp.sh: --budget needs a number of seconds" >&2; exit 2; }
      budget="$2"
      shift 2
      ;;
    --budget=*) budget="${1#--budget=}"; shift ;;
    --skip-bench) bench=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "lowp.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$budget" in
  '' | *[!0-9]*) echo "lowp.sh: --budget must be a whole number of seconds, got '$budget'" >&2; exit 2 ;;
esac
[ "$budget" -ge 60 ] || { echo "lowp.sh: --budget $budget is under the 60 s the build and tests need at least" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
start=$(date +%s)
say() { printf '[gpu/lowp.sh %3ss] %s\n' "$(($(date +%s) - start))" "$*"; }
die() {
  say "ERROR: $*" >&2
  exit 1
}
# Seconds a step may take: its own cap, never past the whole run's budget (0: none left).
cap() {
  local left=$((budget - ($(date +%s) - start)))
  if [ "$left" -le 10 ]; then echo 0; else echo $(($1 < left ? $1 : left)); fi
}
out="${OUT:-}"
log_to() { if [ -n "$out" ] && [ -d "$out" ]; then echo "$out/$1"; else echo "/tmp/deepsc-lowp-$1"; fi; }

build_dir=native/build/cmake-lowp
tests=(
  native/test/conv3d-lowp-gpu.test.ts
  native/test/precision-cuda.test.ts
  packages/deepsc-covid/test/model-cuda-precision.test.ts
  native/test/graph_cuda.test.ts
)
lowp_bin=.gpu-carry/conv3d_lowp_gpu
check_bin=.gpu-carry/cuda_check

# --- the plan (--dry-run prints it and checks that its files are here) ------------------------
plan() {
  echo "lowp.sh plan (budget ${budget}s):"
  echo "  1. build: unless native/build/bin's addon takes tf32 on the GPU:"
  echo "       DEEPSC_CUDA_LOWP=1 DEEPSC_CUDA=1 DEEPSC_CUDA_ARCHS=90-real \\"
  echo "         node native/scripts/build-addon.mjs --build-dir build/cmake-lowp   (at most 300 s)"
  echo "     then $check_bin (else native/build/cuda_check from $build_dir/libdeepsc_engine.a) and"
  echo "     $lowp_bin (else native/build/conv3d_lowp_gpu from its two sources)"
  echo "  2. tests, DEEPSC_REQUIRE_CUDA=1 DEEPSC_REQUIRE_LOWP=1 (at most 150 s in all):"
  for t in "${tests[@]}"; do echo "       $t"; done
  if [ "$bench" = 1 ]; then
    echo "  3. benchmark: gpu_bench.py --check-bin CUDA_CHECK --lowp-bin CONV3D_LOWP_GPU --warmup 1 --repeats 5 (what is left)"
  else
    echo "  3. benchmark: skipped (--skip-bench)"
  fi
  echo "  4. summary; logs to \${OUT:-/tmp}: build.txt, tests.txt, bench.txt, the results JSON"
}
if [ "$dry" = 1 ]; then
  plan
  missing=0
  for f in "${tests[@]}" native/scripts/build-addon.mjs benchmarks/gpu/gpu_bench.py benchmarks/gpu/layers.json \
    benchmarks/gpu/node-env.sh native/test/cuda_check/cuda_check.cpp native/test/cuda_emu/gpu/conv3d_lowp_gpu.cu \
    native/src/cuda/conv3d_lowp.cu; do
    [ -f "$f" ] || { echo "  MISSING: $f" >&2; missing=1; }
  done
  grep -q 'option(DEEPSC_CUDA_LOWP' native/CMakeLists.txt || { echo "  MISSING: the DEEPSC_CUDA_LOWP option in native/CMakeLists.txt" >&2; missing=1; }
  [ "$missing" = 0 ] && echo "dry run: every file of the plan is here"
  exit "$missing"
fi
plan

# --- what this machine has ---------------------------------------------------------------------
command -v nvidia-smi >/dev/null || die "nvidia-smi is not on PATH: no NVIDIA driver here"
gpus="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true)"
[ -n "$gpus" ] || die "nvidia-smi found no GPU (CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-unset})"
say "GPU: $gpus"
nvcc="${CUDACXX:-$(command -v nvcc || true)}"
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc; fi
[ -n "$nvcc" ] && say "nvcc: $nvcc ($("$nvcc" --version | tail -n 1))"
CUDACXX="${nvcc:-nvcc}"
export CUDACXX
python="${DEEPSC_TORCH_PYTHON:-python3}"
# shellcheck source=benchmarks/gpu/node-env.sh
. benchmarks/gpu/node-env.sh

# --- 1. the lowp addon, cuda_check, conv3d_lowp_gpu ----------------------------------------------
# Whether the addon that the tests load compiles a graph in tf32 on the GPU (a DEEPSC_CUDA_LOWP build).
takes_tf32() {
  local addon
  addon="$(find native/build/bin -name 'deepsc_native-v*.node' 2>/dev/null | head -n 1)"
  [ -n "$addon" ] || return 1
  node -e '
    const B = require(process.argv[1]);
    const desc = { items: [{ kind: "input", name: "x", shape: [1] },
      { kind: "node", op: "relu", name: "r", attrs: {}, inputs: [0], outputs: [1] }], outputs: [{ name: "y", value: 1 }] };
    new B.NativeModel(desc, { device: "cuda", mode: "infer", precision: "tf32" }).dispose();
  ' "$root/$addon" >/dev/null 2>&1
}
rc=0
build_log="$(log_to build.txt)"
if takes_tf32; then
  say "the addon in native/build/bin already takes tf32 on the GPU: no build"
else
  t="$(cap 300)"
  [ "$t" -gt 0 ] || die "no time left for the build"
  say "building the addon with CUDA and DEEPSC_CUDA_LOWP=ON into $build_dir (at most ${t}s; log $build_log)"
  # a fresh folder: the option is read when a folder is first configured
  rm -rf "$build_dir"
  DEEPSC_CUDA_LOWP=1 DEEPSC_CUDA=1 DEEPSC_CUDA_ARCHS=90-real CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    timeout "$t" node native/scripts/build-addon.mjs --build-dir build/cmake-lowp >"$build_log" 2>&1 ||
    { tail -n 40 "$build_log" >&2; die "the lowp addon build failed or ran out of time (log above)"; }
  takes_tf32 || die "the addon built with DEEPSC_CUDA_LOWP=ON still refuses tf32 on the GPU"
  say "built: $(tail -n 1 "$build_log")"
fi
if [ ! -x "$check_bin" ]; then
  check_bin=native/build/cuda_check
  lib="$build_dir/libdeepsc_engine.a"
  [ -f "$lib" ] || die "no $lib (the addon was carried): carry .gpu-carry/cuda_check too (prepare-carry.mjs)"
  timeout "$(cap 90)" "$CUDACXX" -std=c++20 -O2 -DDEEPSC_HAVE_CUDA=1 -DDEEPSC_VERSION='"gpu-check"' -Inative/include \
    -Inative/src native/test/cuda_check/cuda_check.cpp "$lib" -o "$check_bin" -lpthread >>"$build_log" 2>&1 ||
    { rc=1; check_bin=""; say "ERROR: building cuda_check failed ($build_log): no benchmark"; }
fi
if [ ! -x "$lowp_bin" ]; then
  lowp_bin=native/build/conv3d_lowp_gpu
  timeout "$(cap 90)" "$CUDACXX" -std=c++20 -O2 --expt-relaxed-constexpr -DDEEPSC_HAVE_CUDA=1 -Inative/include \
    -Inative/src -arch=native native/test/cuda_emu/gpu/conv3d_lowp_gpu.cu native/src/cuda/conv3d_lowp.cu \
    -o "$lowp_bin" >>"$build_log" 2>&1 ||
    { rc=1; lowp_bin=""; say "ERROR: building conv3d_lowp_gpu failed ($build_log): no TF32 / bf16 columns"; }
fi

# --- 2. the tests ------------------------------------------------------------------------------
tests_log="$(log_to tests.txt)"
: >"$tests_log"
declare -A status
for t in "${tests[@]}"; do
  tl="$(cap 150)"
  if [ "$tl" -lt 20 ]; then
    status[$t]="NOT RUN (${tl}s left)"
    rc=1
    continue
  fi
  pkg="${t%%/test/*}"
  say "test $t (at most ${tl}s)"
  if DEEPSC_REQUIRE_CUDA=1 DEEPSC_REQUIRE_LOWP=1 timeout "$tl" "${vitest[@]}" run --root "$pkg" "${t#"$pkg"/}" \
    >>"$tests_log" 2>&1; then
    status[$t]=passed
  else
    status[$t]="FAILED (status $?)"
    rc=1
  fi
done
grep -E '\[precision\]|✓|×|FAIL|Tests ' "$tests_log" | tail -n 60 || true

# --- 3. the benchmark ----------------------------------------------------------------------------
bench_status="skipped (--skip-bench)"
if [ "$bench" = 1 ]; then
  tl="$(cap 200)"
  if [ -z "$check_bin" ] || [ -z "$lowp_bin" ]; then
    bench_status="NOT RUN (a timer did not build)"
    rc=1
  elif ! "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)' >/dev/null 2>&1; then
    bench_status="NOT RUN ($python has no CUDA-enabled torch; set DEEPSC_TORCH_PYTHON)"
    rc=1
  elif [ "$tl" -lt 40 ]; then
    bench_status="NOT RUN (${tl}s left of the ${budget}s budget)"
    rc=1
  else
    say "benchmark: conv3d in fp32 / tf32 / bf16, ours vs cuDNN (at most ${tl}s)"
    bench_log="$(log_to bench.txt)"
    if PYTHONUNBUFFERED=1 timeout "$tl" "$python" benchmarks/gpu/gpu_bench.py --check-bin "$check_bin" \
      --lowp-bin "$lowp_bin" --warmup 1 --repeats 5 >"$bench_log" 2>&1; then
      bench_status=passed
      cat "$bench_log"
      latest="$(find benchmarks/results -name 'gpu-conv3d-*.json' -newer "$tests_log" | sort | tail -n 1)"
      if [ -n "$latest" ] && [ -n "$out" ] && [ -d "$out" ]; then cp "$latest" "$out/" && say "copied $latest to \$OUT"; fi
    else
      bench_status="FAILED (status $?)"
      tail -n 40 "$bench_log"
      rc=1
    fi
  fi
fi

# --- 4. summary -----------------------------------------------------------------------------------
say "summary (${budget}s budget):"
for t in "${tests[@]}"; do printf '  %-60s %s\n' "$t" "${status[$t]:-NOT RUN}"; done
printf '  %-60s %s\n' "benchmark (gpu_bench.py, TF32 / bf16 columns)" "$bench_status"
[ "$rc" = 0 ] || die "a step failed or did not run (above); logs: $build_log, $tests_log"
say "done"
