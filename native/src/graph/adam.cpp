// torch.optim.Adam / AdamW (PyTorch 1.13+, single-tensor path):
//   Adam:  g += wd p (L2);            AdamW: p *= 1 - lr wd (decoupled)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The CUDA twin (cuda/optim_adam.cu) applies the same scalars the same way.
#include <cmath>

#include "deepsc/threadpool.h"
#include "graph/optimizer.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/optim.h"
#endif

namespace deepsc::graph {

AdamScalars adam_scalars(const ParamGroup& g, bool decoupled, int64_t t) {
  const double bc1 = 1.0 - std::pow(g.beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(g.beta2, static_cast<double>(t));
  AdamScalars k;
  k.step_size = static_cast<float>(g.lr / bc1);
  k.bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  k.b1 = static_cast<float>(g.beta1);
  k.b2 = static_cast<float>(g.beta2);
  k.one_b1 = static_cast<float>(1.0 - g.beta1);
  k.one_b2 = static_cast<float>(1.0 - g.beta2);
  k.eps = static_cast<float>(g.eps);
  k.wd = static_cast<float>(g.weight_decay);
  k.decay = static_cast<float>(1.0 - g.lr * g.weight_decay);
  k.decoupled = decoupled;
  return k;
}

void adam_update(Backend b, const ParamGroup& g, bool decoupled, ParamState& st, const ParamRef& p) {
  const int64_t t = ++st.step;
  const AdamScalars k = adam_scalars(g, decoupled, t);
  float* m = st.buf1.data();
  float* v = st.buf2.data();
  if (b == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    cuda::adam_update(k, p.param, p.grad, m, v, p.n);
#else
    fail(ErrorKind::Runtime, decoupled ? "adamw" : "adam", "this build has no CUDA backend");
#endif
    return;
  }
  const float step_size = k.step_size, bc2_sqrt = k.bc2_sqrt, b1 = k.b1, b2 = k.b2;
  const float one_b1 = k.one_b1, one_b2 = k.one_b2, eps = k.eps, wd = k.wd, decay = k.decay;
  parallel_for(p.n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float gr = p.grad[i];
      if (decoupled) p.param[i] *= decay;
      else if (wd != 0.f) gr += wd * p.param[i];
      m[i] = m[i] * b1 + gr * one_b1;
      v[i] = v[i] * b2 + one_b2 * gr * gr;
      const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
      p.param[i] -= step_size * (m[i] / denom);
    }
  });
}

}  // namespace deepsc::graph
