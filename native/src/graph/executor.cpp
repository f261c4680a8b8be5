#include "graph/executor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <utility>

#include "deepsc/threadpool.h"
#include "graph/device_ops.h"
#include "graph/precision.h"

namespace deepsc::graph {

namespace {

// A program for a device backend: every node it runs must have a kernel there (one error
// listing all that do not), and device kernels take no workspace, so none is planned.
void prepare_for_device(Program& p, const Graph& g, Backend b) {
  std::vector<std::string> missing;
  std::string nodes;
  for (const Step& st : p.steps) {
    if (st.kind != StepKind::forward) continue;
    const Node& node = g.nodes()[static_cast<size_t>(st.node)];
    if (supports_op(b, node.op)) continue;
    const std::string name = op_name(node.op);
    if (std::find(missing.begin(), missing.end(), name) == missing.end()) missing.push_back(name);
    if (nodes.size() < 200) nodes += (nodes.empty() ? "'" : ", '") + node.name + "'";
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    const std::string kernels = b == Backend::cuda ? "CUDA" : backend_name(b);
    fail(ErrorKind::Runtime, "compile",
         std::string("device '") + backend_name(b) + "': no " + kernels + " kernel yet for op" +
             (missing.size() > 1 ? "s " : " ") + list + " (nodes " + nodes + "); compile with device 'cpu'");
  }
  for (Step& st : p.steps) {
    if (st.workspace < 0) continue;
    p.buffers[static_cast<size_t>(st.workspace)].floats = 0;
    st.workspace = -1;
  }
}

int find_named(const Graph& g, const std::string& name, const char* what) {
  int v = g.find_output(name);
  if (v < 0) v = g.find_leaf(name);
  if (v < 0) fail(ErrorKind::Type, "compile", std::string(what) + " '" + name + "' is not a declared output or input");
  return v;
}

}  // namespace

Executor::Executor(Graph g, const CompileOptions& opt, const std::map<std::string, const float*>& init,
                   const Executor* share_from)
    : graph_(std::move(g)), backend_(opt.backend), precision_(opt.precision), accum_(opt.backend) {
  if (backend_ == Backend::cuda && !backend_available(Backend::cuda))
    fail(ErrorKind::Runtime, "compile",
         "device 'cuda' is not available (no CUDA backend in this build or no visible GPU); use device 'cpu'");
  require_precision(opt.precision, backend_);
  if (share_from && share_from->backend_ != backend_)
    fail(ErrorKind::Type, "compile",
         std::string("shareParametersWith: the other model runs on device '") + backend_name(share_from->backend_) +
             "' and this one on '" + backend_name(backend_) + "'; parameters are shared only on one device");
  BuildOptions bo;
  bo.backward = opt.backward;
  for (const auto& name : opt.input_grads) {
    const int v = graph_.find_leaf(name);
    if (v < 0 || graph_.values()[static_cast<size_t>(v)].kind != ValueKind::input)
      fail(ErrorKind::Type, "compile", "inputGradients names '" + name + "', which is not a graph input");
    bo.input_grads.push_back(v);
  }
  for (const auto& name : opt.seed_outputs) bo.seed_outputs.push_back(find_named(graph_, name, "seedOutputs entry"));
  if (opt.backward && graph_.loss() < 0 && bo.seed_outputs.empty())
    fail(ErrorKind::Type, "compile", "mode 'train' needs a loss (builder.loss(value)) or seeded outputs");
  bo.in_place = opt.in_place;
  bo.declared_reads = opt.declared_reads;
  bo.accumulate_into = backend_ == Backend::cpu;  // the CUDA conv kernels overwrite their target
  has_backward_ = opt.backward;
  // The program in each backward order (graph/backward_order.h), with and without cheap
  // recomputation (graph/cheap_recompute.h), planned; the smallest arena wins, reverse
  // creation order without cheap recomputation on a tie (planning is cheap: tens of
  // milliseconds at the paper preset). Without reuse every choice takes the same arena.
  const bool search = opt.backward && opt.reuse != Reuse::none;
  auto build = [&](BuildOptions o) {
    std::pair<Program, ArenaPlan> best;
    bool have = false;
    for (BackwardOrder order : {BackwardOrder::reverse_creation, BackwardOrder::memory})
      for (bool cheap : {false, true}) {
        const bool chosen = (opt.backward_order ? order == *opt.backward_order
                                                : order == BackwardOrder::reverse_creation || search) &&
                            cheap == (opt.recompute_cheap ? *opt.recompute_cheap : search && cheap);
        const bool reference = order == BackwardOrder::reverse_creation && cheap == (opt.recompute_cheap && *opt.recompute_cheap);
        if (!chosen && !reference) continue;
        o.backward_order = order;
        o.recompute_cheap = cheap;
        Program p = build_program(graph_, o);
        if (backend_ != Backend::cpu) prepare_for_device(p, graph_, backend_);
        ArenaPlan a = plan_arena(p, opt.reuse);
        if (reference) floats_of_reference_choice_ = a.floats;
        if (chosen && (!have || a.floats < best.second.floats)) best = {std::move(p), a};
        have = have || chosen;
      }
    return best;
  };
  if (opt.backward && !opt.recompute.empty()) {
    // What recomputation saves: the same program planned without it.
    floats_without_recompute_ = build(bo).second.floats;
    bo.recompute = opt.recompute;
  }
  std::tie(program_, plan_) = build(bo);
  if (bo.recompute.empty()) floats_without_recompute_ = plan_.floats;

  shared_ = share_from ? share_from->shared_ : std::make_shared<SharedState>();
  const auto& values = graph_.values();
  leaves_.resize(values.size());
  for (size_t v = 0; v < values.size(); ++v) {
    const Value& val = values[v];
    if (val.kind == ValueKind::input || val.kind == ValueKind::node) continue;
    if (share_from) {
      const int o = share_from->graph_.find_leaf(val.name);
      if (o >= 0 && share_from->leaves_[static_cast<size_t>(o)]) {
        const auto& other = share_from->leaves_[static_cast<size_t>(o)];
        if (other->kind != val.kind || other->shape != val.shape)
          fail(ErrorKind::Type, "compile",
               std::string(kind_name(val.kind)) + " '" + val.name + "' " + val.shape.str() + " cannot share the " +
                   kind_name(other->kind) + " of that name " + other->shape.str() + " in the other model");
        leaves_[v] = other;
        continue;
      }
    }
    auto it = init.find(val.name);
    if (it == init.end() || !it->second)
      fail(ErrorKind::Type, "compile", std::string(kind_name(val.kind)) + " '" + val.name + "' has no initial data");
    auto p = std::make_shared<Persistent>();
    p->name = val.name;
    p->kind = val.kind;
    p->shape = val.shape;
    p->trainable = val.trainable;
    p->data = TrackedBuffer(val.shape.size(), MemoryCategory::persistent, "compile", backend_);
    copy_in(backend_, p->data.data(), it->second, val.shape.size());
    leaves_[v] = std::move(p);
  }

  arena_ = TrackedBuffer(plan_.floats, MemoryCategory::arenas, "compile", backend_);
  const char* sync_env = std::getenv("DEEPSC_CUDA_SYNC");
  sync_each_step_ = backend_ != Backend::cpu && sync_env && std::string(sync_env) == "1";
  ptrs_.resize(program_.buffers.size());
  for (size_t b = 0; b < program_.buffers.size(); ++b) {
    const Buffer& buf = program_.buffers[b];
    ptrs_[b] = buf.place == Place::arena ? arena_.data() + buf.offset : leaves_[static_cast<size_t>(buf.leaf)]->data.data();
  }

  // Views are built once: running a step allocates nothing.
  views_.resize(program_.steps.size());
  for (size_t s = 0; s < program_.steps.size(); ++s) {
    const Step& st = program_.steps[s];
    if (st.kind != StepKind::forward && st.kind != StepKind::backward) continue;
    const Node& node = graph_.nodes()[static_cast<size_t>(st.node)];
    StepViews& sv = views_[s];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int id = node.inputs[i];
      const Shape shape = id >= 0 ? values[static_cast<size_t>(id)].shape : Shape{};
      sv.in.push_back({ptr(st.in[i]), shape});
      if (st.kind == StepKind::backward) sv.grad_in.push_back({ptr(st.grad_in[i]), shape});
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const Shape& shape = values[static_cast<size_t>(node.outputs[k])].shape;
      sv.out.push_back({ptr(st.out[k]), shape});
      if (st.kind == StepKind::backward) sv.grad_out.push_back({ptr(st.grad_out[k]), shape});
    }
    if (st.workspace >= 0)
      sv.ws = Workspace{ptr(st.workspace), program_.buffers[static_cast<size_t>(st.workspace)].floats};
  }
}

Executor::~Executor() {
  // A reduction in flight writes into this executor's memory: let it finish first.
  try {
    settle_gradients();
  } catch (...) {
  }
}

int64_t Executor::persistent_bytes() const {
  int64_t bytes = 0;
  for (const auto& l : leaves_)
    if (l) bytes += l->data.floats() * 4;
  return bytes;
}

TensorView Executor::value_view(int value) const {
  const int b = program_.value_buf[static_cast<size_t>(value)];
  return {ptr(b), graph_.values()[static_cast<size_t>(value)].shape};
}

TensorView Executor::grad_view(int value) const {
  const int b = program_.grad_buf[static_cast<size_t>(value)];
  if (b < 0) return {};
  return {ptr(b), graph_.values()[static_cast<size_t>(value)].shape};
}

void Executor::read_value(int value, float* host_dst) const {
  const TensorView v = value_view(value);
  if (!v.present()) fail(ErrorKind::Type, "read", graph_.describe(value) + " is not computed by this model (pruned)");
  copy_out(backend_, host_dst, v.data, v.numel());
}

void Executor::write_value(int value, const float* host_src) {
  settle_gradients();  // an input slot may share arena memory with a gradient being reduced
  const TensorView v = value_view(value);
  if (!v.present()) fail(ErrorKind::Type, "write", graph_.describe(value) + " has no storage in this model (pruned)");
  copy_in(backend_, v.data, host_src, v.numel());
}

bool Executor::read_gradient(int value, float* host_dst) const {
  settle_gradients();
  const TensorView g = grad_view(value);
  if (!g.present()) return false;
  copy_out(backend_, host_dst, g.data, g.numel());
  return true;
}

void Executor::check_can_backward() const {
  if (!has_backward_)
    fail(ErrorKind::Runtime, "backward", "this model was compiled with mode 'infer'; compile with mode 'train'");
  if (!forward_at_)
    fail(ErrorKind::Runtime, "backward", "needs a forward() first (each forward() allows one backward())");
  if (*forward_at_ != shared_->param_version.load())
    fail(ErrorKind::Runtime, "backward",
         "the parameters changed since the last forward() (a step or a write); run forward() again");
}

void Executor::check_gradients_ready() const {
  if (!gradients_at_ || *gradients_at_ != shared_->param_version.load())
    fail(ErrorKind::Runtime, "gradients",
         "no current gradients: run forward() then backward() (a forward, a step or a parameter write discards them)");
}

void Executor::check_can_step() const {
  if (!optimizer_) fail(ErrorKind::Runtime, "step", "no optimizer: pass one to compile() or call setOptimizer()");
  const bool fresh = gradients_at_ && *gradients_at_ == shared_->param_version.load();
  if (accum_.count() > 0) {
    if (accum_.version() != shared_->param_version.load())
      fail(ErrorKind::Runtime, "step",
           "the parameters changed (a write, or a step of a model sharing them) after " +
               std::to_string(accum_.count()) + " micro-batch(es) were accumulated; call zeroGradients() and start over");
    // Stepping now would silently drop the last micro-batch.
    if (fresh && !last_backward_accumulated_)
      fail(ErrorKind::Runtime, "step",
           "the last backward()'s gradients were not accumulated while " + std::to_string(accum_.count()) +
               " micro-batch(es) are: accumulate them too (backward with accumulation), or call zeroGradients()");
    return;
  }
  if (!fresh)
    fail(ErrorKind::Runtime, "step",
         "needs gradients: run forward() then backward() before each step() (with accumulation: at least one "
         "accumulated micro-batch)");
}

void Executor::check_can_accumulate() const {
  if (!has_backward_)
    fail(ErrorKind::Runtime, "accumulate", "this model was compiled with mode 'infer'; compile with mode 'train'");
  if (accum_.count() > 0 && accum_.version() != shared_->param_version.load())
    fail(ErrorKind::Runtime, "accumulate",
         "the parameters changed (a write, or a step of a model sharing them) after " +
             std::to_string(accum_.count()) + " micro-batch(es) were accumulated; call zeroGradients() and start over");
}

void Executor::check_step_boundary(const char* what) const {
  if (accum_.count() > 0)
    fail(ErrorKind::Runtime, what,
         std::to_string(accum_.count()) +
             " micro-batch(es) are accumulated but not stepped: call step() (or zeroGradients()) first, so the "
             "optimizer state matches the parameters (checkpoint at step boundaries)");
}

void Executor::forward() {
  // The forward pass reuses memory of the previous backward's gradients.
  settle_gradients();
  gradients_at_.reset();
  forward_at_.reset();
  run_steps(0, program_.forward_steps, nullptr);
  forward_at_ = shared_->param_version.load();
}

void Executor::backward(const std::vector<std::vector<float>>& seeds, BackwardMode mode) {
  check_can_backward();
  if (mode.accumulate) check_can_accumulate();
  if (seeds.size() != program_.seed_values.size())
    fail(ErrorKind::Type, "backward",
         "expected " + std::to_string(program_.seed_values.size()) + " seed gradients, got " + std::to_string(seeds.size()));
  settle_gradients();
  const uint64_t at = *forward_at_;
  // Backward overwrites activations whose forward use is over: one backward per forward.
  forward_at_.reset();
  if (sync_) sync_->reset();
  syncing_ = hook_.has_value() && mode.sync_gradients;
  syncing_accumulates_ = syncing_ && mode.accumulate;
  try {
    run_steps(program_.forward_steps, static_cast<int>(program_.steps.size()), &seeds);
  } catch (...) {
    // Gradients handed over so far are being reduced: wait, then drop them (and, when they were
    // partly added to the accumulator, the accumulated micro-batches: they are incomplete).
    const bool partial = syncing_accumulates_;
    syncing_ = syncing_accumulates_ = false;
    settle_gradients();
    if (sync_) sync_->reset();
    if (partial) zero_gradients();
    throw;
  }
  gradients_at_ = at;
  last_backward_accumulated_ = false;
  if (syncing_) {
    if (syncing_accumulates_) {
      accum_.commit(at);  // hand_over_gradients added each parameter as it became final
      last_backward_accumulated_ = true;
    }
    sync_->finish(*hook_);
    syncing_ = syncing_accumulates_ = false;
  } else if (mode.accumulate) {
    accumulate();
  }
}

void Executor::accumulate() {
  check_can_accumulate();
  if (!gradients_at_ || *gradients_at_ != shared_->param_version.load())
    fail(ErrorKind::Runtime, "accumulate",
         "needs the gradients of a backward(): run forward() and backward() on each micro-batch first");
  if (last_backward_accumulated_)
    fail(ErrorKind::Runtime, "accumulate",
         "the last backward()'s gradients are already accumulated; run forward() and backward() on the next micro-batch");
  std::vector<GradRef> grads;
  for (size_t v = 0; v < leaves_.size(); ++v) {
    const Persistent* p = leaves_[v].get();
    if (!p || p->kind != ValueKind::parameter || !p->trainable) continue;
    const TensorView g = grad_view(static_cast<int>(v));
    if (g.data) grads.push_back({static_cast<int>(v), g.data, p->data.floats()});
  }
  accum_.add(grads, *gradients_at_);
  last_backward_accumulated_ = true;
}

void Executor::zero_gradients() {
  settle_gradients();
  if (sync_) sync_->reset();
  // Like PyTorch's zero_grad (grads set to None): the last backward's gradients go too, so a
  // step needs a new backward.
  accum_.clear();
  gradients_at_.reset();
  last_backward_accumulated_ = false;
}

bool Executor::accumulated_gradient(int value, float* host_dst) const {
  settle_gradients();
  if (accum_.count() == 0) return false;
  if (!accum_.sum(value)) return false;
  accum_.mean_to_host(value, host_dst);
  return true;
}

StepReport Executor::step() {
  check_can_step();
  if (hook_) {
    // The optimizer (and clipping) must see the mean over the ranks, never this rank's own.
    settle_gradients();
    if (!sync_->error().empty()) {
      const std::string err = sync_->error();
      zero_gradients();
      fail(ErrorKind::Runtime, "step", err);
    }
    if (!sync_->synced())
      fail(ErrorKind::Runtime, "step",
           "a gradient hook is set but the gradients were not averaged over the ranks: the last backward had "
           "syncGradients false (pass true on the last micro-batch of each step)");
    sync_->reset();
  }
  const int micro = accum_.count();
  // With accumulation the optimizer (clipping included) sees the micro-batches' mean.
  if (micro > 0) accum_.to_mean();
  StepReport r = optimizer_->step([&](int id) {
    Persistent* p = leaves_[static_cast<size_t>(id)].get();
    return ParamRef{p->data.data(), micro > 0 ? accum_.sum(id) : grad_view(id).data, p->data.floats()};
  });
  r.micro_batches = micro > 0 ? micro : 1;
  gradients_at_.reset();
  zero_gradients();
  parameters_changed();
  return r;
}

void Executor::set_optimizer(OptimizerConfig cfg) {
  for (const auto& g : cfg.groups)
    for (int id : g.params) {
      if (id < 0 || static_cast<size_t>(id) >= leaves_.size() || !leaves_[static_cast<size_t>(id)] ||
          leaves_[static_cast<size_t>(id)]->kind != ValueKind::parameter || !leaves_[static_cast<size_t>(id)]->trainable)
        fail(ErrorKind::Type, "optimizer",
             "value " + std::to_string(id) + (id >= 0 && static_cast<size_t>(id) < leaves_.size() ? " (" + graph_.describe(id) + ")" : "") +
                 " is not a trainable parameter");
    }
  optimizer_ = std::make_unique<Optimizer>(
      std::move(cfg), [&](int id) { return leaves_[static_cast<size_t>(id)]->data.floats(); }, backend_);
}

void Executor::set_gradient_hook(const deepsc_gradient_hook* hook) {
  settle_gradients();
  if (hook && hook->abi_version != DEEPSC_GRADIENT_HOOK_ABI)
    fail(ErrorKind::Type, "setGradientHook",
         "the hook has ABI version " + std::to_string(hook->abi_version) + " but this engine speaks version " +
             std::to_string(DEEPSC_GRADIENT_HOOK_ABI) + ": rebuild the collective backend against this engine");
  if (hook && (!hook->ready || !hook->flush || !hook->wait))
    fail(ErrorKind::Type, "setGradientHook", "the hook lacks a ready, flush or wait function");
  if (!hook) {
    hook_.reset();
    sync_.reset();
    return;
  }
  hook_ = *hook;
  if (!sync_)
    sync_ = std::make_unique<GradientSync>(
        program_,
        [&](int v) {
          const Persistent* p = leaves_[static_cast<size_t>(v)].get();
          return p && p->kind == ValueKind::parameter && p->trainable;
        },
        backend_);
  sync_->reset();
}

void Executor::settle_gradients() const {
  if (sync_ && hook_) sync_->settle(*hook_);
}

void Executor::hand_over_gradients(int s) {
  for (int id : sync_->final_after(s)) {
    float* grad = grad_view(id).data;
    const int64_t n = leaves_[static_cast<size_t>(id)]->data.floats();
    // With accumulation the step uses the micro-batches' sum: add this one's now and hand that over.
    if (syncing_accumulates_) grad = accum_.add_one({id, grad, n});
    sync_->hand_over(*hook_, id, grad, n);
  }
}

void Executor::parameters_changed() {
  shared_->param_version.fetch_add(1);
}

void Executor::run_steps(int begin, int end, const std::vector<std::vector<float>>* seeds) {
  const auto& nodes = graph_.nodes();
  const RunningPrecision precision(precision_);  // what the CUDA conv3d computes in
  for (int s = begin; s < end; ++s) {
    const Step& st = program_.steps[static_cast<size_t>(s)];
    StepViews& sv = views_[static_cast<size_t>(s)];
    switch (st.kind) {
      case StepKind::forward:
        run_forward(backend_, nodes[static_cast<size_t>(st.node)].op, OpArgs{sv.in, sv.out, sv.ws});
        if (backend_ != Backend::cpu) after_device_step(st);
        break;
      case StepKind::backward:
        for (int z : st.zero) fill(backend_, ptr(z), program_.buffers[static_cast<size_t>(z)].floats, 0.f);
        run_backward(backend_, nodes[static_cast<size_t>(st.node)].op,
                     OpGradArgs{sv.in, sv.out, sv.grad_out, sv.grad_in, sv.ws, st.accumulate});
        if (backend_ != Backend::cpu) after_device_step(st);
        break;
      case StepKind::accumulate:
        add_into(backend_, ptr(st.dst), ptr(st.src), program_.buffers[static_cast<size_t>(st.dst)].floats);
        break;
      case StepKind::seed: {
        const int64_t n = program_.buffers[static_cast<size_t>(st.dst)].floats;
        if (st.seed < 0) fill(backend_, ptr(st.dst), n, 1.f);
        else {
          const auto& data = (*seeds)[static_cast<size_t>(st.seed)];
          if (static_cast<int64_t>(data.size()) != n)
            fail(ErrorKind::Type, "backward", "seed " + std::to_string(st.seed) + " has " + std::to_string(data.size()) +
                                                  " elements, expected " + std::to_string(n));
          copy_in(backend_, ptr(st.dst), data.data(), n);
        }
        break;
      }
    }
    if (syncing_) hand_over_gradients(s);
  }
  // Device kernels are asynchronous: wait here, so the pass's errors surface in this call
  // and its results are complete when it returns.
  if (backend_ != Backend::cpu) sync(backend_, begin == 0 ? "forward" : "backward");
}

void Executor::after_device_step(const Step& st) const {
  // The step's name is built only when it is needed: a run allocates nothing.
  auto what = [&] {
    const Node& node = graph_.nodes()[static_cast<size_t>(st.node)];
    return std::string(st.kind == StepKind::forward ? "forward" : "backward") + " of node '" + node.name + "' (" +
           op_name(node.op) + ")";
  };
  if (sync_each_step_) sync(backend_, what());
  else if (const char* err = launch_error(backend_)) fail(ErrorKind::Runtime, what(), std::string("cuda: kernel launch failed: ") + err);
}

}  // namespace deepsc::graph
