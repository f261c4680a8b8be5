#pragma once
// Untyped op attributes as they arrive from JS ({ stride: [2, 2, 2], eps: 1e-5, mode: 'train' }),
// read into each op's typed Params struct by that op's parse(). Readers name the op and the key
// in every error.
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "deepsc/error.h"

namespace deepsc {

using AttrValue = std::variant<bool, double, std::string, std::vector<double>>;

class Attrs {
 public:
  Attrs() = default;
  explicit Attrs(std::string op) : op_(std::move(op)) {}

  void set(const std::string& key, AttrValue v) { values_[key] = std::move(v); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const std::string& op() const { return op_; }
  void set_op(std::string op) { op_ = std::move(op); }
  const std::map<std::string, AttrValue>& values() const { return values_; }

  /// Rejects keys that the op does not know, so a typo ("strides") is an error, not ignored.
  void require_known(std::initializer_list<const char*> known) const {
    for (const auto& [k, _] : values_) {
      bool ok = false;
      for (const char* n : known) ok = ok || k == n;
      if (!ok) {
        std::string list;
        for (const char* n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        fail(ErrorKind::Type, op_, "unknown attribute '" + k + "' (known: " + (list.empty() ? "none" : list) + ")");
      }
    }
  }

  double number(const std::string& key, double dflt) const {
    auto it = values_.find(key);
    if (it == values_.end()) return dflt;
    if (auto* d = std::get_if<double>(&it->second)) {
      if (!std::isfinite(*d)) fail(ErrorKind::Range, op_, "attribute '" + key + "' must be finite");
      return *d;
    }
    fail(ErrorKind::Type, op_, "attribute '" + key + "' must be a number");
  }

  int64_t integer(const std::string& key, int64_t dflt) const {
    double d = number(key, static_cast<double>(dflt));
    if (d != std::floor(d) || std::fabs(d) > 9.0e15)
      fail(ErrorKind::Type, op_, "attribute '" + key + "' must be an integer, got " + std::to_string(d));
    return static_cast<int64_t>(d);
  }

  bool boolean(const std::string& key, bool dflt) const {
    auto it = values_.find(key);
    if (it == values_.end()) return dflt;
    if (auto* b = std::get_if<bool>(&it->second)) return *b;
    fail(ErrorKind::Type, op_, "attribute '" + key + "' must be a boolean");
  }

  std::string string(const std::string& key, const std::string& dflt) const {
    auto it = values_.find(key);
    if (it == values_.end()) return dflt;
    if (auto* s = std::get_if<std::string>(&it->second)) return *s;
    fail(ErrorKind::Type, op_, "attribute '" + key + "' must be a string");
  }

  /// One of `allowed`; the error lists them.
  std::string choice(const std::string& key, const std::string& dflt, std::initializer_list<const char*> allowed) const {
    std::string v = string(key, dflt);
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return v;
      list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
    }
    fail(ErrorKind::Range, op_, "attribute '" + key + "' is '" + v + "', expected one of " + list);
  }

  std::vector<double> numbers(const std::string& key, const std::vector<double>& dflt) const {
    auto it = values_.find(key);
    if (it == values_.end()) return dflt;
    if (auto* v = std::get_if<std::vector<double>>(&it->second)) {
      for (double d : *v)
        if (!std::isfinite(d)) fail(ErrorKind::Range, op_, "attribute '" + key + "' must hold finite numbers");
      return *v;
    }
    if (auto* d = std::get_if<double>(&it->second)) return {*d};
    fail(ErrorKind::Type, op_, "attribute '" + key + "' must be a number or an array of numbers");
  }

  std::vector<int64_t> integers(const std::string& key, const std::vector<int64_t>& dflt) const {
    if (!has(key)) return dflt;
    std::vector<int64_t> out;
    for (double d : numbers(key, {})) {
      if (d != std::floor(d) || std::fabs(d) > 9.0e15)
        fail(ErrorKind::Type, op_, "attribute '" + key + "' must hold integers, got " + std::to_string(d));
      out.push_back(static_cast<int64_t>(d));
    }
    return out;
  }

  /// Three integers for (D, H, W); a single number is broadcast to all three.
  std::array<int64_t, 3> triple(const std::string& key, int64_t dflt) const {
    auto v = integers(key, {dflt, dflt, dflt});
    if (v.size() == 1) return {v[0], v[0], v[0]};
    if (v.size() != 3)
      fail(ErrorKind::Type, op_, "attribute '" + key + "' must be a number or 3 numbers (D, H, W), got " +
                                     std::to_string(v.size()) + " numbers");
    return {v[0], v[1], v[2]};
  }

 private:
  std::string op_;
  std::map<std::string, AttrValue> values_;
};

}  // namespace deepsc
