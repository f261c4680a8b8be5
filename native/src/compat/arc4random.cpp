// arc4random for the statically linked libstdc++ (DEEPSC_STATIC_CXX_RUNTIME). g++ 12's
// libstdc++.a, built on glibc 2.36, calls arc4random (new in glibc 2.36) in std::random_device,
// which the COW-string instantiations pull in. Defined here (hidden), that reference binds to
// this function instead of glibc's, so the addon's glibc floor stays at 2.34 (what its pthread
// calls need). The engine never constructs a std::random_device; this is its entropy source if
// one ever is: getrandom(2) (glibc 2.25), retried on EINTR, aborting where glibc would.
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" __attribute__((visibility("hidden"))) std::uint32_t arc4random(void) {
  std::uint32_t value;
  for (;;) {
    const ssize_t n = getrandom(&value, sizeof value, 0);
    if (n == static_cast<ssize_t>(sizeof value)) return value;
    if (n < 0 && errno != EINTR) std::abort();
  }
}
