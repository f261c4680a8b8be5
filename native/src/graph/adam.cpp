// torch.optim.Adam / AdamW (PyTorch 1.13+, single-tensor path):
//   Adam:  g += wd p (L2);            AdamW: p *= 1 - lr wd (decoupled)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
#include <cmath>

#include "deepsc/threadpool.h"
#include "graph/optimizer.h"

namespace deepsc::graph {

void adam_update(const ParamGroup& g, bool decoupled, ParamState& st, const ParamRef& p) {
  const int64_t t = ++st.step;
  const double bc1 = 1.0 - std::pow(g.beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(g.beta2, static_cast<double>(t));
  const float step_size = static_cast<float>(g.lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float b1 = static_cast<float>(g.beta1), b2 = static_cast<float>(g.beta2);
  const float one_b1 = static_cast<float>(1.0 - g.beta1), one_b2 = static_cast<float>(1.0 - g.beta2);
  const float eps = static_cast<float>(g.eps);
  const float wd = static_cast<float>(g.weight_decay);
  const float decay = static_cast<float>(1.0 - g.lr * g.weight_decay);
  float* m = st.buf1.data();
  float* v = st.buf2.data();
  parallel_for(p.n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
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
