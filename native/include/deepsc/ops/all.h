#pragma once
// Every op declaration; one line per entry of ops.def.
#include "deepsc/ops/concat.h"
#include "deepsc/ops/conv3d.h"
#include "deepsc/ops/conv_transpose3d.h"
#include "deepsc/ops/crop.h"
#include "deepsc/ops/leaky_relu.h"
#include "deepsc/ops/log_softmax.h"
#include "deepsc/ops/paste.h"
#include "deepsc/ops/relu.h"
#include "deepsc/ops/reshape.h"
#include "deepsc/ops/sigmoid.h"
#include "deepsc/ops/slice.h"
#include "deepsc/ops/softmax.h"
