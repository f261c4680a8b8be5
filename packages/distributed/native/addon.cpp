// The addon's JavaScript surface: `NativeProcessGroup`, whose collectives return promises
// settled from the group's collective thread (a thread-safe function per call), and the
// gradient hook handed to @deepsc/core as a type-tagged External.
#include <napi.h>

#include <cstring>
#include <memory>

#include "gradient_reducer.h"
#include "process_group.h"

namespace deepsc::dist {

namespace {

constexpr napi_type_tag kHookTag = {DEEPSC_GRADIENT_HOOK_TAG_LOWER, DEEPSC_GRADIENT_HOOK_TAG_UPPER};

/// What the External carries: the hook struct and the reducer it points into.
struct HookHolder {
  std::shared_ptr<GradientReducer> reducer;
  deepsc_gradient_hook hook;
};

/// A call in flight: its promise, the arrays it works on (kept alive), and how it ended.
struct Pending {
  explicit Pending(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise::Deferred deferred;
  std::vector<Napi::ObjectReference> keep;
  bool failed = false;
  std::string message;
  int rank = -1;
  bool timed_out = false;
};

Napi::Error distributed_error(Napi::Env env, const std::string& message, int rank, bool timed_out) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, "DEEPSC_DISTRIBUTED"));
  if (rank >= 0) e.Set("rank", Napi::Number::New(env, rank));
  e.Set("timedOut", Napi::Boolean::New(env, timed_out));
  return e;
}

int int_of(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("NativeProcessGroup: ") + key + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

std::string string_of(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("NativeProcessGroup: ") + key + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

/// The Float32Arrays of `v` (an array of them): pointers, lengths, and references to keep them alive.
struct Arrays {
  std::vector<float*> data;
  std::vector<size_t> count;
  size_t total = 0;
};

// Runs an in-place collective over the arrays: on the one array directly, or, for several,
// once over their concatenation (gathered into one buffer and scattered back).
template <class Collective>
void in_place_over(const Arrays& a, Collective&& collective) {
  if (a.data.size() == 1) {
    collective(a.data[0], a.total);
    return;
  }
  std::vector<float> flat(a.total);
  size_t at = 0;
  for (size_t i = 0; i < a.data.size(); at += a.count[i], ++i)
    std::memcpy(flat.data() + at, a.data[i], a.count[i] * sizeof(float));
  collective(flat.data(), flat.size());
  at = 0;
  for (size_t i = 0; i < a.data.size(); at += a.count[i], ++i)
    std::memcpy(a.data[i], flat.data() + at, a.count[i] * sizeof(float));
}

Arrays arrays_of(const Napi::Value& v, const char* what, Pending& pending) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an array of Float32Array");
  Napi::Array a = v.As<Napi::Array>();
  Arrays out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(v.Env(), std::string(what) + ": element " + std::to_string(i) + " is not a Float32Array");
    Napi::Float32Array f = e.As<Napi::Float32Array>();
    out.data.push_back(f.Data());
    out.count.push_back(f.ElementLength());
    out.total += f.ElementLength();
    pending.keep.push_back(Napi::Persistent(f.As<Napi::Object>()));
  }
  return out;
}

class NativeProcessGroup : public Napi::ObjectWrap<NativeProcessGroup> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeProcessGroup",
                       {
                           InstanceMethod("connect", &NativeProcessGroup::connect),
                           InstanceMethod("allReduce", &NativeProcessGroup::all_reduce),
                           InstanceMethod("broadcast", &NativeProcessGroup::broadcast),
                           InstanceMethod("barrier", &NativeProcessGroup::barrier),
                           InstanceMethod("gradientHook", &NativeProcessGroup::gradient_hook),
                           InstanceMethod("destroy", &NativeProcessGroup::destroy),
                           InstanceMethod("failure", &NativeProcessGroup::failure),
                       });
  }

  explicit NativeProcessGroup(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeProcessGroup>(info) {
    if (!info[0].IsObject()) throw Napi::TypeError::New(info.Env(), "NativeProcessGroup: expected an options object");
    Napi::Object o = info[0].As<Napi::Object>();
    GroupOptions g;
    g.rank = int_of(o, "rank");
    g.size = int_of(o, "worldSize");
    g.store_path = string_of(o, "storePath");
    if (o.Has("storeHost")) {
      g.store_host = string_of(o, "storeHost");
      g.store_port = int_of(o, "storePort");
    }
    g.job_id = string_of(o, "jobId");
    g.hostname = string_of(o, "hostname");
    g.timeout = Millis(int_of(o, "timeoutMs"));
    group_ = std::make_shared<Group>(std::move(g));
  }

  // Without destroy(), the group closes when its last user (a model's hook, a running
  // collective) lets go of it.
  ~NativeProcessGroup() override = default;

 private:
  std::shared_ptr<Group> group_;
  bool destroyed_ = false;

  void shutdown() {
    if (destroyed_) return;
    destroyed_ = true;
    // Finishes the running collective (bounded by the timeout), cancels the queued ones.
    group_->queue.stop();
    group_->pg.close();
  }

  void check_live(Napi::Env env, const char* what) {
    if (destroyed_) throw distributed_error(env, std::string(what) + ": the process group was destroyed", -1, false);
  }

  /// Runs `work` on the collective thread; the promise settles when it is done.
  Napi::Value run(Napi::Env env, std::unique_ptr<Pending> owned, std::function<void()> work) {
    Pending* pending = owned.release();
    Napi::Promise promise = pending->deferred.Promise();
    auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                              "deepsc:collective", 0, 1);
    group_->queue.post([pending, tsfn, work = std::move(work)](bool cancelled) mutable {
      if (cancelled) {
        pending->failed = true;
        pending->message = "the process group was destroyed before this collective ran";
      } else {
        try {
          work();
        } catch (const CollectiveError& e) {
          pending->failed = true;
          pending->message = e.what();
          pending->rank = e.rank;
          pending->timed_out = e.timed_out;
        } catch (const std::exception& e) {
          pending->failed = true;
          pending->message = e.what();
        }
      }
      tsfn.BlockingCall(pending, [](Napi::Env env, Napi::Function, Pending* p) {
        if (p->failed) p->deferred.Reject(distributed_error(env, p->message, p->rank, p->timed_out).Value());
        else p->deferred.Resolve(env.Undefined());
        delete p;
      });
      tsfn.Release();
    });
    return promise;
  }

  Napi::Value connect(const Napi::CallbackInfo& info) {
    check_live(info.Env(), "connect");
    auto group = group_;
    return run(info.Env(), std::make_unique<Pending>(info.Env()), [group] { group->pg.connect(); });
  }

  Napi::Value all_reduce(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_live(env, "allReduce");
    auto pending = std::make_unique<Pending>(env);
    Arrays a = arrays_of(info[0], "allReduce", *pending);
    const bool mean = info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
    const std::string alg = info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "ring";
    if (alg != "ring" && alg != "halving-doubling")
      throw Napi::RangeError::New(env, "allReduce: algorithm must be 'ring' or 'halving-doubling', not '" + alg + "'");
    const Algorithm algorithm = alg == "ring" ? Algorithm::ring : Algorithm::halving_doubling;
    auto group = group_;
    return run(env, std::move(pending), [group, a, mean, algorithm] {
      in_place_over(a, [&](float* data, size_t n) { group->pg.all_reduce(data, n, mean, algorithm); });
    });
  }

  Napi::Value broadcast(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_live(env, "broadcast");
    auto pending = std::make_unique<Pending>(env);
    Arrays a = arrays_of(info[0], "broadcast", *pending);
    const int root = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
    auto group = group_;
    return run(env, std::move(pending), [group, a, root] {
      in_place_over(a, [&](float* data, size_t n) { group->pg.broadcast(data, n, root); });
    });
  }

  Napi::Value barrier(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_live(env, "barrier");
    const Millis timeout = info[0].IsNumber() ? Millis(info[0].As<Napi::Number>().Int64Value()) : group_->pg.timeout();
    auto group = group_;
    return run(env, std::make_unique<Pending>(env), [group, timeout] { group->pg.barrier(timeout); });
  }

  Napi::Value gradient_hook(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    check_live(env, "attachGradients");
    const double bytes = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 25.0 * 1024 * 1024;
    const double first = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 1024.0 * 1024;
    auto* holder = new HookHolder{
        std::make_shared<GradientReducer>(group_, static_cast<size_t>(bytes), static_cast<size_t>(first)), {}};
    holder->hook = holder->reducer->hook();
    auto ext = Napi::External<deepsc_gradient_hook>::New(env, &holder->hook,
                                                         [holder](Napi::Env, deepsc_gradient_hook*) { delete holder; });
    ext.TypeTag(&kHookTag);
    return ext;
  }

  Napi::Value failure(const Napi::CallbackInfo& info) {
    auto f = group_->pg.failure();
    if (!f) return info.Env().Undefined();
    return distributed_error(info.Env(), f->message, f->rank, f->timed_out).Value();
  }

  Napi::Value destroy(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }
};

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeProcessGroup", NativeProcessGroup::define(env));
  exports.Set("hookAbiVersion", Napi::Number::New(env, DEEPSC_GRADIENT_HOOK_ABI));
  return exports;
}

}  // namespace

}  // namespace deepsc::dist

static Napi::Object module_init(Napi::Env env, Napi::Object exports) { return deepsc::dist::init(env, exports); }

NODE_API_MODULE(deepsc_distributed, module_init)
