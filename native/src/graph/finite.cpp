// See finite.h.
#include "graph/finite.h"

#include <cmath>

#ifdef DEEPSC_HAVE_CUDA
#include "cuda/optim.h"
#endif

namespace deepsc::graph {

std::vector<int> non_finite_leaves(const Executor& ex) {
  std::vector<int> ids;
  const auto& values = ex.graph().values();
  for (size_t v = 0; v < values.size(); ++v) {
    const ValueKind k = values[v].kind;
    if ((k != ValueKind::parameter && k != ValueKind::state) || !ex.leaf(static_cast<int>(v))) continue;
    if (ex.leaf(static_cast<int>(v))->data.floats() > 0) ids.push_back(static_cast<int>(v));
  }
  std::vector<double> sums(ids.size(), 0.0);
  if (ex.backend() == Backend::cuda) {
#ifdef DEEPSC_HAVE_CUDA
    const int count = static_cast<int>(ids.size());
    TrackedBuffer scratch(cuda::sum_of_squares_scratch_floats(count), MemoryCategory::tensors, "finite check",
                          Backend::cuda);
    for (int i = 0; i < count; ++i) {
      const TrackedBuffer& d = ex.leaf(ids[static_cast<size_t>(i)])->data;
      cuda::sum_of_squares(d.data(), d.floats(), scratch.data(), count, i);
    }
    cuda::read_sums_of_squares(scratch.data(), count, sums.data());
#endif
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      const TrackedBuffer& d = ex.leaf(ids[i])->data;
      sums[i] = sum_of_squares(d.data(), d.floats());
    }
  }
  std::vector<int> bad;
  for (size_t i = 0; i < ids.size(); ++i)
    if (!std::isfinite(sums[i])) bad.push_back(ids[i]);
  return bad;
}

}  // namespace deepsc::graph
