#include <algorithm>

#include "cpu/kernels.h"
#include "cpu/optional_input.h"

namespace deepsc::cpu {

namespace {

// Dot product with 8 independent float accumulators, so the compiler can keep them in vector
// lanes without reassociating (the order is fixed by the code, not by the vector width).
inline float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

}  // namespace

void linear_forward(const LinearParams&, const OpArgs& a) {
  const int64_t n = a.in[0].shape[0], f = a.in[0].shape[1], o = a.in[1].shape[0];
  const float *x = a.in[0].data, *w = a.in[1].data;
  const float* b = optional_input(a.in, 2, "linear", "b");
  float* y = a.out[0].data;
  parallel_for(n * o, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, f)), [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      const int64_t r = i / o, c = i % o;
      y[i] = dot(x + r * f, w + c * f, f) + (b ? b[c] : 0.f);
    }
  });
}

void linear_backward(const LinearParams&, const OpGradArgs& a) {
  optional_input(a.in, 2, "linear", "b");  // a present b of shape [] would make db overrun
  const int64_t n = a.in[0].shape[0], f = a.in[0].shape[1], o = a.in[1].shape[0];
  const float *x = a.in[0].data, *w = a.in[1].data, *g = a.grad_out[0].data;
  if (a.grad_in[0].present()) {  // dx[r, :] = sum_c g[r, c] w[c, :]
    float* dx = a.grad_in[0].data;
    parallel_for(n, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, o * f)), [&](int64_t s, int64_t e) {
      for (int64_t r = s; r < e; ++r) {
        float* row = dx + r * f;
        std::fill(row, row + f, 0.f);
        for (int64_t c = 0; c < o; ++c) {
          const float gc = g[r * o + c];
          const float* wc = w + c * f;
          for (int64_t k = 0; k < f; ++k) row[k] += gc * wc[k];
        }
      }
    });
  }
  if (a.grad_in[1].present()) {  // dw[c, :] = sum_r g[r, c] x[r, :]
    float* dw = a.grad_in[1].data;
    parallel_for(o, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, n * f)), [&](int64_t s, int64_t e) {
      for (int64_t c = s; c < e; ++c) {
        float* row = dw + c * f;
        std::fill(row, row + f, 0.f);
        for (int64_t r = 0; r < n; ++r) {
          const float gc = g[r * o + c];
          const float* xr = x + r * f;
          for (int64_t k = 0; k < f; ++k) row[k] += gc * xr[k];
        }
      }
    });
  }
  if (a.grad_in.size() > 2 && a.grad_in[2].present()) {  // db[c] = sum_r g[r, c]
    float* db = a.grad_in[2].data;
    for (int64_t c = 0; c < o; ++c) {
      double acc = 0;
      for (int64_t r = 0; r < n; ++r) acc += g[r * o + c];
      db[c] = static_cast<float>(acc);
    }
  }
}

}  // namespace deepsc::cpu
