// Stores chosen by URL (docs/storage.md): `memory`, `sqlite:///cases.db`, `postgresql://…`.
#include <fmt/format.h>

#include "errors.hpp"

namespace yishi::python {
namespace {

void refuse(const py::dict& options, const char* key, const char* kind) {
  if (options.contains(key) && !options[key].is_none())
    throw py::value_error(fmt::format("`{}` does not apply to a {} store", key, kind));
}

template <class T>
std::optional<T> option(const py::dict& options, const char* key) {
  if (!options.contains(key) || options[key].is_none()) return std::nullopt;
  return options[key].cast<T>();
}

// The URL without a password (`postgresql://user:secret@host` → `postgresql://user:***@host`).
std::string shown_url(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  const auto colon = url.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

std::shared_ptr<PyStore> open_store(const std::string& url, const py::dict& options) {
  auto s = std::make_shared<PyStore>();
  s->url = url;
  if (url == "memory" || url == "memory:" || url == "memory://") {
    refuse(options, "durability", "memory");
    refuse(options, "snapshot_every", "memory");
    refuse(options, "schema", "memory");
    MemoryStoreOptions o;
    o.outbox = option<bool>(options, "outbox").value_or(false);
    s->kind = "memory";
    s->store = std::make_unique<MemoryStore>(o);
  } else if (url.starts_with("sqlite:")) {
    refuse(options, "schema", "SQLite");
    refuse(options, "outbox", "SQLite (its outbox is always on)");
    // As SQLAlchemy writes them: `sqlite:///cases.db` is relative, `sqlite:////tmp/cases.db`
    // absolute (the path is what follows the third slash).
    constexpr std::string_view scheme = "sqlite:///";
    const std::string path = url.starts_with(scheme) ? url.substr(scheme.size()) : std::string();
    if (path.empty())
      throw py::value_error(
          fmt::format("store `{}`: write `sqlite:///cases.db` (relative) or `sqlite:////path/to/cases.db` "
                      "(absolute)",
                      url));
    SqliteOptions o;
    if (auto d = option<std::string>(options, "durability")) {
      if (*d == "full")
        o.durability = Durability::full;
      else if (*d == "batched")
        o.durability = Durability::batched;
      else
        throw py::value_error(fmt::format("durability `{}`: use \"full\" or \"batched\"", *d));
    }
    if (auto n = option<std::uint64_t>(options, "snapshot_every")) o.snapshot_every = *n;
    s->kind = "sqlite";
    py::gil_scoped_release release;
    s->store = std::make_unique<SqliteStore>(path, o);
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    refuse(options, "durability", "PostgreSQL (every append is durable)");
    refuse(options, "outbox", "PostgreSQL (its outbox is always on)");
    PostgresOptions o;
    if (auto schema = option<std::string>(options, "schema")) o.schema = *schema;
    if (auto n = option<std::uint64_t>(options, "snapshot_every")) o.snapshot_every = *n;
    s->kind = "postgresql";
    py::gil_scoped_release release;
    s->store = std::make_unique<PostgresStore>(url, o);
  } else {
    throw py::value_error(
        fmt::format("store `{}`: use \"memory\", \"sqlite:///cases.db\" or \"postgresql://user@host:port/db\"", url));
  }
  return s;
}

std::shared_ptr<PyStore> store_of(py::handle h) {
  if (py::isinstance<PyStore>(h)) return h.cast<std::shared_ptr<PyStore>>();
  if (py::isinstance<py::str>(h)) return open_store(h.cast<std::string>(), py::dict());
  if (py::hasattr(h, "__fspath__"))  // a pathlib.Path: a SQLite file
    return open_store("sqlite:///" + py::str(py::module_::import("os").attr("fspath")(h)).cast<std::string>(),
                      py::dict());
  throw py::type_error(
      "`store` needs a URL (\"memory\", \"sqlite:///cases.db\", \"postgresql://…\"), a path or a yishi.Store");
}

void bind_store(py::module_& m) {
  py::class_<PyStore, std::shared_ptr<PyStore>> store(
      m, "Store",
      "Where cases live, chosen by URL: \"memory\" (not durable), \"sqlite:///cases.db\" (one file, the durable "
      "default; relative, or absolute with four slashes: \"sqlite:////var/lib/cases.db\"), "
      "\"postgresql://user@host:port/db\" (a libpq URI; several engine processes). Engines may "
      "share one Store; `Engine(store=URL)` opens one of its own.");
  public_name(store);
  store
      .def(py::init([](const std::string& url, const py::object& durability, const py::object& snapshot_every,
                       const py::object& schema, const py::object& outbox) {
             py::dict o;
             o["durability"] = durability;
             o["snapshot_every"] = snapshot_every;
             o["schema"] = schema;
             o["outbox"] = outbox;
             return open_store(url, o);
           }),
           py::arg("url") = "memory", py::kw_only(), py::arg("durability") = py::none(),
           py::arg("snapshot_every") = py::none(), py::arg("schema") = py::none(), py::arg("outbox") = py::none(),
           "Opens (creating if needed) the store of a URL. SQLite: `durability` \"full\" (default) or \"batched\" "
           "(group commit), `snapshot_every` events (default 64). PostgreSQL: `schema` (default \"yishi\"), "
           "`snapshot_every`. Memory: `outbox` (default False). Raises StoreError when it cannot be opened "
           "(not a yishi database, schema too new, server unreachable) and ValueError on an unknown URL.")
      .def_property_readonly(
          "url", [](const PyStore& s) { return shown_url(s.url); }, "The URL (a password masked).")
      .def_property_readonly(
          "kind", [](const PyStore& s) { return s.kind; }, "`memory`, `sqlite` or `postgresql`.")
      .def(
          "cases",
          [](const PyStore& s) {
            std::vector<CaseId> ids;
            {
              py::gil_scoped_release release;
              ids = s.store->cases();
            }
            py::list l;
            for (CaseId id : ids) l.append(id.value);
            return l;
          },
          "The ids of every case in the store, ascending.")
      .def(
          "definitions",
          [](const PyStore& s) {
            std::vector<StoredDefinition> defs;
            {
              py::gil_scoped_release release;
              defs = s.store->definitions();
            }
            py::list l;
            for (const auto& d : defs) {
              py::dict v;
              v["bundle"] = d.bundle;
              v["version"] = d.version;
              v["hash"] = d.hash;
              l.append(v);
            }
            return l;
          },
          "The published definitions (Engine.publish), in publication order: dicts {bundle, version, hash}.")
      .def(
          "sync",
          [](PyStore& s) {
            py::gil_scoped_release release;
            s.store->sync();
          },
          "Returns once every append made before the call is durable (a batched SQLite store commits its batch).")
      .def("__repr__", [](const PyStore& s) { return fmt::format("<yishi.Store {}>", shown_url(s.url)); });
}

}  // namespace yishi::python
