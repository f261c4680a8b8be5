#pragma once
// GPU-side timing with CUDA events, for the benchmark (host-side declarations only).
#include <functional>

namespace deepsc::cuda {

/// Runs `fn` (which queues kernels on the default stream) and returns the GPU time between an
/// event recorded before and one after it, in milliseconds; waits for the work to finish.
double time_ms(const std::function<void()>& fn);

}  // namespace deepsc::cuda
