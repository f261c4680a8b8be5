// The CPU side of device_ops.h and the switch to the CUDA side. The CPU loops are the ones the
// executor always used (same grain), so the CPU path is unchanged bit for bit.
#include "graph/device_ops.h"

#include <algorithm>
#include <cstring>

#include "deepsc/threadpool.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/vector_ops.h"
#endif

namespace deepsc::graph {

namespace {

constexpr int64_t kGrain = 1 << 15;

#ifndef DEEPSC_HAVE_CUDA
[[noreturn]] void no_cuda(const std::string& what) {
  fail(ErrorKind::Runtime, what,
       "no CUDA device: this addon was built without the CUDA backend (nvcc was not found at build time)");
}
#endif

}  // namespace

#ifdef DEEPSC_HAVE_CUDA
#define DEEPSC_ON_CUDA(what, call) \
  if (b == Backend::cuda) {        \
    call;                          \
    return;                        \
  }
#else
#define DEEPSC_ON_CUDA(what, call) \
  if (b == Backend::cuda) no_cuda(what);
#endif

void fill(Backend b, float* dst, int64_t n, float value) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("fill", cuda::fill(dst, n, value))
  std::fill_n(dst, n, value);
}

void add_into(Backend b, float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("add_into", cuda::add_into(dst, src, n))
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dst[i] += src[i];
  });
}

void divide_into(Backend b, float* dst, const float* src, int64_t n, float k) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("divide_into", cuda::divide_into(dst, src, n, k))
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dst[i] = src[i] / k;
  });
}

void scale_into(Backend b, float* dst, int64_t n, float c) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("scale_into", cuda::scale_into(dst, n, c))
  parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) dst[i] *= c;
  });
}

void copy_in(Backend b, float* dst, const float* host_src, int64_t n) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("copy_in", cuda::copy_to_device(dst, host_src, n))
  std::memcpy(dst, host_src, static_cast<size_t>(n) * sizeof(float));
}

void copy_out(Backend b, float* host_dst, const float* src, int64_t n) {
  if (n <= 0) return;
  DEEPSC_ON_CUDA("copy_out", cuda::copy_to_host(host_dst, src, n))
  std::memcpy(host_dst, src, static_cast<size_t>(n) * sizeof(float));
}

void sync(Backend b, const std::string& what) {
  DEEPSC_ON_CUDA(what, cuda::synchronize(what))
}

void check_launch(Backend b, const std::string& what) {
  DEEPSC_ON_CUDA(what, cuda::check_launch(what))
}

const char* launch_error(Backend b) {
#ifdef DEEPSC_HAVE_CUDA
  if (b == Backend::cuda) return cuda::launch_error();
#else
  (void)b;
#endif
  return nullptr;
}

#undef DEEPSC_ON_CUDA

float* device_alloc(int64_t floats, const std::string& what) {
#ifdef DEEPSC_HAVE_CUDA
  return cuda::alloc_device(floats, what);
#else
  (void)floats;
  no_cuda(what);
#endif
}

void device_free(float* p) noexcept {
#ifdef DEEPSC_HAVE_CUDA
  cuda::free_device(p);
#else
  (void)p;
#endif
}

}  // namespace deepsc::graph
