#pragma once
// Calling into a plugin: C return codes become deepsc::Error, and a C++ exception a plugin lets
// escape (which the ABI forbids) is caught here as a last resort, so neither crosses into the
// engine as anything but a normal error naming the op. Conversions between the engine's shapes
// and tensors and the ABI's fixed-size structs.
#include <string>

#include "deepsc/error.h"
#include "deepsc/plugin.h"
#include "deepsc/plugin_op.h"
#include "deepsc/shape.h"
#include "deepsc/tensor.h"

namespace deepsc::plugin {

/// The engine error kind of a plugin return code (unknown codes are Runtime).
inline ErrorKind error_kind(int32_t code) {
  return code == DEEPSC_ERR_TYPE ? ErrorKind::Type : code == DEEPSC_ERR_RANGE ? ErrorKind::Range : ErrorKind::Runtime;
}

/// Runs `fn(deepsc_error*) -> int32_t` (a call into the plugin). A non-zero code throws an
/// Error of its kind with the plugin's message, prefixed by the op's name; an exception is
/// caught and reported as a Runtime error naming the op, `what` and the library.
template <class F>
void guarded_call(const std::string& op, const std::string& library, const char* what, F&& fn) {
  deepsc_error err;
  err.message[0] = '\0';
  int32_t code = DEEPSC_OK;
  bool threw = false;
  std::string thrown;
  try {
    code = fn(&err);
  } catch (const Error&) {
    throw;  // the engine's own error (from a host callback such as parallel_for) passes through
  } catch (const std::exception& e) {
    threw = true;
    thrown = std::string(" (") + e.what() + ")";
  } catch (...) {
    threw = true;
  }
  if (threw)
    fail(ErrorKind::Runtime, op,
         std::string(what) + " threw a C++ exception" + thrown + " (plugin " + library +
             "); plugin functions must return an error code instead of throwing");
  if (code == DEEPSC_OK) return;
  err.message[sizeof err.message - 1] = '\0';
  std::string msg = err.message;
  if (msg.empty())
    msg = std::string(what) + " failed with code " + std::to_string(code) + " and no message (plugin " + library + ")";
  if (code != DEEPSC_ERR_TYPE && code != DEEPSC_ERR_RANGE && code != DEEPSC_ERR_RUNTIME)
    msg += " (unknown error code " + std::to_string(code) + ")";
  fail(error_kind(code), op, msg);
}

/// The ABI form of a shape (rank 0 for an absent input); ranks above DEEPSC_MAX_RANK are refused.
inline deepsc_shape to_c_shape(const Shape& s, const std::string& op) {
  if (s.rank() > DEEPSC_MAX_RANK)
    fail(ErrorKind::Type, op, "a plugin op takes tensors of rank <= " + std::to_string(DEEPSC_MAX_RANK) + ", got " + s.str());
  deepsc_shape c{};
  c.rank = s.rank();
  for (int d = 0; d < s.rank(); ++d) c.dims[d] = s[d];
  return c;
}

inline Shape from_c_shape(const deepsc_shape& c) {
  Shape s;
  for (int32_t d = 0; d < c.rank; ++d) s.dims.push_back(c.dims[d]);
  return s;
}

inline deepsc_tensor to_c_tensor(const TensorView& v) {
  deepsc_tensor t{};
  t.data = v.data;
  t.numel = v.data ? v.numel() : 0;
  t.shape.rank = v.shape.rank() <= DEEPSC_MAX_RANK ? v.shape.rank() : 0;
  for (int d = 0; d < t.shape.rank; ++d) t.shape.dims[d] = v.shape[d];
  return t;
}

/// The engine's services for plugins (one instance for the process).
const deepsc_host* host();

}  // namespace deepsc::plugin
