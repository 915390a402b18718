// Publishing bundle definitions: every version kept in the store, by content hash, so that
// running cases stay on theirs, new cases take the latest, and a restarted engine can run
// cases of versions no longer in any file.
//
//   auto v1 = yishi::publish(engine, store, bundle);         // version "2024.1"
//   bundle.items[0].promised = {5, 0};
//   auto v2 = yishi::publish(engine, store, bundle);         // version "2024.1+3fa2c1d0"
//   engine.migrate(case_id, {"m-1", clerk, v2->version});    // a checked move, if wanted
//   ...
//   yishi::restore_definitions(other_engine, store);         // after a restart
#pragma once

#include <cstddef>
#include <string>

#include "yishi/base/result.hpp"
#include "yishi/ir/bundle.hpp"
#include "yishi/runtime/engine.hpp"
#include "yishi/runtime/store.hpp"

namespace yishi {

struct Published {
  std::string bundle;
  std::string version;  ///< the version cases of this definition carry
  std::string hash;     ///< content hash of the definition (its canonical YAML text)
  bool created = false; ///< false: this definition was published before
};

/// Publishes a definition to the store and deploys it in the engine, where it becomes the
/// latest version of its bundle (new cases take it). The version is the bundle's declared
/// `version` if no other definition holds it; a changed definition under a version already
/// published gets `VERSION+HASH` (the first 8 hex digits of its content hash). Publishing the
/// same definition again stores nothing new but makes it the latest again, in the store too
/// (a restarted engine agrees). Fails (with the first error), storing nothing, on a bundle
/// that does not compile or that the engine refuses (it runs another definition of that
/// version); throws StoreError on store failures.
[[nodiscard]] Result<Published, std::string> publish(Engine& engine, Store& store, ir::Bundle bundle);

/// Deploys in the engine every definition the store holds, in publication order (so the
/// latest published is the latest for new cases). Returns how many; throws StoreError when a
/// stored definition no longer loads or compiles.
std::size_t restore_definitions(Engine& engine, const Store& store);

}  // namespace yishi
