#pragma once
// The class-index losses' CUDA implementation (class_loss.cu), shared by cross_entropy and
// focal (gamma = 0 is the cross-entropy); `op` names the op in errors.
#include <vector>

#include "deepsc/op.h"

namespace deepsc::cuda {

void class_loss_forward(const char* op, const OpArgs& args, const std::vector<double>& class_weights, double gamma);
void class_loss_backward(const char* op, const OpGradArgs& args, const std::vector<double>& class_weights,
                         double gamma);

}  // namespace deepsc::cuda
