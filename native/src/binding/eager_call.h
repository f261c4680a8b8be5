#pragma once
// What one eager call (runForward / runBackward / timeOp) asks for, read and checked once from
// its JS arguments whatever the device; the CPU path (ops.cpp, time_op.cpp) and the CUDA path
// (cuda_ops.cpp) then run it.
#include <napi.h>

#include <string>
#include <vector>

#include "binding/convert.h"

namespace deepsc::binding {

/// Where an eager call runs.
enum class Device { cpu, cuda };

/// The forward of one op: the op, its inputs (zero-copy views of the JS arrays) and the shapes
/// of its outputs.
struct ForwardCall {
  Device device = Device::cpu;
  OpInstance op;
  std::string name;
  OpTensors in;
  std::vector<Shape> shapes;
};

/// The backward of one op: the forward's call plus its outputs, the output gradients (absent =
/// zero; each device supplies its own zeros) and which input gradients to compute.
struct BackwardCall : ForwardCall {
  OpTensors out;
  OpTensors gout;
  std::vector<bool> want;
};

/// The device argument of `fn`: 'cpu' or 'cuda'. TypeError when it is not a string,
/// RangeError naming the option and the value for any other string.
Device read_device(const Napi::Value& v, const char* fn);

/// Throws TypeError from `op` when `given` (the JS value of a CPU-only `option`) is present on a
/// device other than the CPU.
void require_cpu_option(const Napi::Value& given, Device device, const std::string& op, const char* option);

/// runForward(device, op, attrs, inputs, outputs?) up to its CPU-only `outputs` (not read here;
/// refused on 'cuda'). On 'cuda' the op must have a CUDA kernel and a device must be visible.
ForwardCall read_forward_call(const Napi::CallbackInfo& info);

/// runBackward(device, op, attrs, inputs, outputs, gradOutputs, needGrad, gradInputs?) up to its
/// CPU-only `gradInputs` (not read here; refused on 'cuda'), checked as runForward's.
BackwardCall read_backward_call(const Napi::CallbackInfo& info);

}  // namespace deepsc::binding
