// glibc malloc thresholds for the Node process that loads the addon.
//
// The eager op calls return their outputs as Float32Arrays whose memory V8 takes from calloc
// and frees only when the garbage collector runs, many at a time. With glibc's dynamic
// thresholds the batch of freed blocks at the heap top is then trimmed (returned to the
// kernel), and the next calls fault the same pages back in and clear them: a 393 KB output
// (1x8x12x32x32) cost ~150 us per call instead of ~35 (measured: relu on that tensor, median
// 190 us before, 40 us after; PyTorch's allocator frees at once and never sees this). Fixed
// thresholds keep up to kTrim bytes of freed heap for reuse and serve blocks up to kMmap
// bytes from the heap (the value glibc's dynamic threshold grows to anyway).
//
// Nothing is changed when the user already tuned malloc through the environment
// (GLIBC_TUNABLES with a malloc setting, MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_), or
// when DEEPSC_KEEP_MALLOC is set.
#include <cstdlib>  // defines __GLIBC__ on glibc
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>

namespace deepsc::binding {

namespace {

constexpr int kMmap = 32 << 20;
constexpr int kTrim = 64 << 20;

bool user_tuned() {
  const char* t = std::getenv("GLIBC_TUNABLES");
  return std::getenv("DEEPSC_KEEP_MALLOC") != nullptr || (t != nullptr && std::strstr(t, "malloc") != nullptr) ||
         std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr || std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr;
}

// Runs once when the addon is loaded, before any op allocates.
[[maybe_unused]] const bool kTuned = [] {
  if (user_tuned()) return false;
  mallopt(M_MMAP_THRESHOLD, kMmap);
  mallopt(M_TRIM_THRESHOLD, kTrim);
  return true;
}();

}  // namespace

}  // namespace deepsc::binding
#endif
