#pragma once
#include <napi.h>

#include <vector>

#include "binding/eager_call.h"

namespace deepsc::binding {

/// Throws unless `op` can run on CUDA in this process: Error naming the op when it has no CUDA
/// kernel (checked first, from the plugin's declaration or the build's kernel table, so it is
/// reported without a GPU), then Error "no CUDA device" when no GPU is visible or the addon was
/// built without CUDA.
void require_cuda(const OpInstance& op);

/// The CUDA path of runForward: inputs copied to fresh device buffers, the kernel, outputs (and
/// the inputs, which an op may update in place) copied back; returns new JS tensors.
Napi::Value cuda_forward(Napi::Env env, const ForwardCall& call);

/// The CUDA path of runBackward: returns new JS tensors for the gradients `call.want` asks for.
Napi::Value cuda_backward(Napi::Env env, const BackwardCall& call);

/// The CUDA path of timeOp: GPU milliseconds (CUDA events) of each of `repeats` calls after
/// `warmup` untimed ones, with everything on the device; the forward when `want` is null, else
/// the backward computing the gradients it marks.
Napi::Value cuda_time_op(Napi::Env env, const ForwardCall& call, const std::vector<bool>* want, int warmup,
                         int repeats);

/// Adds cudaOps (the ops with CUDA kernels; empty without the CUDA backend) to `exports`.
void init_cuda_ops(Napi::Env env, Napi::Object exports);

}  // namespace deepsc::binding
