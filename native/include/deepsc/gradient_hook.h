#pragma once
/*
 * The gradient hook: how a collective backend (today @deepsc/distributed over gloo) sees a
 * model's gradients as the backward produces them, without the engine linking that backend.
 *
 * Plain C, so the engine addon and the backend's addon (built separately, maybe by other
 * compilers) agree on it by layout alone. The backend hands the engine a pointer to one of
 * these inside a napi External tagged with DEEPSC_GRADIENT_HOOK_TAG (napi_type_tag_object), set
 * on a model with CompiledModel.setGradientHook; the engine copies the struct and keeps a
 * reference to the External while it is set, so `ctx` lives at least that long.
 *
 * The protocol, for one optimizer step:
 *  - During a backward that completes the step's gradients (`syncGradients`, the default; the
 *    last micro-batch with accumulation), the engine calls `ready` once for every trainable
 *    parameter that has a gradient, as soon as that gradient is final (the sum over the
 *    accumulated micro-batches when accumulating), in the order the backward finishes them
 *    (roughly reverse declaration order). `host_data` is host memory (the gradient itself on the
 *    CPU; a staging copy for device backends) that the backend may read and overwrite in place
 *    until `wait` returns. `ready` must return quickly: the backward is still running.
 *  - After the last `ready` of that backward, the engine calls `flush` (the backend may start
 *    reducing what it still holds back).
 *  - Before anything reads or reuses those buffers (the optimizer step, clipping, a forward,
 *    reading a gradient), the engine calls `wait` once: it returns 0 when every buffer passed to
 *    `ready` holds the mean over all ranks, or nonzero with a NUL-terminated message in `err`
 *    (at most err_len bytes) when the reduction failed. A backward that fails after some
 *    `ready` calls is followed by `wait` without `flush`.
 * All three calls come from one thread at a time (the engine serialises a model's calls), but
 * not always the same thread.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped on any change of deepsc_gradient_hook's layout or protocol. */
#define DEEPSC_GRADIENT_HOOK_ABI 1

/** The napi type tag of the External that carries a hook (two 64-bit halves). */
#define DEEPSC_GRADIENT_HOOK_TAG_LOWER 0x6465657073632d67ULL /* "deepsc-g" */
#define DEEPSC_GRADIENT_HOOK_TAG_UPPER 0x7261642d686f6f6bULL /* "rad-hook" */

typedef struct deepsc_gradient_hook {
  /** DEEPSC_GRADIENT_HOOK_ABI of the backend that filled it; the engine refuses another. */
  uint32_t abi_version;
  /** The backend's state, passed back to every call. */
  void* ctx;
  /** Parameter `param_index`'s gradient (`count` floats at `host_data`) is final. */
  void (*ready)(void* ctx, int32_t param_index, float* host_data, int64_t count);
  /** The backward handed over its last gradient. */
  void (*flush)(void* ctx);
  /** Waits until every buffer given to `ready` holds the mean over ranks; 0 ok, else `err` says why. */
  int (*wait)(void* ctx, char* err, size_t err_len);
} deepsc_gradient_hook;

#ifdef __cplusplus
}
#endif
