#include "graph/optimizer.h"

#include <cmath>
#include <set>

#include "deepsc/threadpool.h"
#include "graph/device_ops.h"
#ifdef DEEPSC_HAVE_CUDA
#include "cuda/optim.h"
#endif

namespace deepsc::graph {

namespace {
constexpr int64_t kGrain = 1 << 15;

void check_range(bool ok, size_t group, const std::string& key, double v, const std::string& want) {
  if (!ok)
    fail(ErrorKind::Range, "optimizer",
         "group " + std::to_string(group) + ": " + key + " = " + std::to_string(v) + ", expected " + want);
}
}  // namespace

const char* optimizer_name(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::adam: return "adam";
    case OptimizerKind::adamw: return "adamw";
  }
  return "?";
}

double sum_of_squares(const float* x, int64_t n) {
  const int64_t chunks = (n + kGrain - 1) / kGrain;
  std::vector<double> part(static_cast<size_t>(std::max<int64_t>(chunks, 1)), 0.0);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    double s = 0;
    for (int64_t i = b; i < e; ++i) s += static_cast<double>(x[i]) * x[i];
    part[static_cast<size_t>(b / kGrain)] = s;
  });
  double s = 0;
  for (double v : part) s += v;
  return s;
}

Optimizer::Optimizer(OptimizerConfig cfg, const std::function<int64_t(int)>& size_of, Backend backend)
    : cfg_(std::move(cfg)), backend_(backend) {
  if (cfg_.groups.empty()) fail(ErrorKind::Type, "optimizer", "needs at least one parameter group");
  check_range(std::isfinite(cfg_.clip_grad_norm) && cfg_.clip_grad_norm >= 0, 0, "clipGradNorm", cfg_.clip_grad_norm,
              "a finite number >= 0 (0 = no clipping)");
  std::set<int> seen;
  for (size_t gi = 0; gi < cfg_.groups.size(); ++gi) {
    const ParamGroup& g = cfg_.groups[gi];
    check_range(std::isfinite(g.lr) && g.lr >= 0, gi, "lr", g.lr, "a finite number >= 0");
    check_range(std::isfinite(g.weight_decay) && g.weight_decay >= 0, gi, "weightDecay", g.weight_decay, ">= 0");
    check_range(g.momentum >= 0 && g.momentum < 1, gi, "momentum", g.momentum, "a number in [0, 1)");
    check_range(g.dampening >= 0 && g.dampening <= 1, gi, "dampening", g.dampening, "a number in [0, 1]");
    check_range(g.beta1 >= 0 && g.beta1 < 1, gi, "betas[0]", g.beta1, "a number in [0, 1)");
    check_range(g.beta2 >= 0 && g.beta2 < 1, gi, "betas[1]", g.beta2, "a number in [0, 1)");
    check_range(std::isfinite(g.eps) && g.eps > 0, gi, "eps", g.eps, "a finite number > 0");
    if (g.nesterov && (g.momentum <= 0 || g.dampening != 0))
      fail(ErrorKind::Range, "optimizer",
           "group " + std::to_string(gi) + ": Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch)");
    for (int id : g.params) {
      if (!seen.insert(id).second)
        fail(ErrorKind::Type, "optimizer", "a parameter appears in more than one group (group " + std::to_string(gi) + ")");
      ParamState st;
      const int64_t n = size_of(id);
      const bool needs1 = cfg_.kind != OptimizerKind::sgd || g.momentum > 0;
      if (needs1) st.buf1 = TrackedBuffer(n, MemoryCategory::optimizer, "optimizer", backend_);
      if (cfg_.kind != OptimizerKind::sgd) st.buf2 = TrackedBuffer(n, MemoryCategory::optimizer, "optimizer", backend_);
      if (st.buf1.data()) fill(backend_, st.buf1.data(), n, 0.f);
      if (st.buf2.data()) fill(backend_, st.buf2.data(), n, 0.f);
      states_.emplace(id, std::move(st));
    }
  }
  if (backend_ == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    const int count = static_cast<int>(states_.size());
    norm_scratch_ =
        TrackedBuffer(cuda::sum_of_squares_scratch_floats(count), MemoryCategory::optimizer, "optimizer", backend_);
    norm_host_.assign(static_cast<size_t>(count), 0.0);
#else
    fail(ErrorKind::Runtime, "optimizer", "this build has no CUDA backend");
#endif
  }
}

void Optimizer::read_buffer(int id, int k, float* host_dst) const {
  auto it = states_.find(id);
  const TrackedBuffer* b = it == states_.end() ? nullptr : k == 0 ? &it->second.buf1 : k == 1 ? &it->second.buf2 : nullptr;
  if (!b || !b->data())
    fail(ErrorKind::Type, "optimizerState", "parameter " + std::to_string(id) + " has no state buffer " + std::to_string(k));
  copy_out(backend_, host_dst, b->data(), b->floats());
}

void Optimizer::write_buffer(int id, int k, const float* host_src) {
  auto it = states_.find(id);
  TrackedBuffer* b = it == states_.end() ? nullptr : k == 0 ? &it->second.buf1 : k == 1 ? &it->second.buf2 : nullptr;
  if (!b || !b->data())
    fail(ErrorKind::Type, "setOptimizerState", "parameter " + std::to_string(id) + " has no state buffer " + std::to_string(k));
  copy_in(backend_, b->data(), host_src, b->floats());
}

void Optimizer::set_lr(size_t group, double lr) {
  if (group >= cfg_.groups.size())
    fail(ErrorKind::Range, "optimizer",
         "group " + std::to_string(group) + " does not exist (" + std::to_string(cfg_.groups.size()) + " groups)");
  check_range(std::isfinite(lr) && lr >= 0, group, "lr", lr, "a finite number >= 0");
  cfg_.groups[group].lr = lr;
}

std::vector<std::string> Optimizer::buffer_names() const {
  if (cfg_.kind != OptimizerKind::sgd) return {"exp_avg", "exp_avg_sq"};
  for (const auto& g : cfg_.groups)
    if (g.momentum > 0) return {"momentum_buffer"};
  return {};
}

StepReport Optimizer::step(const std::function<ParamRef(int)>& ref) {
  StepReport r;
  double sq = 0;
  if (backend_ == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    // One fixed-order double sum per parameter on the device, added here in parameter order.
    const int count = static_cast<int>(norm_host_.size());
    int slot = 0;
    for (const auto& g : cfg_.groups)
      for (int id : g.params) {
        ParamRef p = ref(id);
        if (p.grad) cuda::sum_of_squares(p.grad, p.n, norm_scratch_.data(), count, slot++);
      }
    cuda::read_sums_of_squares(norm_scratch_.data(), slot, norm_host_.data());
    for (int i = 0; i < slot; ++i) sq += norm_host_[static_cast<size_t>(i)];
#endif
  } else {
    for (const auto& g : cfg_.groups)
      for (int id : g.params) {
        ParamRef p = ref(id);
        if (p.grad) sq += sum_of_squares(p.grad, p.n);
      }
  }
  r.grad_norm = std::sqrt(sq);
  if (cfg_.clip_grad_norm > 0) {
    // torch.nn.utils.clip_grad_norm_: coef = max_norm / (total_norm + 1e-6), applied when < 1.
    const double coef = cfg_.clip_grad_norm / (r.grad_norm + 1e-6);
    if (coef < 1) {
      r.clip_scale = coef;
      const float c = static_cast<float>(coef);
      for (const auto& g : cfg_.groups)
        for (int id : g.params) {
          ParamRef p = ref(id);
          if (p.grad) scale_into(backend_, p.grad, p.n, c);
        }
    }
  }
  for (const auto& g : cfg_.groups)
    for (int id : g.params) {
      ParamRef p = ref(id);
      if (!p.grad) continue;
      ParamState& st = states_.at(id);
      if (cfg_.kind == OptimizerKind::sgd) sgd_update(backend_, g, st, p);
      else adam_update(backend_, g, cfg_.kind == OptimizerKind::adamw, st, p);
      ++r.updated;
    }
  if (backend_ != Backend::cpu) sync(backend_, "step");  // wait, so device errors surface in this call
  return r;
}

}  // namespace deepsc::graph
