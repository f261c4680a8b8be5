#pragma once
// JS <-> engine conversions shared by the binding files. Everything that touches N-API lives
// under src/binding/.
#include <napi.h>

#include <string>
#include <vector>

#include "deepsc/attrs.h"
#include "deepsc/registry.h"
#include "deepsc/error.h"
#include "deepsc/shape.h"
#include "deepsc/tensor.h"

namespace deepsc::binding {

/// Runs `fn`, turning deepsc::Error into TypeError / RangeError / Error and any other C++
/// exception into Error, so no exception escapes into N-API (which would abort).
template <class F>
Napi::Value guarded(const Napi::Env& env, F&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::Type: throw Napi::TypeError::New(env, e.what());
      case ErrorKind::Range: throw Napi::RangeError::New(env, e.what());
      default: throw Napi::Error::New(env, e.what());
    }
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "deepsc: out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("deepsc: ") + e.what());
  }
}

/// A shape from a JS array of non-negative safe integers.
Shape to_shape(const Napi::Value& v, const std::string& op, const std::string& what);
Napi::Array from_shape(const Napi::Env& env, const Shape& s);

/// Attributes from a plain JS object (numbers, booleans, strings, arrays of numbers).
Attrs to_attrs(const Napi::Value& v, const std::string& op);

/// A view of { data: Float32Array, shape: number[] } (zero-copy), or an absent view for
/// null/undefined. Checks dtype and that the length matches the shape.
TensorView to_view(const Napi::Value& v, const std::string& op, const std::string& what, bool* present);

/// The tensors of one op argument list (inputs, outputs or their gradients), zero-copy.
struct OpTensors {
  std::vector<TensorView> views;
  std::vector<Shape> shapes;
  std::vector<bool> present;
};

/// Reads a JS array of tensors (null = absent) for `op`, labelling errors with the op's input
/// names when `what` is "inputs", else with `what[i]`.
OpTensors read_op_tensors(const Napi::Value& v, const OpInstance& op, const std::string& what);

/// Which inputs' gradients a backward call computes: `need[i]` for each input of `op`, where
/// `in` are the call's inputs. Throws TypeError (from `fn`, saying `expected`) when `need` is
/// not an array, and TypeError naming the input when a non-differentiable input is asked for.
/// An absent input is never computed (false), whatever `need` says.
std::vector<bool> read_need_grad(const Napi::Value& need, const OpInstance& op, const OpTensors& in,
                                 const char* fn, const char* expected);

/// A count of calls for the timing functions: an integer in [lo, hi], else RangeError from
/// `fn` naming `what`, the range and the value.
int read_call_count(const Napi::Value& v, const char* fn, const char* what, int lo, int hi);

/// A new { data: Float32Array, shape } of zeros, and the view that writes into it.
Napi::Object new_tensor(const Napi::Env& env, const Shape& s, TensorView* view);

}  // namespace deepsc::binding
