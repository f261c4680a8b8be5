// A plugin op's attributes: the caller's values checked against the op's declarations (names,
// types, required ones) and laid out as the ABI's deepsc_attr_value array, then the op's own
// check_attrs.
#include <string>

#include "plugin/guard.h"

namespace deepsc::plugin {

namespace {

const char* type_name(int32_t t) {
  switch (t) {
    case DEEPSC_ATTR_INT: return "an integer";
    case DEEPSC_ATTR_FLOAT: return "a number";
    case DEEPSC_ATTR_BOOL: return "a boolean";
    case DEEPSC_ATTR_STRING: return "a string";
    case DEEPSC_ATTR_INTS: return "an array of integers";
    case DEEPSC_ATTR_FLOATS: return "an array of numbers";
  }
  return "?";
}

}  // namespace

PluginParams make(std::shared_ptr<const PluginOp> op, const Attrs& attrs_in) {
  const deepsc_op_def& def = op->def;
  Attrs attrs = attrs_in;
  attrs.set_op(op->name);
  // Unknown keys first, so a typo is named even when a required attribute is missing too.
  for (const auto& [key, _] : attrs.values()) {
    bool known = false;
    for (int32_t k = 0; k < def.num_attrs; ++k) known = known || key == def.attrs[k].name;
    if (known) continue;
    std::string list;
    for (int32_t k = 0; k < def.num_attrs; ++k) list += (list.empty() ? "" : ", ") + std::string(def.attrs[k].name);
    fail(ErrorKind::Type, op->name, "unknown attribute '" + key + "' (known: " + (list.empty() ? "none" : list) + ")");
  }
  auto p = std::make_shared<PluginAttrs>();
  const auto n = static_cast<size_t>(def.num_attrs);
  p->values.resize(n);
  p->strings.resize(n);
  p->ints.resize(n);
  p->floats.resize(n);
  for (size_t k = 0; k < n; ++k) {
    const deepsc_attr_def& a = def.attrs[k];
    const std::string key = a.name;
    deepsc_attr_value& v = p->values[k];
    const bool given = attrs.has(key);
    if (!given && a.required)
      fail(ErrorKind::Type, op->name, "attribute '" + key + "' (" + type_name(a.type) + ") is required");
    if (!given) {
      v = a.default_value;
      v.present = 0;
      if (a.type == DEEPSC_ATTR_INTS) p->ints[k].assign(v.ints, v.ints + v.count);
      if (a.type == DEEPSC_ATTR_FLOATS) p->floats[k].assign(v.floats, v.floats + v.count);
      if (a.type == DEEPSC_ATTR_STRING) p->strings[k] = v.s;
    } else {
      v.present = 1;
      const AttrValue& raw = attrs.values().at(key);
      switch (a.type) {
        case DEEPSC_ATTR_INT: v.i = attrs.integer(key, 0); break;
        case DEEPSC_ATTR_FLOAT: v.f = attrs.number(key, 0.0); break;
        case DEEPSC_ATTR_BOOL: v.b = attrs.boolean(key, false) ? 1 : 0; break;
        case DEEPSC_ATTR_STRING: p->strings[k] = attrs.string(key, ""); break;
        case DEEPSC_ATTR_INTS:
          if (!std::holds_alternative<std::vector<double>>(raw))
            fail(ErrorKind::Type, op->name, "attribute '" + key + "' must be an array of integers");
          p->ints[k] = attrs.integers(key, {});
          break;
        case DEEPSC_ATTR_FLOATS:
          if (!std::holds_alternative<std::vector<double>>(raw))
            fail(ErrorKind::Type, op->name, "attribute '" + key + "' must be an array of numbers");
          p->floats[k] = attrs.numbers(key, {});
          break;
      }
    }
    // Point the ABI view at the storage this instance owns.
    v.s = a.type == DEEPSC_ATTR_STRING ? p->strings[k].c_str() : nullptr;
    v.ints = a.type == DEEPSC_ATTR_INTS ? p->ints[k].data() : nullptr;
    v.floats = a.type == DEEPSC_ATTR_FLOATS ? p->floats[k].data() : nullptr;
    v.count = a.type == DEEPSC_ATTR_INTS     ? static_cast<int64_t>(p->ints[k].size())
              : a.type == DEEPSC_ATTR_FLOATS ? static_cast<int64_t>(p->floats[k].size())
                                             : 0;
  }
  if (def.check_attrs)
    guarded_call(op->name, op->library, "check_attrs", [&](deepsc_error* err) { return def.check_attrs(p->values.data(), err); });
  return PluginParams{std::move(op), std::move(p)};
}

}  // namespace deepsc::plugin
