#pragma once
// What each op's backward kernel reads of its forward's inputs and outputs (the engine's
// counterpart of PyTorch's derivatives.yaml "saved" tensors). The graph executor's liveness
// uses it: a forward value lives only until the last step that actually reads it, so an
// activation no backward reads (a norm's output feeding a relu, the input of an add) is freed
// as soon as the forward is done with it. The table is src/ops/backward_reads.cpp, one row per
// op of ops.def (a missing row does not compile); test/backward_reads.test.ts checks every row
// against the kernels by running each backward with the undeclared tensors replaced by NaN.
#include <cstdint>
#include <vector>

#include "deepsc/registry.h"

namespace deepsc {

/// Bit masks: bit i of `in` = forward input i, bit i of `out` = forward output i.
struct TensorSet {
  uint32_t in = 0;
  uint32_t out = 0;
};

/// Every input (also each repetition of a variadic op's last input).
inline constexpr uint32_t kAllInputs = 0xffffffffu;

/// An op's backward reads: `always` whatever gradients are asked, plus `for_grad[i]` when the
/// gradient of input i is computed. Shapes are always available; this is about the data.
struct BackwardNeeds {
  TensorSet always;
  TensorSet for_grad[4];
};

/// The op's declared needs.
const BackwardNeeds& backward_needs(OpKind kind);

/// Which inputs and outputs a backward computing the gradients `want` (one flag per input)
/// reads: `reads_in[i]`, `reads_out[k]`.
struct BackwardReads {
  std::vector<bool> in, out;
};
BackwardReads backward_reads(OpKind kind, const std::vector<bool>& want, size_t inputs, size_t outputs);
/// The same for any op instance: a plugin op's reads are what its definition declares.
BackwardReads backward_reads(const OpInstance& op, const std::vector<bool>& want, size_t inputs, size_t outputs);

/// Whether the op's forward (on every backend) may write its output over input `input`: it is
/// elementwise, output element j reading only element j of that input. The planner checks the
/// rest (the input has the output's shape and nothing reads it afterwards).
bool forward_in_place_ok(OpKind kind, size_t input);
/// The same for any op instance: a plugin op only for the inputs its definition names.
bool forward_in_place_ok(const OpInstance& op, size_t input);

/// How the op's backward (on every backend, with one output) may write input `input`'s
/// gradient over the output gradient g. `elementwise`: gradient element j reads element j of g
/// (and nothing else of g afterwards) before writing it: relu, sigmoid, leaky_relu,
/// mul_scalar, scale's x (its ds = sum g x is computed first). `pass_through`: the gradient is g
/// itself (add's operand of the output's shape), and the kernel writes nothing when handed g's
/// memory. The planner checks the rest (shapes, nothing reads g afterwards, no later write to
/// memory another gradient still reads).
enum class GradInPlace { no, elementwise, pass_through };
GradInPlace backward_in_place(OpKind kind, size_t input);

}  // namespace deepsc
