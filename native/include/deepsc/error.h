#pragma once
// Errors the engine raises. Every failure at the boundary is one of these; the binding turns
// them into JS TypeError / RangeError / Error. Nothing in the engine aborts the process.
#include <stdexcept>
#include <string>

namespace deepsc {

/// Which JS error class a failure maps to.
enum class ErrorKind {
  Type,     ///< wrong rank, wrong dtype, wrong number of inputs, mismatched shapes
  Range,    ///< a value out of its allowed range (negative padding, overflowing shape)
  Runtime,  ///< everything else (allocation failure, CUDA error)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

/// Throws an Error whose message starts with the op's name: "conv3d: <what>".
[[noreturn]] inline void fail(ErrorKind kind, const std::string& op, const std::string& what) {
  throw Error(kind, op + ": " + what);
}

}  // namespace deepsc

/// Checks an argument; on failure throws an Error naming the op. `msg` is any expression
/// convertible to std::string, built only when the check fails.
#define DEEPSC_CHECK(cond, kind, op, msg)                         \
  do {                                                             \
    if (!(cond)) ::deepsc::fail(::deepsc::ErrorKind::kind, op, msg); \
  } while (0)
