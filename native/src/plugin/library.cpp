// Loading plugin libraries and the registry of their ops. A library is opened with
// RTLD_NOW | RTLD_LOCAL (its symbols stay private to it), its entry point is called once, and
// its ops are registered all together or not at all. Libraries are never unloaded: compiled
// models hold pointers to their functions.
#include <dlfcn.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <deque>
#include <mutex>

#include "deepsc/registry.h"
#include "plugin/guard.h"
#include "plugin/validate.h"

namespace deepsc::plugin {

namespace {

struct Registry {
  std::mutex mu;
  std::deque<PluginLibrary> libraries;  // deque: references stay valid as it grows
  std::vector<std::shared_ptr<const PluginOp>> ops;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string real_path(const std::string& path) {
  const std::string where = "loadOpLibrary";
  if (path.empty()) fail(ErrorKind::Type, where, "the path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(ErrorKind::Runtime, where, "no plugin library at '" + path + "'");
  if (!S_ISREG(st.st_mode)) fail(ErrorKind::Runtime, where, "'" + path + "' is not a regular file");
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) fail(ErrorKind::Runtime, where, "cannot resolve '" + path + "'");
  return buf;
}

std::string abi_words(uint32_t v) { return "ABI version " + std::to_string(v); }

}  // namespace

const PluginLibrary& load_library(const std::string& path_in) {
  const std::string path = real_path(path_in);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const PluginLibrary& lib : r.libraries)
    if (lib.path == path) return lib;  // loading the same file twice is a no-op

  const std::string where = "plugin " + path;
  ::dlerror();
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = ::dlerror();
    fail(ErrorKind::Runtime, where, std::string("cannot be loaded: ") + (e ? e : "dlopen failed"));
  }
  // From here on a failure closes the library again: nothing of it was registered.
  struct Closer {
    void* h;
    bool keep = false;
    ~Closer() {
      if (!keep) ::dlclose(h);
    }
  } closer{handle};

  ::dlerror();
  void* sym = ::dlsym(handle, DEEPSC_PLUGIN_ENTRY_SYMBOL);
  if (!sym)
    fail(ErrorKind::Runtime, where,
         "exports no '" DEEPSC_PLUGIN_ENTRY_SYMBOL "' function (define it with DEEPSC_PLUGIN_ENTRY from deepsc/plugin.h)");
  auto entry = reinterpret_cast<deepsc_plugin_entry_fn>(sym);
  const deepsc_plugin* desc = nullptr;
  guarded_call("plugin " + path, path, DEEPSC_PLUGIN_ENTRY_SYMBOL,
               [&](deepsc_error* err) { return entry(host(), &desc, err); });
  if (!desc) fail(ErrorKind::Runtime, where, DEEPSC_PLUGIN_ENTRY_SYMBOL " returned DEEPSC_OK but no plugin table");
  if (desc->abi_version != DEEPSC_PLUGIN_ABI_VERSION)
    fail(ErrorKind::Runtime, where,
         "was built for plugin " + abi_words(desc->abi_version) + " but this engine (" DEEPSC_VERSION ") has plugin " +
             abi_words(DEEPSC_PLUGIN_ABI_VERSION) + "; rebuild it against this engine's deepsc/plugin.h");
  if (desc->layout != DEEPSC_PLUGIN_LAYOUT)
    fail(ErrorKind::Runtime, where,
         "lays out the ABI's structs differently from this engine (layout " + std::to_string(desc->layout) + ", expected " +
             std::to_string(DEEPSC_PLUGIN_LAYOUT) + "); build it with a standard C or C++ compiler for this platform");
  if (desc->num_ops < 1 || !desc->ops) fail(ErrorKind::Type, where, "registers no ops");
  if (desc->num_ops > 4096) fail(ErrorKind::Type, where, "registers " + std::to_string(desc->num_ops) + " ops (at most 4096)");

  PluginLibrary lib;
  lib.path = path;
  lib.name = desc->name ? desc->name : path;
  const std::vector<std::string> builtins = op_names();
  for (int32_t i = 0; i < desc->num_ops; ++i) {
    std::shared_ptr<const PluginOp> op = validate_op(desc->ops[i], path);
    for (const std::string& b : builtins)
      if (b == op->name) fail(ErrorKind::Type, where, "op '" + op->name + "' has the name of a built-in op; choose another name");
    for (const auto& other : r.ops)
      if (other->name == op->name)
        fail(ErrorKind::Type, where, "op '" + op->name + "' is already registered by plugin " + other->library);
    for (const auto& mine : lib.ops)
      if (mine->name == op->name) fail(ErrorKind::Type, where, "registers op '" + op->name + "' twice");
    lib.ops.push_back(std::move(op));
  }
  closer.keep = true;
  r.ops.insert(r.ops.end(), lib.ops.begin(), lib.ops.end());
  r.libraries.push_back(std::move(lib));
  return r.libraries.back();
}

std::vector<const PluginLibrary*> libraries() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<const PluginLibrary*> v;
  for (const PluginLibrary& lib : r.libraries) v.push_back(&lib);
  return v;
}

std::shared_ptr<const PluginOp> find(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& op : r.ops)
    if (op->name == name) return op;
  return nullptr;
}

std::vector<std::string> names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> v;
  for (const auto& op : r.ops) v.push_back(op->name);
  return v;
}

}  // namespace deepsc::plugin
