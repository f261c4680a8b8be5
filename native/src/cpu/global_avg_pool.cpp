#include "cpu/kernels.h"
#include "cpu/norm_stats.h"

namespace deepsc::cpu {

void global_avg_pool_forward(const GlobalAvgPoolParams&, const OpArgs& a) {
  const RowChunks L = row_chunks(a.in[0].shape);
  const float* x = a.in[0].data;
  float* part = a.ws.data;  // one partial sum per chunk
  norm::for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t t) {
    part[t] = static_cast<float>(norm::lane_sum(x + r * L.s + b, e - b));
  });
  for (int64_t r = 0; r < L.rows(); ++r) {
    double s = 0;
    for (int64_t k = 0; k < L.per; ++k) s += part[r * L.per + k];
    a.out[0].data[r] = static_cast<float>(s / double(L.s));
  }
}

void global_avg_pool_backward(const GlobalAvgPoolParams&, const OpGradArgs& a) {
  if (!a.grad_in[0].present()) return;
  const RowChunks L = row_chunks(a.in[0].shape);
  const float* g = a.grad_out[0].data;
  float* dx = a.grad_in[0].data;
  const float inv = static_cast<float>(1.0 / double(L.s));
  norm::for_chunks(L, [&](int64_t r, int64_t b, int64_t e, int64_t) {
    const float v = g[r] * inv;
    float* d = dx + r * L.s;
    for (int64_t i = b; i < e; ++i) d[i] = v;
  });
}

}  // namespace deepsc::cpu
