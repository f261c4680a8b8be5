// torch.optim.SGD (PyTorch 1.13+): d = g + wd p; with momentum, buf = d on the first step,
// else buf = momentum buf + (1 - dampening) d; Nesterov uses d + momentum buf, otherwise buf;
// p -= lr d.
#include "deepsc/threadpool.h"
#include "graph/optimizer.h"

namespace deepsc::graph {

void sgd_update(const ParamGroup& g, ParamState& st, const ParamRef& p) {
  const float lr = static_cast<float>(g.lr), wd = static_cast<float>(g.weight_decay);
  const float mom = static_cast<float>(g.momentum), damp = static_cast<float>(1.0 - g.dampening);
  const bool first = st.step == 0, nesterov = g.nesterov, use_mom = g.momentum > 0;
  float* buf = st.buf1.data();
  parallel_for(p.n, 1 << 15, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float d = p.grad[i];
      if (wd != 0.f) d += wd * p.param[i];
      if (use_mom) {
        buf[i] = first ? d : mom * buf[i] + damp * d;
        d = nesterov ? d + mom * buf[i] : buf[i];
      }
      p.param[i] -= lr * d;
    }
  });
  ++st.step;
}

}  // namespace deepsc::graph
