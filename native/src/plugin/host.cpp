// What the engine offers plugins (deepsc_host): its version and its thread pool.
#include "deepsc/threadpool.h"
#include "plugin/guard.h"

namespace deepsc::plugin {

namespace {

void host_parallel_for(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  if (!fn) return;
  parallel_for(n, grain, [&](int64_t b, int64_t e) { fn(ctx, b, e); });
}

int32_t host_num_threads() { return ThreadPool::global().size(); }

}  // namespace

const deepsc_host* host() {
  static const deepsc_host h = {DEEPSC_PLUGIN_ABI_VERSION, 0, DEEPSC_VERSION, host_parallel_for, host_num_threads};
  return &h;
}

}  // namespace deepsc::plugin
