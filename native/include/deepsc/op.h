#pragma once
// What every op declares (signature, typed params, shape inference) and the argument packs
// that every backend kernel receives. See docs/adding-an-op.md.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "deepsc/attrs.h"
#include "deepsc/shape.h"
#include "deepsc/tensor.h"

namespace deepsc {

enum class Backend { cpu = 0, cuda = 1 };
enum class Pass { forward = 0, backward = 1 };

/// One input of an op.
struct InputSpec {
  const char* name;
  bool optional = false;        ///< may be absent (data == nullptr), e.g. a bias
  bool differentiable = true;   ///< has a gradient (labels, masks and indices do not)
};

/// An op's inputs and outputs. `variadic`: the last input may repeat (concat), at least once.
struct OpSignature {
  std::vector<InputSpec> inputs;
  int outputs = 1;
  bool variadic = false;
};

/// Scratch memory a kernel may use; sized by the op's workspace_floats() for that pass.
struct Workspace {
  float* data = nullptr;
  int64_t floats = 0;
};

/// Forward: read `in`, write every `out` (already allocated with the inferred shapes).
struct OpArgs {
  std::span<const TensorView> in;
  std::span<const TensorView> out;
  Workspace ws;
};

/// Backward: `in` and `out` are the forward's; `grad_out` holds dL/d(out) (one per output;
/// absent = zero). Write dL/d(in[i]) into `grad_in[i]` when it is present, overwriting it
/// (adding into it where `accumulate` says so).
/// Absent `grad_in` entries are not needed and must not be computed if that costs time.
struct OpGradArgs {
  std::span<const TensorView> in;
  std::span<const TensorView> out;
  std::span<const TensorView> grad_out;
  std::span<const TensorView> grad_in;
  Workspace ws;
  /// Bit i set: add dL/d(in[i]) into `grad_in[i]` instead of overwriting it (a second gradient
  /// contribution). Set only for the inputs an op declares it can accumulate into (see
  /// src/graph/accumulate_into.h); every other op always sees 0.
  uint64_t accumulate = 0;
};

}  // namespace deepsc
