#pragma once
// Every op declaration; one line per entry of ops.def.
#include "deepsc/ops/relu.h"
