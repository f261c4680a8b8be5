// torch.optim.SGD (PyTorch 1.13+): d = g + wd p; with momentum, buf = d on the first step,
// else buf = momentum buf + (1 - dampening) d; Nesterov uses d + momentum buf, otherwise buf;
// p -= lr d. The CUDA twin (cuda/optim_sgd.cu) applies the same scalars the same way.
#include "deepsc/threadpool.h"
#include "graph/optimizer.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/optim.h"
#endif

namespace deepsc::graph {

SgdScalars sgd_scalars(const ParamGroup& g, int64_t step) {
  SgdScalars k;
  k.lr = static_cast<float>(g.lr);
  k.wd = static_cast<float>(g.weight_decay);
  k.mom = static_cast<float>(g.momentum);
  k.damp = static_cast<float>(1.0 - g.dampening);
  k.first = step == 0;
  k.nesterov = g.nesterov;
  k.use_mom = g.momentum > 0;
  return k;
}

void sgd_update(Backend b, const ParamGroup& g, ParamState& st, const ParamRef& p) {
  const SgdScalars k = sgd_scalars(g, st.step);
  float* buf = st.buf1.data();
  if (b == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    cuda::sgd_update(k, p.param, p.grad, buf, p.n);
#else
    fail(ErrorKind::Runtime, "sgd", "this build has no CUDA backend");
#endif
    ++st.step;
    return;
  }
  const float lr = k.lr, wd = k.wd, mom = k.mom, damp = k.damp;
  const bool first = k.first, nesterov = k.nesterov, use_mom = k.use_mom;
  parallel_for(p.n, 1 << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
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
