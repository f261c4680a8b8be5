#include "graph/precision.h"

#include <string>

#include "deepsc/error.h"

namespace deepsc::graph {

void require_precision(Precision p, Backend b) {
  if (p == Precision::fp32) return;
  const std::string head = std::string("precision '") + precision_name(p) + "' is not available on device '" +
                           backend_name(b) + "'";
  if (b == Backend::cpu)
    fail(ErrorKind::Range, "compile", head + ": the CPU kernels compute in fp32 only; use precision 'fp32'");
  fail(ErrorKind::Range, "compile",
       head + " in this version: its tensor-core conv3d kernels are built but not yet used by the executor "
              "(they await checks on a GPU); use precision 'fp32'");
}

}  // namespace deepsc::graph
