#pragma once
// What an op's .cu file needs to define its entry points: the registry's parameter and
// argument types. The declarations generated from ops_cuda.def live in ops.h, which only the
// dispatcher and the binding include, so adding a line to ops_cuda.def recompiles those two
// and the new kernel, not every kernel (a signature that disagrees with ops.h fails to link).
// Every pointer in the argument packs is a device pointer; kernels are queued on the default
// stream and take no workspace (args.ws is empty on the device).
#include "deepsc/registry.h"
