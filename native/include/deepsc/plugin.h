/*
 * DeepSC's op plugin ABI: custom ops in a shared library the engine loads at run time
 * (`loadOpLibrary(path)` in @deepsc/native and @deepsc/core), with no rebuild of the engine.
 * See docs/custom-ops.md (how to write one) and docs/architecture.md ("Op plugins").
 *
 * Plain C: fixed-width integers, pointers and function pointers only; no C++ types, no STL,
 * no exceptions across the boundary. A plugin built by another compiler (or another version of
 * g++) therefore loads. Errors go back as a return code (DEEPSC_OK or a DEEPSC_ERR_* kind) plus
 * a message written into a caller-owned deepsc_error; the engine turns them into its usual
 * TypeError / RangeError / Error naming the op. The engine also catches any C++ exception a
 * plugin lets escape (a last resort: write C-style code that returns errors).
 *
 * A plugin exports one function, deepsc_plugin_entry, that returns a table of op definitions.
 *
 * Versioning: DEEPSC_PLUGIN_ABI_VERSION is one integer. The engine loads a plugin only when the
 * version it was compiled against equals the engine's; any change to a struct's layout, an
 * enum's values or a function's signature in this file increments it. `abi_version` is the first
 * field of deepsc_plugin and stays there in every version, so a mismatch is always detected
 * and named. `layout` (sizes of the structs as the plugin's compiler laid them out) catches a
 * compiler that packs them differently.
 *
 * Threading: the engine calls `infer`, `check_attrs` and `workspace_floats` on the JS thread
 * and kernels on its worker threads, one call at a time per model but possibly concurrently
 * for different models: kernels must not keep mutable global state. A CPU kernel may split its
 * work over the engine's thread pool with host->parallel_for.
 */
#ifndef DEEPSC_PLUGIN_H
#define DEEPSC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. */
#define DEEPSC_PLUGIN_ABI_VERSION 1u
/** The symbol every plugin library exports. */
#define DEEPSC_PLUGIN_ENTRY_SYMBOL "deepsc_plugin_entry"
/** Tensors have at most this many dimensions. */
#define DEEPSC_MAX_RANK 8
/** Inputs and outputs per op (they are bits of 32-bit masks). */
#define DEEPSC_MAX_TENSORS 32
/** Size of a deepsc_error's message buffer, terminating NUL included. */
#define DEEPSC_ERROR_MESSAGE_SIZE 512

/** Return codes; the kinds map to the engine's TypeError, RangeError and Error. */
enum {
  DEEPSC_OK = 0,
  DEEPSC_ERR_TYPE = 1,    /**< wrong rank, mismatched shapes, wrong attribute type */
  DEEPSC_ERR_RANGE = 2,   /**< a value out of its allowed range */
  DEEPSC_ERR_RUNTIME = 3  /**< anything else (a CUDA failure, bad data found by a kernel) */
};

/** Where a plugin writes the message of a failing call (NUL-terminated, truncated to fit). */
typedef struct deepsc_error {
  char message[DEEPSC_ERROR_MESSAGE_SIZE];
} deepsc_error;

/** A shape: `rank` dims (row-major). An absent optional input has rank 0. */
typedef struct deepsc_shape {
  int32_t rank;
  int32_t reserved;
  int64_t dims[DEEPSC_MAX_RANK];
} deepsc_shape;

/** A contiguous float32 tensor. `data == NULL`: absent (an optional input not given, or a
 *  gradient nobody asked for). On CUDA `data` is a device pointer. */
typedef struct deepsc_tensor {
  float* data;
  int64_t numel;
  deepsc_shape shape;
} deepsc_tensor;

/** Attribute types. */
enum {
  DEEPSC_ATTR_INT = 1,     /**< int64 in `i` */
  DEEPSC_ATTR_FLOAT = 2,   /**< finite double in `f` */
  DEEPSC_ATTR_BOOL = 3,    /**< 0 or 1 in `b` */
  DEEPSC_ATTR_STRING = 4,  /**< NUL-terminated UTF-8 in `s` */
  DEEPSC_ATTR_INTS = 5,    /**< `count` int64 in `ints` */
  DEEPSC_ATTR_FLOATS = 6   /**< `count` finite doubles in `floats` */
};

/** One attribute's value; only the member of its type is meaningful. The engine owns the
 *  storage for as long as the op instance lives. */
typedef struct deepsc_attr_value {
  int64_t i;
  double f;
  int32_t b;
  int32_t present; /**< 1 when the caller gave it, 0 when it is the default */
  const char* s;
  const int64_t* ints;
  const double* floats;
  int64_t count;
} deepsc_attr_value;

/** One attribute an op accepts. Callers' attributes are checked by name and type; an unknown
 *  name, a wrong type or a missing required attribute is refused before the plugin is called.
 *  The op's functions receive the values as an array in declaration order. */
typedef struct deepsc_attr_def {
  const char* name;
  int32_t type;                    /**< DEEPSC_ATTR_* */
  int32_t required;                /**< 1: no default */
  deepsc_attr_value default_value; /**< used when not given (pointers must stay valid) */
} deepsc_attr_def;

/** One input. Zero-initialised: required and differentiable. */
typedef struct deepsc_input_def {
  const char* name;
  int32_t optional;    /**< may be absent (data NULL, rank-0 shape), e.g. a bias */
  int32_t no_gradient; /**< has no gradient (labels, masks); never requested in grad_in */
} deepsc_input_def;

/** Passes, for workspace_floats. */
enum { DEEPSC_PASS_FORWARD = 0, DEEPSC_PASS_BACKWARD = 1 };
/** Devices, in deepsc_kernel_args::device. */
enum { DEEPSC_DEVICE_CPU = 0, DEEPSC_DEVICE_CUDA = 1 };

/** What the engine offers plugins; valid for the life of the process. */
typedef struct deepsc_host {
  uint32_t abi_version;       /**< DEEPSC_PLUGIN_ABI_VERSION of the engine */
  uint32_t reserved;
  const char* engine_version; /**< e.g. "0.1.0" */
  /** Runs fn(ctx, begin, end) over [0, n) in chunks of `grain` on the engine's thread pool and
   *  waits. Chunk boundaries depend only on n and grain, so a kernel whose chunks write disjoint
   *  outputs is bitwise identical for any thread count. fn must not fail; record a failure in
   *  ctx and return it after parallel_for. */
  void (*parallel_for)(int64_t n, int64_t grain, void (*fn)(void* ctx, int64_t begin, int64_t end), void* ctx);
  /** Threads in the engine's pool. */
  int32_t (*num_threads)(void);
} deepsc_host;

/** What a kernel receives. In a forward call grad_out and grad_in are NULL. In a backward
 *  call `in` and `out` are the forward's, grad_out[k] is dL/d(out[k]) (never absent: zeros
 *  when nothing flows back) and the kernel overwrites every present grad_in[i]. */
typedef struct deepsc_kernel_args {
  const deepsc_attr_value* attrs; /**< in the order of deepsc_op_def::attrs */
  int32_t num_attrs;
  int32_t num_inputs;
  int32_t num_outputs;
  int32_t device;                 /**< DEEPSC_DEVICE_* */
  const deepsc_tensor* in;
  const deepsc_tensor* out;
  const deepsc_tensor* grad_out;
  const deepsc_tensor* grad_in;
  float* workspace;               /**< CPU: workspace_floats() floats; CUDA: NULL */
  int64_t workspace_floats;
  void* stream;                   /**< CUDA: the cudaStream_t to queue on (NULL: the default stream) */
  const deepsc_host* host;
} deepsc_kernel_args;

/** Validates attributes beyond their types (ranges, string choices). Optional. */
typedef int32_t (*deepsc_check_attrs_fn)(const deepsc_attr_value* attrs, deepsc_error* err);
/** Checks the input shapes and writes each output's shape. `in[i].rank == 0`: input i is an
 *  absent optional input. Optional: without it every output has input 0's shape. */
typedef int32_t (*deepsc_infer_fn)(const deepsc_attr_value* attrs, const deepsc_shape* in, int32_t num_inputs,
                                   deepsc_shape* out, int32_t num_outputs, deepsc_error* err);
/** Scratch floats a CPU kernel needs for a pass (DEEPSC_PASS_*). Optional: none. */
typedef int64_t (*deepsc_workspace_fn)(const deepsc_attr_value* attrs, const deepsc_shape* in, int32_t num_inputs,
                                       int32_t pass);
/** A forward or backward kernel. */
typedef int32_t (*deepsc_kernel_fn)(const deepsc_kernel_args* args, deepsc_error* err);

/** Flags. */
enum {
  /** Same inputs give bitwise the same outputs and gradients, for any thread count (and on
   *  CUDA from run to run). The test helpers check it. */
  DEEPSC_OP_DETERMINISTIC = 1u << 0
};

/** Bit i of a tensor mask. */
#define DEEPSC_BIT(i) (1u << (i))

/** One op. Zero-initialise it and set what you need (C99 designated initialisers). */
typedef struct deepsc_op_def {
  const char* name;               /**< [a-z0-9_]+, not a built-in op's name */
  const deepsc_input_def* inputs;
  int32_t num_inputs;             /**< 1 .. DEEPSC_MAX_TENSORS */
  int32_t num_outputs;            /**< 1 .. DEEPSC_MAX_TENSORS */
  const deepsc_attr_def* attrs;
  int32_t num_attrs;
  uint32_t flags;                 /**< DEEPSC_OP_* */
  /** What the backward kernels (every device) read of the forward's inputs and outputs
   *  (DEEPSC_BIT(i)); the executor frees every other forward value as soon as the forward is
   *  done with it, and the test helpers check the declaration. */
  uint32_t backward_reads_inputs;
  uint32_t backward_reads_outputs;
  /** Inputs the forward may overwrite with its single output (DEEPSC_BIT(i)): only for an
   *  elementwise op whose output element j reads only element j of that input, and whose
   *  backward does not read that input. 0: never in place. */
  uint32_t in_place_inputs;
  deepsc_check_attrs_fn check_attrs;     /**< optional */
  deepsc_infer_fn infer;                 /**< optional: outputs shaped like input 0 */
  deepsc_workspace_fn workspace_floats;  /**< optional: no workspace */
  deepsc_kernel_fn cpu_forward;          /**< required */
  deepsc_kernel_fn cpu_backward;         /**< optional: without it no input has a gradient */
  deepsc_kernel_fn cuda_forward;         /**< optional: without it a CUDA model refuses the op */
  deepsc_kernel_fn cuda_backward;        /**< required when cuda_forward and cpu_backward are given */
} deepsc_op_def;

/** The sizes of the ABI's structs as this compiler lays them out (checked on load). */
#define DEEPSC_PLUGIN_LAYOUT                                                                 \
  ((uint32_t)(sizeof(deepsc_op_def) * 1000003u + sizeof(deepsc_kernel_args) * 10007u +         \
              sizeof(deepsc_attr_def) * 101u + sizeof(deepsc_tensor) * 7u + sizeof(deepsc_host)))

/** A plugin library: what deepsc_plugin_entry returns. Keep it (and everything it points to)
 *  in static storage: the engine never unloads a plugin. */
typedef struct deepsc_plugin {
  uint32_t abi_version; /**< DEEPSC_PLUGIN_ABI_VERSION; first in every version of this ABI */
  uint32_t layout;      /**< DEEPSC_PLUGIN_LAYOUT */
  const char* name;     /**< the library's name, for messages */
  const deepsc_op_def* ops;
  int32_t num_ops;
  int32_t reserved;
} deepsc_plugin;

/** The first two fields of every deepsc_plugin. */
#define DEEPSC_PLUGIN_HEADER DEEPSC_PLUGIN_ABI_VERSION, DEEPSC_PLUGIN_LAYOUT

/** The entry point's type: set *plugin and return DEEPSC_OK, or return an error code with a
 *  message (e.g. a CUDA plugin that needs a newer driver). Called once per process. */
typedef int32_t (*deepsc_plugin_entry_fn)(const deepsc_host* host, const deepsc_plugin** plugin, deepsc_error* err);

#if defined(_WIN32)
#define DEEPSC_PLUGIN_EXPORT __declspec(dllexport)
#else
#define DEEPSC_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/** Declares the entry point with C linkage and default visibility: define it with
 *  `DEEPSC_PLUGIN_ENTRY(host, plugin, err) { ... }`. */
#ifdef __cplusplus
#define DEEPSC_PLUGIN_ENTRY(host, plugin, err) \
  extern "C" DEEPSC_PLUGIN_EXPORT int32_t deepsc_plugin_entry(const deepsc_host* host, const deepsc_plugin** plugin, deepsc_error* err)
#else
#define DEEPSC_PLUGIN_ENTRY(host, plugin, err) \
  DEEPSC_PLUGIN_EXPORT int32_t deepsc_plugin_entry(const deepsc_host* host, const deepsc_plugin** plugin, deepsc_error* err)
#endif

/** Writes a printf-style message into err (if any) and returns `code`:
 *  `return deepsc_fail(err, DEEPSC_ERR_TYPE, "x must have rank 5, got %d", in[0].rank);` */
static inline int32_t deepsc_fail(deepsc_error* err, int32_t code, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static inline int32_t deepsc_fail(deepsc_error* err, int32_t code, const char* fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

/** Whether two shapes are equal. */
static inline int deepsc_same_shape(const deepsc_shape* a, const deepsc_shape* b) {
  if (a->rank != b->rank) return 0;
  for (int32_t d = 0; d < a->rank; ++d)
    if (a->dims[d] != b->dims[d]) return 0;
  return 1;
}

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* DEEPSC_PLUGIN_H */
