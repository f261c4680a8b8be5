// Compiled graphs for JS: `new NativeModel(desc, options, shareWith?)` compiles a graph
// declared by the TS builder; forward / backward / step / trainStep run on a libuv worker
// thread and return promises, so the event loop keeps going. Inputs are validated and copied
// into the arena on the calling thread before anything is queued; requested outputs are
// copied out into new native tensors when the run completes. One run at a time per model
// (and per group of models sharing parameters): a second one is rejected.
//
// This file converts; it validates once. The graph description's structure (items, ids, kinds)
// comes from the typed TS builder (packages/core) and is not re-checked field by field here:
// the graph itself (graph/graph.cpp) refuses unknown value ids, duplicate names and bad losses,
// and each op's parse/infer its attributes and shapes. What a user's own values can get wrong
// (option names, input names, shapes and values, optimizer settings, states) is checked here,
// with the error naming the value and what was expected.
#include "binding/graph.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "binding/convert.h"
#include "binding/tensor.h"
#include "deepsc/gradient_hook.h"
#include "graph/executor.h"
#include "graph/finite.h"

namespace deepsc::binding {

namespace {

using graph::Executor;
using graph::ValueKind;

double num_of(const Napi::Object& o, const char* key, double dflt, const std::string& where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) fail(ErrorKind::Type, where, std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

/// `v` as a boolean; `dflt` when it is not one (an optional flag of a typed call).
bool flag(const Napi::Value& v, bool dflt) { return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt; }

/// `v`, the string option `key`, as one of `allowed` (`dflt` when undefined; required when
/// `dflt` is null): a TypeError for a non-string, a RangeError naming the value and the allowed ones.
std::string choice(const Napi::Value& v, const char* key, const char* dflt, std::initializer_list<const char*> allowed,
                   const char* where) {
  if (v.IsUndefined() && dflt) return dflt;
  std::string list;
  size_t i = 0;
  for (const char* a : allowed) {
    list += std::string(i == 0 ? "'" : i + 1 == allowed.size() ? " or '" : ", '") + a + "'";
    ++i;
  }
  if (!v.IsUndefined() && !v.IsString()) fail(ErrorKind::Type, where, std::string(key) + " must be a string (" + list + ")");
  const std::string got = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  for (const char* a : allowed)
    if (got == a) return got;
  fail(ErrorKind::Range, where, std::string(key) + " is '" + got + "', expected " + list);
}

std::string choice(const Napi::Object& o, const char* key, const char* dflt, std::initializer_list<const char*> allowed,
                   const char* where) {
  return choice(o.Get(key), key, dflt, allowed, where);
}

std::vector<std::string> strings_of(const Napi::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

/// A value id of the builder's numbering (the graph refuses ids that do not exist).
int value_id(const Napi::Value& v) { return v.As<Napi::Number>().Int32Value(); }

/// `v` as a tensor of exactly `want`'s shape, or a TypeError naming `label` and both shapes.
TensorView shaped(const Napi::Value& v, const char* what, const std::string& label, const Shape& want) {
  bool present = false;
  TensorView t = to_view(v, what, label, &present);
  if (!present || t.shape != want)
    fail(ErrorKind::Type, what, label + " must have shape " + want.str() + (present ? ", got " + t.shape.str() : ""));
  return t;
}

/// The names of the graph's values of the kinds `keep` accepts, comma-separated (at most `max`).
template <class Keep>
std::string names_of(const graph::Graph& g, Keep&& keep, int max = 1 << 30) {
  std::string list;
  int n = 0;
  for (const auto& val : g.values())
    if (keep(val.kind) && n++ < max) list += (list.empty() ? "" : ", ") + val.name;
  return list;
}

/// A new native tensor of `shape` whose data `fill(host_dst)` writes: the executor's host
/// copies (a memcpy on the CPU, a device-to-host copy on CUDA), never its raw pointers.
template <class F>
Napi::Object tensor_from(Napi::Env env, const Shape& shape, F&& fill) {
  Napi::Float32Array f = alloc_native_f32(env, shape.size());
  if (shape.size() > 0) fill(f.Data());
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", f);
  o.Set("shape", from_shape(env, shape));
  return o;
}

/// A host copy of value `id` (an output or a leaf) as a new native tensor.
Napi::Object value_out(Napi::Env env, const Executor& ex, int id) {
  return tensor_from(env, ex.graph().values()[static_cast<size_t>(id)].shape, [&](float* d) { ex.read_value(id, d); });
}

Napi::Value error_value(Napi::Env env, ErrorKind kind, const std::string& msg) {
  switch (kind) {
    case ErrorKind::Type: return Napi::TypeError::New(env, msg).Value();
    case ErrorKind::Range: return Napi::RangeError::New(env, msg).Value();
    default: return Napi::Error::New(env, msg).Value();
  }
}

graph::OptimizerConfig parse_optimizer(const Napi::Value& v, const Executor& ex) {
  if (!v.IsObject()) fail(ErrorKind::Type, "optimizer", "config must be an object");
  Napi::Object o = v.As<Napi::Object>();
  graph::OptimizerConfig cfg;
  const std::string kind = choice(o, "kind", nullptr, {"sgd", "adam", "adamw"}, "optimizer");
  cfg.kind = kind == "sgd" ? graph::OptimizerKind::sgd : kind == "adam" ? graph::OptimizerKind::adam : graph::OptimizerKind::adamw;
  cfg.clip_grad_norm = num_of(o, "clipGradNorm", 0, "optimizer");
  if (!o.Get("groups").IsArray()) fail(ErrorKind::Type, "optimizer", "groups must be an array");
  Napi::Array groups = o.Get("groups").As<Napi::Array>();
  const auto& g = ex.graph();
  for (uint32_t i = 0; i < groups.Length(); ++i) {
    const std::string where = "optimizer group " + std::to_string(i);
    if (!groups.Get(i).IsObject()) fail(ErrorKind::Type, "optimizer", where + " must be an object");
    Napi::Object go = groups.Get(i).As<Napi::Object>();
    graph::ParamGroup pg;
    for (const auto& name : strings_of(go.Get("params"))) {
      const int id = g.find_leaf(name);
      if (id < 0 || g.values()[static_cast<size_t>(id)].kind != ValueKind::parameter)
        fail(ErrorKind::Type, "optimizer", where + " names '" + name + "', which is not a parameter of the graph");
      pg.params.push_back(id);
    }
    pg.lr = num_of(go, "lr", 1e-3, where);
    pg.weight_decay = num_of(go, "weightDecay", cfg.kind == graph::OptimizerKind::adamw ? 1e-2 : 0.0, where);
    pg.momentum = num_of(go, "momentum", 0, where);
    pg.dampening = num_of(go, "dampening", 0, where);
    pg.nesterov = flag(go.Get("nesterov"), false);
    Napi::Value betas = go.Get("betas");
    if (betas.IsArray()) {
      Napi::Array b = betas.As<Napi::Array>();
      if (b.Length() != 2 || !b.Get(0u).IsNumber() || !b.Get(1u).IsNumber())
        fail(ErrorKind::Type, "optimizer", where + ".betas must be two numbers");
      pg.beta1 = b.Get(0u).As<Napi::Number>().DoubleValue();
      pg.beta2 = b.Get(1u).As<Napi::Number>().DoubleValue();
    }
    pg.eps = num_of(go, "eps", 1e-8, where);
    cfg.groups.push_back(std::move(pg));
  }
  return cfg;
}

class NativeModel;

/// Runs a job on the libuv pool and settles a promise; clears the busy flag when done.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, Napi::Object self, std::shared_ptr<graph::SharedState> shared, std::function<void()> job,
            std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, "deepsc:run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        self_(Napi::Persistent(self)),
        shared_(std::move(shared)),
        job_(std::move(job)),
        done_(std::move(done)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      job_();
    } catch (const Error& e) {
      kind_ = e.kind();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      kind_ = ErrorKind::Range;
      SetError("deepsc: out of memory");
    } catch (const std::exception& e) {
      kind_ = ErrorKind::Runtime;
      SetError(std::string("deepsc: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      Napi::Value v = done_(env);
      shared_->busy.store(false);
      deferred_.Resolve(v);
    } catch (const Napi::Error& e) {
      shared_->busy.store(false);
      deferred_.Reject(e.Value());
    } catch (const Error& e) {
      shared_->busy.store(false);
      deferred_.Reject(error_value(env, e.kind(), e.what()));
    } catch (const std::exception& e) {
      shared_->busy.store(false);
      deferred_.Reject(error_value(env, ErrorKind::Runtime, std::string("deepsc: ") + e.what()));
    }
  }

  void OnError(const Napi::Error& e) override {
    shared_->busy.store(false);
    deferred_.Reject(error_value(Env(), kind_, e.Message()));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;  // keeps the model alive while the job runs
  std::shared_ptr<graph::SharedState> shared_;
  std::function<void()> job_;
  std::function<Napi::Value(Napi::Env)> done_;
  ErrorKind kind_ = ErrorKind::Runtime;
};

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {
                           InstanceMethod("info", &NativeModel::info),
                           InstanceMethod("leaves", &NativeModel::leaves),
                           InstanceMethod("forward", &NativeModel::forward),
                           InstanceMethod("backward", &NativeModel::backward),
                           InstanceMethod("step", &NativeModel::step),
                           InstanceMethod("trainStep", &NativeModel::train_step),
                           InstanceMethod("gradient", &NativeModel::gradient),
                           InstanceMethod("zeroGradients", &NativeModel::zero_gradients),
                           InstanceMethod("read", &NativeModel::read),
                           InstanceMethod("nonFiniteLeaves", &NativeModel::non_finite_leaves),
                           InstanceMethod("write", &NativeModel::write),
                           InstanceMethod("setOptimizer", &NativeModel::set_optimizer),
                           InstanceMethod("setLearningRate", &NativeModel::set_learning_rate),
                           InstanceMethod("learningRates", &NativeModel::learning_rates),
                           InstanceMethod("optimizerState", &NativeModel::optimizer_state),
                           InstanceMethod("setOptimizerState", &NativeModel::set_optimizer_state),
                           InstanceMethod("setGradientHook", &NativeModel::set_gradient_hook),
                           InstanceMethod("dispose", &NativeModel::dispose),
                           InstanceAccessor("busy", &NativeModel::busy, nullptr),
                           InstanceAccessor("microBatches", &NativeModel::micro_batches, nullptr),
                           InstanceAccessor("disposed", &NativeModel::disposed, nullptr),
                       });
  }

  explicit NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
    Napi::Env env = info.Env();
    guarded(env, [&]() -> Napi::Value {
      compile(info);
      return env.Undefined();
    });
  }

 private:
  // Declared before ex_, so it is released after it: the executor settles a reduction in flight
  // through the hook when it goes.
  Napi::Reference<Napi::External<deepsc_gradient_hook>> hook_ref_;
  std::shared_ptr<Executor> ex_;

  Executor& live(const char* what) {
    if (!ex_) fail(ErrorKind::Runtime, what, "the model was disposed");
    return *ex_;
  }

  /// Takes the busy flag or throws; released by the worker (or by `Release` for sync calls).
  void acquire(Executor& ex, const char* what) {
    bool expected = false;
    if (!ex.shared()->busy.compare_exchange_strong(expected, true))
      fail(ErrorKind::Runtime, what,
           "the model is busy: a forward, backward or step on it (or on a model sharing its parameters) is still "
           "running; await it before starting another");
  }

  void check_idle(Executor& ex, const char* what) {
    if (ex.shared()->busy.load())
      fail(ErrorKind::Runtime, what, "the model is busy running; await the pending call first");
  }

  /// The live executor, not running: what synchronous calls need.
  Executor& idle(const char* what) {
    Executor& ex = live(what);
    check_idle(ex, what);
    return ex;
  }

  void compile(const Napi::CallbackInfo& info) {
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsObject())
      fail(ErrorKind::Type, "compile", "expected (graph, options[, shareWith])");
    Napi::Object desc = info[0].As<Napi::Object>();
    Napi::Object opts = info[1].As<Napi::Object>();
    graph::Graph g;
    std::map<std::string, const float*> init;
    std::vector<Napi::Reference<Napi::Value>> keep;  // init data stays reachable during compile
    Napi::Array items = desc.Get("items").As<Napi::Array>();
    for (uint32_t i = 0; i < items.Length(); ++i) {
      Napi::Object it = items.Get(i).As<Napi::Object>();
      const std::string kind =
          choice(it, "kind", nullptr, {"input", "parameter", "constant", "state", "node"}, "compile");
      const std::string name = it.Get("name").IsString() ? it.Get("name").As<Napi::String>().Utf8Value() : "";
      if (kind == "node") {
        const std::string op = it.Get("op").As<Napi::String>().Utf8Value();
        OpInstance inst;
        try {
          inst = make_op(op, to_attrs(it.Get("attrs"), op));
        } catch (const Error& e) {
          throw Error(e.kind(), "node '" + name + "': " + e.what());
        }
        Napi::Array in = it.Get("inputs").As<Napi::Array>();
        std::vector<int> ids;
        for (uint32_t k = 0; k < in.Length(); ++k) ids.push_back(in.Get(k).IsNumber() ? value_id(in.Get(k)) : -1);
        auto outs = g.add_node(std::move(inst), name, ids);
        // The builder numbers values as the graph does; a mismatch is a bug between the two.
        if (Napi::Value expect = it.Get("outputs"); expect.IsArray()) {
          Napi::Array e = expect.As<Napi::Array>();
          bool same = e.Length() == outs.size();
          for (uint32_t k = 0; same && k < e.Length(); ++k) same = value_id(e.Get(k)) == outs[k];
          if (!same)
            fail(ErrorKind::Type, "compile",
                 "graph.items[" + std::to_string(i) + "]: output value ids do not match the graph's numbering");
        }
        continue;
      }
      const ValueKind vk = kind == "input"       ? ValueKind::input
                           : kind == "parameter" ? ValueKind::parameter
                           : kind == "constant"  ? ValueKind::constant
                                                 : ValueKind::state;
      const Shape shape = to_shape(it.Get("shape"), "compile", kind + " '" + name + "'");
      g.add_leaf(name, vk, shape, vk == ValueKind::parameter && flag(it.Get("trainable"), true));
      Napi::Value data = it.Get("data");
      if (vk == ValueKind::input || data.IsUndefined() || data.IsNull()) continue;
      if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        fail(ErrorKind::Type, "compile", kind + " '" + name + "' data must be a Float32Array");
      Napi::Float32Array f = data.As<Napi::Float32Array>();
      if (static_cast<int64_t>(f.ElementLength()) != shape.size())
        fail(ErrorKind::Type, "compile",
             kind + " '" + name + "' has " + std::to_string(f.ElementLength()) + " values but shape " + shape.str() +
                 " needs " + std::to_string(shape.size()));
      init[name] = f.Data();
      keep.push_back(Napi::Persistent(data));
    }
    if (desc.Get("outputs").IsArray()) {
      Napi::Array outs = desc.Get("outputs").As<Napi::Array>();
      for (uint32_t i = 0; i < outs.Length(); ++i) {
        Napi::Object o = outs.Get(i).As<Napi::Object>();
        g.add_output(o.Get("name").As<Napi::String>().Utf8Value(), value_id(o.Get("value")));
      }
    }
    if (desc.Get("loss").IsNumber()) g.set_loss(value_id(desc.Get("loss")));

    graph::CompileOptions co;
    co.backend = choice(opts, "device", "cpu", {"cpu", "cuda"}, "compile") == "cuda" ? Backend::cuda : Backend::cpu;
    co.backward = choice(opts, "mode", "infer", {"train", "infer"}, "compile") == "train";
    co.input_grads = strings_of(opts.Get("inputGradients"));
    co.seed_outputs = strings_of(opts.Get("seedOutputs"));
    co.recompute = strings_of(opts.Get("recompute"));
    co.reuse = choice(opts, "reuse", "greedy", {"greedy", "none"}, "compile") == "none" ? graph::Reuse::none
                                                                                      : graph::Reuse::greedy_by_size;
    const std::string order = choice(opts, "backwardOrder", "auto", {"auto", "reverse-creation", "memory"}, "compile");
    if (order == "reverse-creation") co.backward_order = graph::BackwardOrder::reverse_creation;
    if (order == "memory") co.backward_order = graph::BackwardOrder::memory;
    if (const Napi::Value rc = opts.Get("recomputeCheap"); rc.IsBoolean()) {
      co.recompute_cheap = rc.As<Napi::Boolean>().Value();
    } else if (!rc.IsUndefined()) {
      if (!rc.IsString()) fail(ErrorKind::Type, "compile", "recomputeCheap must be true, false or 'auto'");
      if (const std::string s = rc.As<Napi::String>().Utf8Value(); s != "auto")
        fail(ErrorKind::Range, "compile", "recomputeCheap is '" + s + "', expected true, false or 'auto'");
    }
    for (const char* key : {"inPlace", "declaredReads"}) {
      const Napi::Value f = opts.Get(key);
      if (!f.IsUndefined() && !f.IsBoolean()) fail(ErrorKind::Type, "compile", std::string(key) + " must be a boolean");
    }
    co.in_place = flag(opts.Get("inPlace"), co.in_place);
    co.declared_reads = flag(opts.Get("declaredReads"), co.declared_reads);
    parse_precision(choice(opts, "precision", "fp32", {"fp32", "tf32", "bf16"}, "compile"), co.precision);

    const Executor* share = nullptr;
    if (info.Length() > 2 && info[2].IsObject())
      share = &Napi::ObjectWrap<NativeModel>::Unwrap(info[2].As<Napi::Object>())->live("compile");
    ex_ = std::make_shared<Executor>(std::move(g), co, init, share);
    if (opts.Get("optimizer").IsObject()) ex_->set_optimizer(parse_optimizer(opts.Get("optimizer"), *ex_));
  }

  Napi::Value info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("info");
      Napi::Object o = Napi::Object::New(env);
      o.Set("arenaBytes", static_cast<double>(ex.plan().floats * 4));
      o.Set("arenaBytesWithoutReuse", static_cast<double>(ex.plan().floats_without_reuse * 4));
      o.Set("persistentBytes", static_cast<double>(ex.persistent_bytes()));
      o.Set("steps", static_cast<double>(ex.program().steps.size()));
      o.Set("forwardSteps", static_cast<double>(ex.program().forward_steps));
      o.Set("mode", ex.has_backward() ? "train" : "infer");
      Napi::Array dead = Napi::Array::New(env);
      for (int v : ex.program().dead_parameters)
        dead.Set(dead.Length(), ex.graph().values()[static_cast<size_t>(v)].name);
      o.Set("parametersWithoutGradient", dead);
      o.Set("memory", memory_info(env, ex));
      return o;
    });
  }

  /// The plan's peak and what holds it, what in-place and recomputation saved.
  static Napi::Object memory_info(Napi::Env env, const Executor& ex) {
    const graph::Program& p = ex.program();
    const graph::ArenaPlan& plan = ex.plan();
    const auto& nodes = ex.graph().nodes();
    Napi::Object m = Napi::Object::New(env);
    m.Set("arenaBytes", static_cast<double>(plan.floats * 4));
    m.Set("peakLiveBytes", static_cast<double>(plan.peak_live_floats * 4));
    std::string at;
    if (plan.peak_step >= 0 && static_cast<size_t>(plan.peak_step) < p.steps.size()) {
      const graph::Step& st = p.steps[static_cast<size_t>(plan.peak_step)];
      const char* kind = st.kind == graph::StepKind::forward   ? (st.recompute ? "recompute" : "forward")
                         : st.kind == graph::StepKind::backward ? "backward"
                         : st.kind == graph::StepKind::seed     ? "seed"
                                                                : "accumulate";
      at = st.node >= 0 ? std::string(kind) + " of node '" + nodes[static_cast<size_t>(st.node)].name + "'" : kind;
    }
    m.Set("peakStep", at);
    Napi::Array largest = Napi::Array::New(env);
    if (plan.peak_step >= 0)
      for (int b : graph::live_at(p, plan.peak_step)) {
        if (largest.Length() >= 10) break;
        Napi::Object e = Napi::Object::New(env);
        e.Set("what", p.buffers[static_cast<size_t>(b)].what);
        e.Set("bytes", static_cast<double>(p.buffers[static_cast<size_t>(b)].floats * 4));
        largest.Set(largest.Length(), e);
      }
    m.Set("largestAtPeak", largest);
    int64_t in_place = 0;
    Napi::Array ip = Napi::Array::New(env);
    for (const auto& x : p.in_place) {
      in_place += x.floats * 4;
      ip.Set(ip.Length(), nodes[static_cast<size_t>(x.node)].name);
    }
    m.Set("inPlaceNodes", ip);
    m.Set("inPlaceBytes", static_cast<double>(in_place));
    int64_t grad_in_place = 0;
    Napi::Array gip = Napi::Array::New(env);
    for (const auto& x : p.grad_in_place) {
      grad_in_place += x.floats * 4;
      gip.Set(gip.Length(), nodes[static_cast<size_t>(x.node)].name + ":" + std::to_string(x.input));
    }
    m.Set("inPlaceGradients", gip);
    m.Set("inPlaceGradientBytes", static_cast<double>(grad_in_place));
    Napi::Array rc = Napi::Array::New(env);
    for (int n : p.recomputed_nodes) rc.Set(rc.Length(), nodes[static_cast<size_t>(n)].name);
    m.Set("recomputedNodes", rc);
    m.Set("recomputeSavedBytes", static_cast<double>((ex.floats_without_recompute() - plan.floats) * 4));
    m.Set("backwardOrder", p.backward_order == graph::BackwardOrder::memory ? "memory" : "reverse-creation");
    m.Set("recomputeCheap", p.recompute_cheap);
    m.Set("referenceArenaBytes", static_cast<double>(ex.floats_of_reference_choice() * 4));
    return m;
  }

  Napi::Value leaves(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("leaves");
      Napi::Array a = Napi::Array::New(env);
      for (const auto& v : ex.graph().values()) {
        if (v.kind == ValueKind::node) continue;
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", v.name);
        o.Set("kind", graph::kind_name(v.kind));
        o.Set("shape", from_shape(env, v.shape));
        o.Set("trainable", v.trainable);
        a.Set(a.Length(), o);
      }
      return a;
    });
  }

  /// Validates every input by name and copies it into the arena.
  void load_inputs(Executor& ex, const Napi::Value& v, bool check_finite) {
    if (!v.IsObject()) fail(ErrorKind::Type, "forward", "inputs must be an object of { name: tensor }");
    Napi::Object o = v.As<Napi::Object>();
    const auto& values = ex.graph().values();
    std::vector<std::pair<int, TensorView>> views;
    Napi::Array keys = o.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
      const std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      const int id = ex.graph().find_leaf(k);
      if (id < 0 || values[static_cast<size_t>(id)].kind != ValueKind::input)
        fail(ErrorKind::Type, "forward",
             "'" + k + "' is not an input of the graph (inputs: " +
                 names_of(ex.graph(), [](ValueKind kind) { return kind == ValueKind::input; }) + ")");
    }
    for (size_t id = 0; id < values.size(); ++id) {
      const auto& val = values[id];
      if (val.kind != ValueKind::input) continue;
      if (!o.Has(val.name) || o.Get(val.name).IsUndefined())
        fail(ErrorKind::Type, "forward", "input '" + val.name + "' " + val.shape.str() + " is missing");
      bool present = false;
      TensorView t = to_view(o.Get(val.name), "forward", "input '" + val.name + "'", &present);
      if (!present) fail(ErrorKind::Type, "forward", "input '" + val.name + "' is missing");
      if (t.shape != val.shape)
        fail(ErrorKind::Type, "forward", "input '" + val.name + "' has shape " + t.shape.str() + ", the graph expects " + val.shape.str());
      if (check_finite)
        for (int64_t j = 0; j < t.numel(); ++j)
          if (!std::isfinite(t.data[j]))
            fail(ErrorKind::Range, "forward",
                 "input '" + val.name + "' holds a non-finite value (" + std::to_string(t.data[j]) + ") at flat index " +
                     std::to_string(j));
      views.emplace_back(static_cast<int>(id), t);
    }
    for (const auto& [id, t] : views) ex.write_value(id, t.data);
  }

  /// The outputs a call asks for (`names`, default every output of the graph) and their ids.
  struct Requested {
    std::vector<int> ids;
    std::vector<std::string> names;
  };
  Requested requested_outputs(Executor& ex, const Napi::Value& v) {
    const auto& g = ex.graph();
    Requested r;
    if (!v.IsArray()) {
      for (const auto& [n, id] : g.outputs()) r.ids.push_back(id), r.names.push_back(n);
      return r;
    }
    for (const auto& name : strings_of(v)) {
      const int id = g.find_output(name);
      if (id < 0) {
        std::string list;
        for (const auto& [n, _] : g.outputs()) list += (list.empty() ? "" : ", ") + n;
        fail(ErrorKind::Type, "forward", "'" + name + "' is not an output of the graph (outputs: " + list + ")");
      }
      r.ids.push_back(id);
      r.names.push_back(name);
    }
    return r;
  }

  /// The requested outputs of a run as a new { name: tensor } object.
  static Napi::Object outputs_js(Napi::Env env, const Executor& ex, const Requested& r) {
    Napi::Object o = Napi::Object::New(env);
    for (size_t i = 0; i < r.ids.size(); ++i) o.Set(r.names[i], value_out(env, ex, r.ids[i]));
    return o;
  }

  /// Queues `job`; on success resolves with `done()`. The busy flag must be held.
  Napi::Value queue(const Napi::CallbackInfo& info, std::shared_ptr<Executor> ex, std::function<void()> job,
                    std::function<Napi::Value(Napi::Env)> done) {
    auto* w = new RunWorker(info.Env(), info.This().As<Napi::Object>(), ex->shared(), std::move(job), std::move(done));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }

  /// Runs `prepare` holding the busy flag; releases it if `prepare` throws.
  template <class F>
  void prepare_busy(Executor& ex, const char* what, F&& prepare) {
    acquire(ex, what);
    try {
      prepare();
    } catch (...) {
      ex.shared()->busy.store(false);
      throw;
    }
  }

  Napi::Value forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("forward");
      auto exp = ex_;
      Requested want;
      prepare_busy(ex, "forward", [&] {
        want = requested_outputs(ex, info[1]);
        load_inputs(ex, info[0], flag(info[2], false));
      });
      return queue(info, exp, [exp] { exp->forward(); },
                   [exp, want](Napi::Env e) -> Napi::Value { return outputs_js(e, *exp, want); });
    });
  }

  std::vector<std::vector<float>> read_seeds(Executor& ex, const Napi::Value& v) {
    const auto& seeds = ex.program().seed_values;
    const auto& g = ex.graph();
    std::vector<std::vector<float>> out;
    Napi::Object o = v.IsObject() ? v.As<Napi::Object>() : Napi::Object();
    for (int id : seeds) {
      std::string name;
      for (const auto& [n, vid] : g.outputs())
        if (vid == id) name = n;
      if (name.empty()) name = g.values()[static_cast<size_t>(id)].name;
      if (!v.IsObject() || !o.Has(name))
        fail(ErrorKind::Type, "backward", "missing the seed gradient for '" + name + "' (declared in seedOutputs)");
      const TensorView t = shaped(o.Get(name), "backward", "seed '" + name + "'", g.values()[static_cast<size_t>(id)].shape);
      out.emplace_back(t.data, t.data + t.numel());
    }
    return out;
  }

  Napi::Value backward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("backward");
      auto exp = ex_;
      auto seeds = std::make_shared<std::vector<std::vector<float>>>();
      graph::BackwardMode mode;
      mode.accumulate = flag(info[1], false);
      mode.sync_gradients = flag(info[2], true);
      prepare_busy(ex, "backward", [&] {
        ex.check_can_backward();
        if (mode.accumulate) ex.check_can_accumulate();
        *seeds = read_seeds(ex, info[0]);
      });
      return queue(
          info, exp,
          [exp, seeds, mode] { exp->backward(*seeds, mode); },
          [](Napi::Env e) -> Napi::Value { return e.Undefined(); });
    });
  }

  static Napi::Object report_js(Napi::Env env, const graph::StepReport& r) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("gradNorm", r.grad_norm);
    o.Set("clipScale", r.clip_scale);
    o.Set("updated", r.updated);
    o.Set("microBatches", r.micro_batches);
    return o;
  }

  Napi::Value step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("step");
      auto exp = ex_;
      auto report = std::make_shared<graph::StepReport>();
      prepare_busy(ex, "step", [&] { ex.check_can_step(); });
      return queue(info, exp, [exp, report] { *report = exp->step(); },
                   [report](Napi::Env e) -> Napi::Value { return report_js(e, *report); });
    });
  }

  Napi::Value train_step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("trainStep");
      auto exp = ex_;
      Requested want;
      auto report = std::make_shared<graph::StepReport>();
      prepare_busy(ex, "trainStep", [&] {
        if (!ex.has_backward()) fail(ErrorKind::Runtime, "trainStep", "this model was compiled with mode 'infer'");
        if (!ex.optimizer()) fail(ErrorKind::Runtime, "trainStep", "no optimizer: pass one to compile() or call setOptimizer()");
        if (!ex.program().seed_values.empty())
          fail(ErrorKind::Runtime, "trainStep", "the model has seeded outputs: call forward(), backward(seeds), step()");
        if (ex.micro_batches() > 0)
          fail(ErrorKind::Runtime, "trainStep",
               std::to_string(ex.micro_batches()) +
                   " micro-batch(es) are accumulated: finish with forward(), backward with accumulation, step() (or "
                   "call zeroGradients())");
        want = requested_outputs(ex, info[1]);
        load_inputs(ex, info[0], flag(info[2], false));
      });
      return queue(
          info, exp,
          [exp, report] {
            exp->forward();
            exp->backward({});
            *report = exp->step();
          },
          [exp, want, report](Napi::Env e) -> Napi::Value {
            Napi::Object r = Napi::Object::New(e);
            r.Set("outputs", outputs_js(e, *exp, want));
            r.Set("report", report_js(e, *report));
            return r;
          });
    });
  }

  int named_leaf(Executor& ex, const Napi::Value& v, const char* what) {
    if (!v.IsString()) fail(ErrorKind::Type, what, "expected a name");
    const std::string name = v.As<Napi::String>().Utf8Value();
    const int id = ex.graph().find_leaf(name);
    if (id < 0 || ex.graph().values()[static_cast<size_t>(id)].kind == ValueKind::input)
      fail(ErrorKind::Type, what,
           "'" + name + "' is not a parameter, constant or state of the graph (some: " +
               names_of(ex.graph(), [](ValueKind k) { return k != ValueKind::node && k != ValueKind::input; }, 12) + ")");
    return id;
  }

  Napi::Value gradient(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("gradient");
      if (!info[0].IsString()) fail(ErrorKind::Type, "gradient", "expected a name");
      const std::string name = info[0].As<Napi::String>().Utf8Value();
      const int id = ex.graph().find_leaf(name);
      if (id < 0) fail(ErrorKind::Type, "gradient", "'" + name + "' is not a parameter or input of the graph");
      if (choice(info[1], "which", "current", {"current", "accumulated"}, "gradient") == "accumulated") {
        if (ex.micro_batches() == 0)
          fail(ErrorKind::Runtime, "gradient",
               "nothing is accumulated: run backward with accumulation first (a step or zeroGradients() clears it)");
        bool has = true;
        Napi::Object o = tensor_from(env, ex.graph().values()[static_cast<size_t>(id)].shape,
                                     [&](float* d) { has = ex.accumulated_gradient(id, d); });
        if (!has)
          fail(ErrorKind::Type, "gradient",
               "'" + name + "' has no accumulated gradient (only trainable parameters the loss reaches are accumulated)");
        return o;
      }
      ex.check_gradients_ready();
      const TensorView g = ex.grad_view(id);
      if (!g.present())
        fail(ErrorKind::Type, "gradient",
             "'" + name + "' has no gradient (not trainable, not in inputGradients, or the loss does not depend on it)");
      return tensor_from(env, g.shape, [&](float* d) { ex.read_gradient(id, d); });
    });
  }

  Napi::Value zero_gradients(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("zeroGradients");
      ex.zero_gradients();
      return env.Undefined();
    });
  }

  Napi::Value read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("read");
      const int id = named_leaf(ex, info[0], "read");
      return value_out(env, ex, id);
    });
  }

  /// Names of the parameters and states holding NaN or an infinity (graph/finite.h).
  Napi::Value non_finite_leaves(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("nonFiniteLeaves");
      const std::vector<int> bad = graph::non_finite_leaves(ex);
      Napi::Array out = Napi::Array::New(env, bad.size());
      for (size_t i = 0; i < bad.size(); ++i)
        out.Set(static_cast<uint32_t>(i), ex.graph().values()[static_cast<size_t>(bad[i])].name);
      return out;
    });
  }

  Napi::Value write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("write");
      const int id = named_leaf(ex, info[0], "write");
      const auto& val = ex.graph().values()[static_cast<size_t>(id)];
      ex.write_value(id, shaped(info[1], "write", "'" + val.name + "'", val.shape).data);
      ex.parameters_changed();
      return env.Undefined();
    });
  }

  Napi::Value set_optimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("setOptimizer");
      ex.set_optimizer(parse_optimizer(info[0], ex));
      return env.Undefined();
    });
  }

  Napi::Value set_learning_rate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("setLearningRate");
      if (!ex.optimizer()) fail(ErrorKind::Runtime, "setLearningRate", "no optimizer is set");
      if (!info[0].IsNumber() || !info[1].IsNumber()) fail(ErrorKind::Type, "setLearningRate", "expected (group, lr)");
      const double gi = info[0].As<Napi::Number>().DoubleValue();
      if (gi < 0 || gi != std::floor(gi)) fail(ErrorKind::Range, "setLearningRate", "group must be a non-negative integer");
      ex.optimizer()->set_lr(static_cast<size_t>(gi), info[1].As<Napi::Number>().DoubleValue());
      return env.Undefined();
    });
  }

  Napi::Value learning_rates(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = live("learningRates");
      if (!ex.optimizer()) fail(ErrorKind::Runtime, "learningRates", "no optimizer is set");
      Napi::Array a = Napi::Array::New(env);
      for (const auto& g : ex.optimizer()->config().groups) a.Set(a.Length(), g.lr);
      return a;
    });
  }

  Napi::Value optimizer_state(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("optimizerState");
      ex.check_step_boundary("optimizerState");
      graph::Optimizer* opt = ex.optimizer();
      if (!opt) fail(ErrorKind::Runtime, "optimizerState", "no optimizer is set");
      Napi::Object o = Napi::Object::New(env);
      o.Set("kind", graph::optimizer_name(opt->config().kind));
      Napi::Array lrs = Napi::Array::New(env);
      for (const auto& g : opt->config().groups) lrs.Set(lrs.Length(), g.lr);
      o.Set("lr", lrs);
      Napi::Object params = Napi::Object::New(env);
      const auto names = opt->buffer_names();
      for (auto& [id, st] : opt->states()) {
        Napi::Object p = Napi::Object::New(env);
        p.Set("step", static_cast<double>(st.step));
        Napi::Object bufs = Napi::Object::New(env);
        const Shape& shape = ex.graph().values()[static_cast<size_t>(id)].shape;
        for (size_t k = 0; k < names.size() && k < 2; ++k)
          if ((k == 0 ? st.buf1 : st.buf2).data())
            bufs.Set(names[k], tensor_from(env, shape, [&, k](float* d) { opt->read_buffer(id, static_cast<int>(k), d); }));
        p.Set("buffers", bufs);
        params.Set(ex.graph().values()[static_cast<size_t>(id)].name, p);
      }
      o.Set("params", params);
      return o;
    });
  }

  Napi::Value set_optimizer_state(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("setOptimizerState");
      ex.check_step_boundary("setOptimizerState");
      graph::Optimizer* opt = ex.optimizer();
      if (!opt) fail(ErrorKind::Runtime, "setOptimizerState", "no optimizer is set: set the same optimizer first");
      if (!info[0].IsObject()) fail(ErrorKind::Type, "setOptimizerState", "expected a state object");
      Napi::Object o = info[0].As<Napi::Object>();
      const std::string kind = o.Get("kind").IsString() ? o.Get("kind").As<Napi::String>().Utf8Value() : "";
      if (kind != graph::optimizer_name(opt->config().kind))
        fail(ErrorKind::Type, "setOptimizerState",
             "the state is for '" + kind + "' but the model's optimizer is '" + graph::optimizer_name(opt->config().kind) + "'");
      if (!o.Get("params").IsObject()) fail(ErrorKind::Type, "setOptimizerState", "state.params must be an object");
      Napi::Object params = o.Get("params").As<Napi::Object>();
      const auto names = opt->buffer_names();
      // Validate everything before changing anything.
      struct Pending {
        int id;
        graph::ParamState* st;
        int64_t step;
        std::vector<TensorView> bufs;
      };
      std::vector<Pending> pending;
      for (auto& [id, st] : opt->states()) {
        const auto& val = ex.graph().values()[static_cast<size_t>(id)];
        if (!params.Has(val.name) || !params.Get(val.name).IsObject())
          fail(ErrorKind::Type, "setOptimizerState", "no state for parameter '" + val.name + "'");
        Napi::Object p = params.Get(val.name).As<Napi::Object>();
        const double step = num_of(p, "step", -1, "setOptimizerState");
        if (step < 0 || step != std::floor(step))
          fail(ErrorKind::Range, "setOptimizerState", "'" + val.name + "'.step must be a non-negative integer");
        Pending pd{id, &st, static_cast<int64_t>(step), {}};
        Napi::Object bufs = p.Get("buffers").IsObject() ? p.Get("buffers").As<Napi::Object>() : Napi::Object::New(env);
        for (const auto& bn : names)
          pd.bufs.push_back(shaped(bufs.Get(bn), "setOptimizerState", "'" + val.name + "'." + bn, val.shape));
        pending.push_back(std::move(pd));
      }
      Napi::Value lr = o.Get("lr");
      std::vector<double> lrs;
      if (lr.IsArray()) {
        Napi::Array a = lr.As<Napi::Array>();
        if (a.Length() != opt->config().groups.size())
          fail(ErrorKind::Type, "setOptimizerState",
               "state has " + std::to_string(a.Length()) + " learning rates, the optimizer has " +
                   std::to_string(opt->config().groups.size()) + " groups");
        for (uint32_t i = 0; i < a.Length(); ++i) lrs.push_back(a.Get(i).As<Napi::Number>().DoubleValue());
      }
      for (size_t i = 0; i < lrs.size(); ++i) opt->set_lr(i, lrs[i]);
      for (auto& pd : pending) {
        pd.st->step = pd.step;
        const graph::TrackedBuffer* dst[2] = {&pd.st->buf1, &pd.st->buf2};
        for (size_t k = 0; k < pd.bufs.size() && k < 2; ++k)
          if (dst[k]->data()) opt->write_buffer(pd.id, static_cast<int>(k), pd.bufs[k].data);
      }
      return env.Undefined();
    });
  }

  /// Sets the gradient hook of a collective backend (a type-tagged External from
  /// @deepsc/distributed), or removes it (null); keeps the External alive while it is set.
  Napi::Value set_gradient_hook(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      Executor& ex = idle("setGradientHook");
      if (info[0].IsNull() || info[0].IsUndefined()) {
        ex.set_gradient_hook(nullptr);
        hook_ref_.Reset();
        return env.Undefined();
      }
      static const napi_type_tag tag = {DEEPSC_GRADIENT_HOOK_TAG_LOWER, DEEPSC_GRADIENT_HOOK_TAG_UPPER};
      if (!info[0].IsExternal() || !info[0].As<Napi::External<deepsc_gradient_hook>>().CheckTypeTag(&tag))
        fail(ErrorKind::Type, "setGradientHook",
             "expected a gradient hook from @deepsc/distributed (ProcessGroup.attachGradients) or null");
      auto ext = info[0].As<Napi::External<deepsc_gradient_hook>>();
      ex.set_gradient_hook(ext.Data());
      hook_ref_ = Napi::Persistent(ext);
      return env.Undefined();
    });
  }

  Napi::Value dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      if (!ex_) return env.Undefined();
      check_idle(*ex_, "dispose");
      if (ex_->has_gradient_hook()) ex_->set_gradient_hook(nullptr);
      ex_.reset();
      hook_ref_.Reset();
      return env.Undefined();
    });
  }

  Napi::Value busy(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), ex_ && ex_->shared()->busy.load());
  }
  Napi::Value disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !ex_); }
  Napi::Value micro_batches(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), ex_ ? ex_->micro_batches() : 0);
  }
};

}  // namespace

void init_graph(Napi::Env env, Napi::Object exports) { exports.Set("NativeModel", NativeModel::define(env)); }

}  // namespace deepsc::binding
