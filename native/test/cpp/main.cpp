// Runs every DEEPSC_TEST (or those whose name contains argv[1]) and prints a closing line
// "N passed, N failed".
#include <cstdio>
#include <cstring>

#include "harness.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (auto& [name, fn] : deepsc::test::Registry::get().tests) {
    if (filter && !std::strstr(name.c_str(), filter)) continue;
    try {
      fn();
      ++passed;
      std::printf("ok   %s\n", name.c_str());
    } catch (const deepsc::test::Failure& f) {
      ++failed;
      std::printf("FAIL %s: %s\n", name.c_str(), f.message.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: unexpected exception: %s\n", name.c_str(), e.what());
    }
  }
  std::printf("native kernels: %d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
