#include "graph/gradient_sync.h"

#include "graph/device_ops.h"

namespace deepsc::graph {

GradientSync::GradientSync(const Program& p, const std::function<bool(int)>& trainable, Backend backend)
    : backend_(backend), final_after_(p.steps.size()) {
  // The last step that writes each buffer: a backward kernel's input gradient (or its zero
  // fill), an accumulation into it, a seed.
  std::vector<int> last_write(p.buffers.size(), -1);
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    auto wrote = [&](int b) {
      if (b >= 0) last_write[static_cast<size_t>(b)] = static_cast<int>(s);
    };
    if (st.kind == StepKind::backward) {
      for (int b : st.grad_in) wrote(b);
      for (int b : st.zero) wrote(b);
    } else if (st.kind == StepKind::accumulate || st.kind == StepKind::seed) {
      wrote(st.dst);
    }
  }
  for (size_t v = 0; v < p.grad_buf.size(); ++v) {
    const int b = p.grad_buf[v];
    if (b < 0 || !trainable(static_cast<int>(v))) continue;
    const int s = last_write[static_cast<size_t>(b)];
    if (s >= 0) final_after_[static_cast<size_t>(s)].push_back(static_cast<int>(v));
  }
}

void GradientSync::hand_over(const deepsc_gradient_hook& hook, int id, float* grad, int64_t n) {
  if (!in_flight_) {
    in_flight_ = true;
    staged_used_ = 0;
    synced_ = false;
    error_.clear();
  }
  float* host = grad;
  if (backend_ != Backend::cpu) {
    // Device memory: the hook gets a host copy (this waits for the kernels that wrote it).
    if (staged_used_ == staged_.size()) staged_.push_back({});
    Staged& st = staged_[staged_used_++];
    st.device = grad;
    st.host.resize(static_cast<size_t>(n));
    copy_out(backend_, st.host.data(), grad, n);
    host = st.host.data();
  }
  hook.ready(hook.ctx, id, host, n);
}

void GradientSync::finish(const deepsc_gradient_hook& hook) {
  if (in_flight_) {
    hook.flush(hook.ctx);
    return;
  }
  // No trainable parameter got a gradient: there is nothing to average.
  synced_ = true;
  error_.clear();
}

void GradientSync::settle(const deepsc_gradient_hook& hook) {
  if (!in_flight_) return;
  in_flight_ = false;
  char err[1024] = {0};
  if (hook.wait(hook.ctx, err, sizeof err) != 0) {
    error_ = err[0] ? err : "the gradient hook failed without a message";
    synced_ = false;
    return;
  }
  for (size_t i = 0; i < staged_used_; ++i) copy_in(backend_, staged_[i].device, staged_[i].host.data(), static_cast<int64_t>(staged_[i].host.size()));
  synced_ = true;
}

}  // namespace deepsc::graph
