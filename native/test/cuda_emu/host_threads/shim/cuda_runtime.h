#pragma once
// A host stand-in for <cuda_runtime.h> so that CUDA kernels compile with g++ and run on CPU
// threads: each block runs as blockDim.x std::threads (blocks one after another), __shared__
// variables become function statics (shared by the block's threads; blocks do not overlap),
// __syncthreads is a barrier of the block, __shfl_xor_sync exchanges through per-warp slots
// between two barriers of the warp, and "device memory" is host memory. Only what the norm,
// softmax and loss kernels use is here (1D grids and blocks). Launches are rewritten by
// rewrite_launches.py into emu::launch calls. For checking index math, synchronisation and
// orchestration without a GPU; it says nothing about speed or the GPU memory model.
#include <barrier>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <math.h>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict

using std::isfinite;

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace emu {

struct Block {
  std::unique_ptr<std::barrier<>> all;
  std::vector<std::unique_ptr<std::barrier<>>> warps;
  std::vector<uint64_t> slots;
};

inline thread_local dim3 t_idx, b_idx;
inline thread_local Block* t_block = nullptr;
inline dim3 b_dim, g_dim;

inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
  g_dim = grid;
  b_dim = block;
  const unsigned n = block.x;
  for (unsigned b = 0; b < grid.x; ++b) {
    Block blk;
    blk.all = std::make_unique<std::barrier<>>(static_cast<std::ptrdiff_t>(n));
    for (unsigned w = 0; w < (n + 31) / 32; ++w)
      blk.warps.push_back(std::make_unique<std::barrier<>>(static_cast<std::ptrdiff_t>(std::min(32u, n - 32 * w))));
    blk.slots.assign(n, 0);
    std::vector<std::thread> ts;
    ts.reserve(n);
    for (unsigned t = 0; t < n; ++t)
      ts.emplace_back([&, t, b] {
        t_idx = dim3(t);
        b_idx = dim3(b);
        t_block = &blk;
        body();
      });
    for (auto& th : ts) th.join();
  }
}

}  // namespace emu

#define threadIdx (::emu::t_idx)
#define blockIdx (::emu::b_idx)
#define blockDim (::emu::b_dim)
#define gridDim (::emu::g_dim)

inline void __syncthreads() { emu::t_block->all->arrive_and_wait(); }

template <class T>
T __shfl_xor_sync(unsigned, T v, int off) {
  static_assert(sizeof(T) <= 8);
  emu::Block& b = *emu::t_block;
  const unsigned t = threadIdx.x, w = t / 32, lane = t % 32;
  std::memcpy(&b.slots[t], &v, sizeof(T));
  b.warps[w]->arrive_and_wait();
  T o;
  std::memcpy(&o, &b.slots[w * 32 + (lane ^ static_cast<unsigned>(off))], sizeof(T));
  b.warps[w]->arrive_and_wait();
  return o;
}

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }

enum cudaError_t { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };
inline const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "emulated error"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = std::malloc(bytes);
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) {
  std::memcpy(d, s, n);
  return cudaSuccess;
}
