/* my_swish: y = x * sigmoid(beta * x), any shape (Ramachandran et al. 2017; beta = 1 is SiLU).
 * A complete DeepSC op plugin: the op's definition, CPU forward and backward, and the entry
 * point. The CUDA kernels are in swish_cuda.cu (built when nvcc and a GPU are present). */
#include <math.h>

#include "deepsc/plugin.h"
#include "swish.h"

static const deepsc_host* host;

/* The attribute (read as attrs[0].f) and the input. */
static const deepsc_attr_def attrs[] = {{.name = "beta", .type = DEEPSC_ATTR_FLOAT, .default_value = {.f = 1.0}}};
static const deepsc_input_def inputs[] = {{.name = "x"}};

static void forward_chunk(void* ctx, int64_t begin, int64_t end) {
  const deepsc_kernel_args* a = ctx;
  const float* x = a->in[0].data;
  float* y = a->out[0].data;
  const float beta = (float)a->attrs[0].f;
  for (int64_t i = begin; i < end; ++i) y[i] = x[i] / (1.f + expf(-beta * x[i]));
}

static void backward_chunk(void* ctx, int64_t begin, int64_t end) {
  const deepsc_kernel_args* a = ctx;
  const float* x = a->in[0].data;
  const float* g = a->grad_out[0].data;
  float* dx = a->grad_in[0].data;
  const float beta = (float)a->attrs[0].f;
  for (int64_t i = begin; i < end; ++i) {
    const float s = 1.f / (1.f + expf(-beta * x[i]));
    dx[i] = g[i] * (s + beta * x[i] * s * (1.f - s));
  }
}

static int32_t cpu_forward(const deepsc_kernel_args* a, deepsc_error* err) {
  host->parallel_for(a->in[0].numel, 32768, forward_chunk, (void*)a);
  return DEEPSC_OK;
}

static int32_t cpu_backward(const deepsc_kernel_args* a, deepsc_error* err) {
  if (a->grad_in[0].data) host->parallel_for(a->in[0].numel, 32768, backward_chunk, (void*)a);
  return DEEPSC_OK;
}

static const deepsc_op_def ops[] = {{
    .name = "my_swish",
    .inputs = inputs,
    .num_inputs = 1,
    .num_outputs = 1,
    .attrs = attrs,
    .num_attrs = 1,
    .flags = DEEPSC_OP_DETERMINISTIC,
    .backward_reads_inputs = DEEPSC_BIT(0), /* the backward reads x */
    .cpu_forward = cpu_forward,
    .cpu_backward = cpu_backward,
    .cuda_forward = MY_SWISH_CUDA_FORWARD,
    .cuda_backward = MY_SWISH_CUDA_BACKWARD,
}};

static const deepsc_plugin plugin = {DEEPSC_PLUGIN_HEADER, "my_swish", ops, 1, 0};

DEEPSC_PLUGIN_ENTRY(h, out, err) {
  host = h;
  *out = &plugin;
  return DEEPSC_OK;
}
