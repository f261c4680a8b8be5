// The backward needs of every op: what its backward kernels (CPU and CUDA alike) read of the
// forward's inputs and outputs. One row per op of ops.def; an op without a row does not
// compile (kTable below is generated from ops.def). When you change what a backward kernel
// reads, change its row here: test/backward_reads.test.ts runs every op's backward with the
// tensors not declared here replaced by NaN and fails when a result changes.
#include "deepsc/backward_reads.h"

namespace deepsc {

namespace {

constexpr uint32_t in(uint32_t i) { return 1u << i; }
constexpr uint32_t out0 = 1u;
constexpr TensorSet none{};

// Elementwise and data movement: the gradient needs shapes only.
constexpr BackwardNeeds add_needs{};             // da = g, db = g (reduced over broadcast axes)
constexpr BackwardNeeds avg_pool3d_needs{};      // spreads g over each window
constexpr BackwardNeeds concat_needs{};          // scatters g
constexpr BackwardNeeds crop_needs{};
constexpr BackwardNeeds global_avg_pool_needs{};
constexpr BackwardNeeds mul_scalar_needs{};      // dx = v g
constexpr BackwardNeeds paste_needs{};
constexpr BackwardNeeds reshape_needs{};
constexpr BackwardNeeds resize_needs{};          // the interpolation weights depend on shapes only
constexpr BackwardNeeds slice_needs{};
// Functions of their output: y alone gives the gradient.
constexpr BackwardNeeds relu_needs{{0, out0}, {}};         // dx = y > 0 ? g : 0 (y > 0 exactly when x > 0)
constexpr BackwardNeeds sigmoid_needs{{0, out0}, {}};      // dx = g y (1 - y)
constexpr BackwardNeeds softmax_needs{{0, out0}, {}};      // dx = y (g - sum g y)
constexpr BackwardNeeds log_softmax_needs{{0, out0}, {}};  // dx = g - exp(y) sum g
// Functions of their input.
constexpr BackwardNeeds leaky_relu_needs{{in(0), 0}, {}};  // x's sign (a slope <= 0 hides it in y)
constexpr BackwardNeeds max_pool3d_needs{{in(0), 0}, {}};  // finds each window's maximum in x again
// Norms recompute their statistics from x; gamma scales dx; batch_norm in mode eval uses the
// running statistics instead.
constexpr BackwardNeeds group_norm_needs{{in(0) | in(1), 0}, {}};
constexpr BackwardNeeds instance_norm_needs{{in(0) | in(1), 0}, {}};
constexpr BackwardNeeds batch_norm_needs{{in(0) | in(1) | in(3) | in(4), 0}, {}};
// Products: each operand's gradient reads the other.
constexpr BackwardNeeds mul_needs{none, {{in(1), 0}, {in(0), 0}}};
constexpr BackwardNeeds scale_needs{{in(1), 0}, {none, {in(0), 0}}};  // dx = s g, ds = sum g x
// Convolutions and linear: dx reads w, dw reads x, db only g.
constexpr BackwardNeeds conv3d_needs{none, {{in(1), 0}, {in(0), 0}, none}};
constexpr BackwardNeeds conv_transpose3d_needs{none, {{in(1), 0}, {in(0), 0}, none}};
constexpr BackwardNeeds linear_needs{none, {{in(1), 0}, {in(0), 0}, none}};
// Losses read every input (prediction, target, weights or mask).
constexpr BackwardNeeds cross_entropy_needs{{kAllInputs, 0}, {}};
constexpr BackwardNeeds focal_needs{{kAllInputs, 0}, {}};
constexpr BackwardNeeds mse_needs{{kAllInputs, 0}, {}};
constexpr BackwardNeeds soft_dice_needs{{kAllInputs, 0}, {}};

constexpr BackwardNeeds kTable[] = {
#define DEEPSC_OP(name, Type) name##_needs,
#include "deepsc/ops.def"
#undef DEEPSC_OP
};

}  // namespace

const BackwardNeeds& backward_needs(OpKind kind) {
  if (kind == OpKind::Plugin) fail(ErrorKind::Runtime, "backward_needs", "a plugin op's needs are in its instance");
  return kTable[static_cast<size_t>(kind)];
}

namespace {

BackwardReads reads_of(const TensorSet& s, size_t inputs, size_t outputs) {
  BackwardReads r;
  r.in.resize(inputs);
  r.out.resize(outputs);
  for (size_t i = 0; i < inputs; ++i) r.in[i] = s.in == kAllInputs || (i < 32 && ((s.in >> i) & 1u));
  for (size_t k = 0; k < outputs; ++k) r.out[k] = k < 32 && ((s.out >> k) & 1u);
  return r;
}

}  // namespace

BackwardReads backward_reads(const OpInstance& op, const std::vector<bool>& want, size_t inputs, size_t outputs) {
  if (op.kind != OpKind::Plugin) return backward_reads(op.kind, want, inputs, outputs);
  const deepsc_op_def& def = std::get<PluginParams>(op.params).op->def;
  return reads_of(TensorSet{def.backward_reads_inputs, def.backward_reads_outputs}, inputs, outputs);
}

bool forward_in_place_ok(const OpInstance& op, size_t input) {
  if (op.kind != OpKind::Plugin) return forward_in_place_ok(op.kind, input);
  return input < 32 && ((std::get<PluginParams>(op.params).op->def.in_place_inputs >> input) & 1u);
}

BackwardReads backward_reads(OpKind kind, const std::vector<bool>& want, size_t inputs, size_t outputs) {
  const BackwardNeeds& n = backward_needs(kind);
  TensorSet s = n.always;
  for (size_t i = 0; i < want.size() && i < 4; ++i)
    if (want[i]) {
      s.in |= n.for_grad[i].in;
      s.out |= n.for_grad[i].out;
    }
  return reads_of(s, inputs, outputs);
}

bool forward_in_place_ok(OpKind kind, size_t input) {
  switch (kind) {
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::MulScalar:
    case OpKind::Scale: return input == 0;  // y[j] = f(x[j]); scale's s is a [1] scalar
    case OpKind::Add: return input <= 1;    // the input with the output's shape (the caller checks shapes)
    default: return false;
  }
}

GradInPlace backward_in_place(OpKind kind, size_t input) {
  switch (kind) {
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::LeakyRelu:
    case OpKind::MulScalar:
    case OpKind::Scale: return input == 0 ? GradInPlace::elementwise : GradInPlace::no;  // dx[j] = f(g[j], ...)
    case OpKind::Add: return input <= 1 ? GradInPlace::pass_through : GradInPlace::no;   // da = g where a has g's shape
    default: return GradInPlace::no;
  }
}

}  // namespace deepsc
