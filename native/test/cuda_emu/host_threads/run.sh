#!/usr/bin/env bash
# Runs the norm, softmax, pooling, linear and loss CUDA kernels on CPU threads (see
# shim/cuda_runtime.h) against the CPU kernels: norm_loss_ops.cpp. Needs g++ and the engine
# library of a build (native/build/cmake/libdeepsc_engine.a; a CUDA build also needs
# libcudart_static, found under CUDA_HOME, default /usr/local/cuda). No GPU needed. Not part
# of CI (a minute of compiling and a few hundred thousand short-lived threads).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$(cd "$here/../../.." && pwd)"
lib="$native/build/cmake/libdeepsc_engine.a"
[ -f "$lib" ] || { echo "host_threads: $lib is missing: run node native/scripts/build-addon.mjs first" >&2; exit 1; }
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
# EMU_SRC (default native/src): another source tree to emulate, e.g. a copy with a planted bug
# to see that this check catches it.
src="${EMU_SRC:-$native/src}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
kernels=(op_scratch group_norm instance_norm batch_norm softmax log_softmax global_avg_pool linear class_loss
  cross_entropy focal soft_dice mse)
srcs=()
for k in "${kernels[@]}"; do
  python3 "$here/rewrite_launches.py" "$src/cuda/$k.cu" "$out/$k.cpp"
  srcs+=("$out/$k.cpp")
done
# -DDEEPSC_LOSS_MAX_BLOCKS=64: the losses' grid-stride loops wrap at these small sizes too.
# -Dcuda=cuda_emu: the emulated kernels live in deepsc::cuda_emu, so they do not collide with
# the real CUDA objects in the library (which a CUDA build's registry pulls in).
g++ -std=c++20 -O1 -ffp-contract=off -pthread -Dcuda=cuda_emu -DDEEPSC_LOSS_MAX_BLOCKS=64 -DDEEPSC_HAVE_CUDA=1 \
  -I"$here/shim" \
  -I"$native/include" -I"$src" -I"$native/src" "${srcs[@]}" "$here/norm_loss_ops.cpp" "$lib" \
  -L"$cuda_home/lib64" -lcudart_static -ldl -lrt -o "$out/norm_loss_ops"
"$out/norm_loss_ops"
