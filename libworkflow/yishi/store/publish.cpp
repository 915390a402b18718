// Publishing: the canonical text of a definition (yaml::print) is what is hashed and kept.
#include "yishi/store/publish.hpp"

#include <fmt/format.h>

#include "yishi/base/hash.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/source/source_map.hpp"
#include "yishi/yaml/load.hpp"
#include "yishi/yaml/print.hpp"

namespace yishi {
namespace {

std::string first_error(const Diagnostics& d) {
  for (const Diagnostic& x : d.items())
    if (x.severity == Severity::error) return fmt::format("error[{}]: {}", code_string(x.code), x.message);
  return "the bundle does not compile";
}

}  // namespace

Result<Published, std::string> publish(Engine& engine, Store& store, ir::Bundle bundle) {
  const std::string hash = fmt::format("{:016x}", StableHash{}.add(yaml::print(bundle)).value());
  std::string version = bundle.version;
  bool clash = false;
  for (const StoredDefinition& d : store.definitions()) {
    if (d.bundle != bundle.id) continue;
    if (d.version == bundle.version && d.hash != hash) clash = true;
  }
  if (clash) version = fmt::format("{}+{}", bundle.version, hash.substr(0, 8));
  bundle.version = version;
  std::string source = yaml::print(bundle);
  auto compiled = compile(std::move(bundle));
  if (!compiled.compiled) return unexpected(first_error(compiled.diagnostics));
  const std::string id = compiled.compiled->bundle().id;
  // The engine first: a definition it refuses must not reach the store, where a restart would
  // deploy it.
  if (!engine.can_deploy(*compiled.compiled))
    return unexpected(fmt::format("the engine runs another definition of bundle `{}` version {}", id, version));
  const auto before = store.definitions().size();
  if (!store.put_definition({id, version, hash, std::move(source)}))
    return unexpected(fmt::format("bundle `{}` version {} holds another definition in the store", id, version));
  if (!engine.deploy(std::move(*compiled.compiled)))
    return unexpected(fmt::format("the engine runs another definition of bundle `{}` version {}", id, version));
  return Published{id, version, hash, store.definitions().size() > before};
}

std::size_t restore_definitions(Engine& engine, const Store& store) {
  std::size_t n = 0;
  for (const StoredDefinition& d : store.definitions()) {
    SourceMap sources;
    auto loaded = yaml::load_text(sources, fmt::format("<stored {} {}>", d.bundle, d.version), d.source);
    if (!loaded.bundle)
      throw StoreError(fmt::format("stored definition of `{}` version {} does not load: {}", d.bundle, d.version,
                                   first_error(loaded.diagnostics)));
    auto compiled = compile(std::move(*loaded.bundle));
    if (!compiled.compiled)
      throw StoreError(fmt::format("stored definition of `{}` version {} does not compile: {}", d.bundle, d.version,
                                   first_error(compiled.diagnostics)));
    if (!engine.deploy(std::move(*compiled.compiled)))
      throw StoreError(fmt::format("the engine runs another definition of `{}` version {}", d.bundle, d.version));
    ++n;
  }
  return n;
}

}  // namespace yishi
