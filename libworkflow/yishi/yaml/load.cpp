// YAML → IR. yaml-cpp parses; this file validates shape and keys and records spans.
#include "yishi/yaml/load.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "yishi/base/text.hpp"
#include "yishi/yaml/internal/document.hpp"

namespace yishi::yaml {
namespace {

using Keys = std::initializer_list<std::string_view>;

// One entry of a YAML map with its key text and nodes.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// Wraps the parsed document: computes spans from the raw text and reports shape errors.
class Reader {
 public:
  Reader(SourceId src, const SourceFile& file, Diagnostics& diags, const LoadOptions& opts)
      : src_(src), file_(file), diags_(diags), opts_(opts) {}

  // The span of a node: from its mark to the end of its scalar text (or one character for
  // collections). yaml-cpp only reports start marks, so the end is found in the source.
  SourceSpan span(const YAML::Node& n) const {
    const auto mark = n.Mark();
    if (mark.pos < 0) return {src_, 0, 0};
    const auto& t = file_.text();
    const auto b = static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(mark.pos), t.size()));
    if (n.IsNull() && !written_null(b)) {
      const std::uint32_t at = before_empty_value(b);
      return {src_, at, std::min<std::uint32_t>(at + 1, static_cast<std::uint32_t>(t.size()))};
    }
    return {src_, b, scalar_end(b, n)};
  }

  // Where the value text of a scalar starts (after an opening quote).
  std::uint32_t content_begin(const YAML::Node& n) const {
    const SourceSpan s = span(n);
    const auto& t = file_.text();
    if (s.begin < t.size() && (t[s.begin] == '"' || t[s.begin] == '\'')) return s.begin + 1;
    return s.begin;
  }

  static std::string_view kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map: return "a map";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Scalar: return "text";
      default: return "nothing";
    }
  }

  void error(DiagCode code, const YAML::Node& at, std::string msg, std::string label = {}, std::string help = {}) {
    auto d = Diagnostic::make(code, span(at), std::move(msg));
    d.label_text = std::move(label);
    d.help = std::move(help);
    diags_.add(std::move(d));
  }

  void wrong_kind(const YAML::Node& n, std::string_view what, std::string_view expected) {
    error(DiagCode::wrong_type, n, fmt::format("expected {} for {}, found {}", expected, what, kind(n)));
  }

  bool too_many(const YAML::Node& n, std::string_view what) {
    if (n.size() <= opts_.max_entries) return false;
    error(DiagCode::too_many_entries, n,
          fmt::format("{} has {} entries, more than the limit of {}", what, n.size(), opts_.max_entries));
    return true;
  }

  // The entries of a map, checked against the allowed keys; unknown and duplicate keys and
  // missing required keys are reported. Returns nullopt when `n` is not a map.
  std::optional<std::vector<Entry>> entries(const YAML::Node& n, std::string_view what, Keys allowed,
                                            Keys required) {
    if (!n.IsMap()) {
      wrong_kind(n, what, "a map");
      return std::nullopt;
    }
    if (too_many(n, what)) return std::nullopt;
    std::vector<Entry> out;
    std::unordered_map<std::string, YAML::Node> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        wrong_kind(it->first, fmt::format("a key in {}", what), "text");
        continue;
      }
      std::string key = it->first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::vector<std::string_view> cands(allowed.begin(), allowed.end());
        auto best = text::closest_match(key, cands);
        error(DiagCode::unknown_key, it->first, fmt::format("unknown key `{}` in {}", key, what), "not a known key",
              best ? fmt::format("did you mean `{}`?", *best)
                   : fmt::format("known keys here: {}", fmt::join(cands, ", ")));
        continue;
      }
      if (auto prev = seen.find(key); prev != seen.end()) {
        auto d = Diagnostic::make(DiagCode::duplicate_key, span(it->first),
                                  fmt::format("key `{}` appears twice in {}", key, what))
                     .label("second occurrence")
                     .also(span(prev->second), "first occurrence");
        diags_.add(std::move(d));
        continue;
      }
      seen.emplace(key, it->first);
      out.push_back({std::move(key), it->first, it->second});
    }
    for (auto r : required) {
      if (!seen.count(std::string(r)))
        error(DiagCode::missing_key, n, fmt::format("missing required key `{}` in {}", r, what),
              fmt::format("add `{}:` here", r));
    }
    return out;
  }

  // Entries of an id-keyed map (departments, fields, …): keys are checked as ids.
  std::vector<Entry> id_map(const YAML::Node& n, std::string_view what, bool field_paths = false) {
    std::vector<Entry> out;
    if (n.IsNull()) return out;
    if (!n.IsMap()) {
      wrong_kind(n, what, "a map from id to definition");
      return out;
    }
    if (too_many(n, what)) return out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        wrong_kind(it->first, fmt::format("an id in {}", what), "text");
        continue;
      }
      std::string key = it->first.Scalar();
      if (!check_id(it->first, key, field_paths)) continue;
      out.push_back({std::move(key), it->first, it->second});
    }
    return out;
  }

  bool check_id(const YAML::Node& at, std::string_view id, bool field_path) {
    const bool ok = field_path ? ir::is_valid_field_path(id) : ir::is_valid_id(id);
    if (!ok)
      error(DiagCode::invalid_id, at, fmt::format("`{}` is not a valid {}", id, field_path ? "field id" : "id"),
            "invalid identifier", std::string(ir::id_rule(field_path)));
    return ok;
  }

  std::optional<std::string> str(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      wrong_kind(n, what, "text");
      return std::nullopt;
    }
    return n.Scalar();
  }

  // Text that must say something: names and labels shown to people.
  std::optional<std::string> name(const YAML::Node& n, std::string_view what) {
    auto s = str(n, what);
    if (s && s->find_first_not_of(" \t") == std::string::npos) {
      error(DiagCode::invalid_value, n, fmt::format("{} is empty", what), "empty text",
            "write the name people will see, e.g. `开办餐饮店一件事`");
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::string> id(const YAML::Node& n, std::string_view what, bool field_path = false) {
    auto s = str(n, what);
    if (s && !check_id(n, *s, field_path)) return std::nullopt;
    return s;
  }

  // An expression (docs/language.md) written as a YAML scalar; its location covers the text.
  // `exact` tells whether the text is a verbatim copy of the source (no escapes or folding),
  // so that later errors can point inside it.
  std::optional<ir::Expression> expression(const YAML::Node& n, std::string_view what) {
    auto s = str(n, what);
    if (!s) return std::nullopt;
    if (s->find_first_not_of(" \t\n") == std::string::npos) {
      error(DiagCode::invalid_value, n, fmt::format("{} is empty", what), "no expression",
            "write a condition, e.g. `premises.area_m2 >= 50`");
      return std::nullopt;
    }
    ir::Expression e;
    e.text = std::move(*s);
    const std::uint32_t begin = content_begin(n);
    const auto& t = file_.text();
    e.exact = begin + e.text.size() <= t.size() && std::string_view(t).substr(begin, e.text.size()) == e.text;
    // Not exact (escapes, folded lines): the whole written value, quotes included.
    e.loc = {e.exact ? SourceSpan{src_, begin, begin + static_cast<std::uint32_t>(e.text.size())} : span(n)};
    return e;
  }

  std::optional<ir::Ref> ref(const YAML::Node& n, std::string_view what, bool field_path = false) {
    auto s = id(n, what, field_path);
    if (!s) return std::nullopt;
    return ir::Ref{std::move(*s), {span(n)}};
  }

  // A scalar or a list of scalars, as references.
  std::vector<ir::Ref> refs(const YAML::Node& n, std::string_view what) {
    std::vector<ir::Ref> out;
    if (n.IsScalar()) {
      if (auto r = ref(n, what)) out.push_back(std::move(*r));
    } else if (n.IsSequence()) {
      if (too_many(n, what)) return out;
      for (const auto& e : n)
        if (auto r = ref(e, what)) out.push_back(std::move(*r));
    } else if (!n.IsNull()) {
      wrong_kind(n, what, "an id or a list of ids");
    }
    return out;
  }

  std::optional<bool> boolean(const YAML::Node& n, std::string_view what) {
    auto s = str(n, what);
    if (!s) return std::nullopt;
    if (*s == "true") return true;
    if (*s == "false") return false;
    error(DiagCode::invalid_value, n, fmt::format("expected `true` or `false` for {}, found `{}`", what, *s));
    return std::nullopt;
  }

  std::optional<std::int64_t> integer(const YAML::Node& n, std::string_view what, std::int64_t lo, std::int64_t hi) {
    auto s = str(n, what);
    if (!s) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size()) {
      error(DiagCode::invalid_value, n, fmt::format("expected a whole number for {}, found `{}`", what, *s));
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      error(DiagCode::invalid_value, n, fmt::format("{} must be between {} and {}, found {}", what, lo, hi, v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> number(const YAML::Node& n, std::string_view what) {
    auto s = str(n, what);
    if (!s) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc{} || p != s->data() + s->size() || !std::isfinite(v)) {
      error(DiagCode::invalid_value, n, fmt::format("expected a number for {}, found `{}`", what, *s));
      return std::nullopt;
    }
    return v;
  }

  // `15wd`, `4wh`, `1wd4wh`: working days and working hours.
  std::optional<ir::WorkDuration> duration(const YAML::Node& n, std::string_view what) {
    auto s = str(n, what);
    if (!s) return std::nullopt;
    std::string_view v = *s;
    ir::WorkDuration d;
    bool any = false, ok = true;
    auto take = [&](std::string_view unit, std::int32_t& out) {
      std::size_t i = 0;
      while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
      if (i == 0 || i > 5 || v.substr(i, unit.size()) != unit) return;
      std::from_chars(v.data(), v.data() + i, out);
      v.remove_prefix(i + unit.size());
      any = true;
    };
    take("wd", d.days);
    take("wh", d.hours);
    if (!any || !v.empty()) ok = false;
    if (!ok) {
      const bool bare = !s->empty() && std::all_of(s->begin(), s->end(), [](char c) { return c >= '0' && c <= '9'; });
      error(DiagCode::invalid_value, n, fmt::format("invalid duration `{}` for {}", *s, what), "not a duration",
            bare ? fmt::format("limits count working days: write `{}wd`", *s)
                 : "write working days as `15wd`, working hours as `4wh`, or both as `1wd4wh`");
      return std::nullopt;
    }
    return d;
  }

  // A fee in yuan with at most two decimals, stored in fen.
  std::optional<std::int64_t> fee(const YAML::Node& n) {
    auto s = str(n, "`fee`");
    if (!s) return std::nullopt;
    auto f = ir::parse_fee(*s);
    if (!f)
      error(DiagCode::invalid_value, n, fmt::format("invalid fee `{}`", *s), "not an amount",
            "write the fee in yuan with at most two decimals, e.g. `0` or `12.50`");
    return f;
  }

  SourceId source() const { return src_; }

 private:
  // Whether a null value is written (`~`, `null`) at b, rather than left out (`key:`).
  bool written_null(std::uint32_t b) const {
    const std::string_view rest = std::string_view(file_.text()).substr(b);
    for (std::string_view w : {"~", "null", "Null", "NULL"})
      if (rest.substr(0, w.size()) == w) return true;
    return false;
  }

  // A value left out (`key:` then nothing) has yaml-cpp's position of the next token, often
  // on a later line: the last character written before b instead (the key's `:` or the
  // list's `-`), past blank lines, comment lines and a trailing comment.
  std::uint32_t before_empty_value(std::uint32_t b) const {
    const std::string_view t = file_.text();
    std::uint32_t i = b;
    for (;;) {
      while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '\n' || t[i - 1] == '\r')) --i;
      if (i == 0) return b;
      const auto nl = t.rfind('\n', i - 1);
      const std::uint32_t line = nl == std::string_view::npos ? 0 : static_cast<std::uint32_t>(nl + 1);
      std::string_view content = t.substr(line, i - line);
      const auto first = content.find_first_not_of(" \t");
      if (content[first] == '#') {  // a comment line
        i = line;
        continue;
      }
      if (const auto hash = content.find(" #"); hash != std::string_view::npos) {
        content = content.substr(0, hash);
        while (!content.empty() && (content.back() == ' ' || content.back() == '\t')) content.remove_suffix(1);
      }
      return line + static_cast<std::uint32_t>(content.size()) - 1;
    }
  }

  std::uint32_t scalar_end(std::uint32_t b, const YAML::Node& n) const {
    const auto& t = file_.text();
    const auto size = static_cast<std::uint32_t>(t.size());
    if (b >= size) return b;
    auto line_end = [&](std::uint32_t from) {
      while (from < size && t[from] != '\n' && t[from] != '\r') ++from;
      return from;
    };
    const char c = t[b];
    if (!n.IsScalar() || c == '|' || c == '>') return std::min(b + 1, size);
    if (c == '"' || c == '\'') {
      for (std::uint32_t i = b + 1; i < size; ++i) {
        if (c == '"' && t[i] == '\\') { ++i; continue; }
        if (t[i] == c) {
          if (c == '\'' && i + 1 < size && t[i + 1] == '\'') { ++i; continue; }
          return i + 1;
        }
      }
      return line_end(b);
    }
    // A plain scalar: its text appears verbatim when it fits on one line.
    const std::string& v = n.Scalar();
    if (!v.empty() && t.compare(b, v.size(), v) == 0) return b + static_cast<std::uint32_t>(v.size());
    std::uint32_t e = line_end(b);
    while (e > b && (t[e - 1] == ' ')) --e;
    return e;
  }

  SourceId src_;
  const SourceFile& file_;
  Diagnostics& diags_;
  const LoadOptions& opts_;

 public:
  [[nodiscard]] const LoadOptions& options() const noexcept { return opts_; }
  [[nodiscard]] const SourceFile& file() const noexcept { return file_; }
  [[nodiscard]] Diagnostics& diagnostics() noexcept { return diags_; }
};

// ---------------------------------------------------------------------------------------
// The bundle format, one function per kind of node.


class BundleLoader {
 public:
  explicit BundleLoader(Reader& r) : r_(r) {}

 private:
  bool variant_ = false;  ///< loading a local variant: entries may override the base's

 public:

  std::optional<ir::Bundle> bundle(const YAML::Node& root) {
    // A copy (a handle to the same node): `it->second` lives only as long as the iterator
    // (tests/regress/yaml-extends-node-outlives-its-iterator).
    std::optional<YAML::Node> extends;
    if (root.IsMap())
      for (auto it = root.begin(); it != root.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == "extends") extends = it->second;
    auto es = extends ? r_.entries(root, "the variant",
                                   {"bundle", "extends", "remove", "name", "version", "applicant", "lead", "apply",
                                    "delivery", "basis", "departments", "fields", "materials", "situations",
                                    "eligibility", "tables", "items", "stages"},
                                   {"bundle", "version"})
                      : r_.entries(root, "the bundle",
                                   {"bundle", "name", "version", "applicant", "lead", "apply", "delivery", "basis",
                                    "departments", "fields", "materials", "situations", "eligibility", "tables",
                                    "items", "stages"},
                                   {"bundle", "name", "version", "lead", "departments", "items"});
    if (!es) return std::nullopt;
    ir::Bundle b;
    if (extends) {
      auto base = load_base(*extends);
      if (!base) return std::nullopt;
      b = std::move(*base);
      variant_ = true;
    }
    b.loc = {r_.span(root)};
    const YAML::Node* removals = nullptr;
    for (auto& e : *es) {
      const auto& v = e.value;
      if (e.key == "extends") {
        continue;
      } else if (e.key == "remove") {
        removals = &e.value;
      } else if (e.key == "bundle") {
        if (auto s = r_.id(v, "`bundle`")) { b.id = *s; b.loc = {r_.span(v)}; }
      } else if (e.key == "name") {
        assign(b.name, r_.name(v, "`name`"));
      } else if (e.key == "version") {
        assign(b.version, r_.str(v, "`version`"));
      } else if (e.key == "applicant") {
        if (auto s = r_.str(v, "`applicant`")) {
          if (*s == "enterprise") b.applicant = ir::ApplicantKind::enterprise;
          else if (*s == "individual") b.applicant = ir::ApplicantKind::individual;
          else r_.error(DiagCode::invalid_value, v, fmt::format("unknown applicant kind `{}`", *s), "",
                        "use `enterprise` (经营主体) or `individual` (个人)");
        }
      } else if (e.key == "lead") {
        if (auto rf = r_.ref(v, "`lead`")) b.lead = *rf;
      } else if (e.key == "apply") {
        if (auto c = channel(v, "`apply`", false)) b.apply = *c;
      } else if (e.key == "delivery") {
        if (auto c = channel(v, "`delivery`", true)) b.delivery = *c;
      } else if (e.key == "basis") {
        assign(b.basis, r_.str(v, "`basis`"));
      } else if (e.key == "departments") {
        for (auto& d : r_.id_map(v, "`departments`")) department(b, d);
      } else if (e.key == "fields") {
        for (auto& f : r_.id_map(v, "`fields`", true))
          if (auto fd = field(f.key, f.key_node, f.value)) put(b, b.fields, std::move(*fd), "field", f);
      } else if (e.key == "materials") {
        for (auto& m : r_.id_map(v, "`materials`")) material(b, m);
      } else if (e.key == "situations") {
        for (auto& s : r_.id_map(v, "`situations`")) situation(b, s);
      } else if (e.key == "eligibility") {
        eligibility(b, v);
      } else if (e.key == "tables") {
        for (auto& t : r_.id_map(v, "`tables`")) table(b, t);
      } else if (e.key == "items") {
        for (auto& i : r_.id_map(v, "`items`")) item(b, i);
      } else if (e.key == "stages") {
        stages(b, v);
      }
      if (variant_ && (e.key == "name" || e.key == "applicant" || e.key == "lead" || e.key == "apply" ||
                       e.key == "delivery" || e.key == "basis" || e.key == "eligibility" || e.key == "stages"))
        changed(b, ir::VariantChange::Kind::overridden, "bundle", b.id, e.key_node, {e.key});
    }
    if (removals) remove(b, *removals);
    return b;
  }

  // ---- local variants (`extends:`) -------------------------------------------------------

  /// Loads the base a variant extends, relative to the variant's folder.
  std::optional<ir::Bundle> load_base(const YAML::Node& n) {
    auto path = r_.str(n, "`extends`");
    if (!path) return std::nullopt;
    if (!r_.options().load_base) {
      r_.error(DiagCode::invalid_value, n, "`extends` is not available here", "a variant needs its base loaded",
               "load the file with yishi::load_bundle_file (or `yishi check`), which loads bases");
      return std::nullopt;
    }
    const std::filesystem::path here = std::filesystem::path(r_.file().name()).parent_path();
    const std::string resolved = (here / *path).lexically_normal().string();
    ir::LoadResult base = r_.options().load_base(resolved);
    r_.diagnostics().append(std::move(base.diagnostics));
    if (!base.bundle) {
      r_.error(DiagCode::io_error, n, fmt::format("the base bundle `{}` does not load", *path),
               "the bundle this variant extends", "fix the errors reported in the base file first");
      return std::nullopt;
    }
    ir::Bundle b = std::move(*base.bundle);
    ir::Provenance p;
    p.base_path = *path;
    p.base_id = b.id;
    p.base_version = b.version;
    p.loc = {r_.span(n)};
    b.provenance = std::move(p);  // a variant of a variant names its nearest base
    return b;
  }

  void changed(ir::Bundle& b, ir::VariantChange::Kind kind, std::string what, std::string id, const YAML::Node& at,
               std::vector<std::string> keys = {}) {
    if (!variant_) return;
    b.provenance.changes.push_back({kind, std::move(what), std::move(id), std::move(keys), {r_.span(at)}});
  }

  /// Puts an entry of an id-keyed section in place: over the base's entry of the same id
  /// (recorded as overridden), or at the end (recorded as added when in a variant).
  template <class T>
  void put(ir::Bundle& b, std::vector<T>& list, T entry, std::string_view what, const Entry& e) {
    auto it = std::find_if(list.begin(), list.end(), [&](const T& x) { return x.id == entry.id; });
    if (it != list.end() && variant_) {
      *it = std::move(entry);
      changed(b, ir::VariantChange::Kind::overridden, std::string(what), e.key, e.key_node, keys_of(e.value));
      return;
    }
    list.push_back(std::move(entry));
    changed(b, ir::VariantChange::Kind::added, std::string(what), e.key, e.key_node);
  }

  static std::vector<std::string> keys_of(const YAML::Node& n) {
    std::vector<std::string> out;
    if (n.IsMap())
      for (auto it = n.begin(); it != n.end(); ++it)
        if (it->first.IsScalar()) out.push_back(it->first.Scalar());
    return out;
  }

  /// `remove: {items: [..], materials: [..], fields: [..], situations: [..], departments: [..]}`.
  void remove(ir::Bundle& b, const YAML::Node& n) {
    auto es = r_.entries(n, "`remove`", {"items", "materials", "fields", "situations", "departments"}, {});
    if (!es) return;
    struct Removed {
      std::string what, id;
      YAML::Node at;
    };
    std::vector<Removed> removed;
    for (auto& x : *es) {
      const std::string what = x.key.substr(0, x.key.size() - 1);  // `items` → `item`
      list(x.value, fmt::format("`remove: {}`", x.key), [&](const YAML::Node& v) {
        auto id = r_.id(v, fmt::format("an id under `remove: {}`", x.key), x.key == "fields");
        if (!id) return;
        const bool gone = x.key == "items"         ? erase(b.items, *id, v, what)
                          : x.key == "materials"   ? erase(b.materials, *id, v, what)
                          : x.key == "fields"      ? erase(b.fields, *id, v, what)
                          : x.key == "situations"  ? erase(b.situations, *id, v, what)
                                                   : erase(b.departments, *id, v, what);
        if (!gone) return;
        changed(b, ir::VariantChange::Kind::removed, what, *id, v);
        removed.push_back({what, *id, v});
      });
    }
    for (const Removed& r : removed) still_used(b, r.what, r.id, r.at);
  }

  template <class T>
  bool erase(std::vector<T>& list, const std::string& id, const YAML::Node& at, const std::string& what) {
    auto it = std::find_if(list.begin(), list.end(), [&](const T& x) { return x.id == id; });
    if (it != list.end()) {
      list.erase(it);
      return true;
    }
    std::vector<std::string_view> ids;
    for (const T& x : list) ids.push_back(x.id);
    auto best = text::closest_match(id, ids);
    r_.error(DiagCode::variant_names_nothing, at, fmt::format("the base has no {} `{}` to remove", what, id),
             "names nothing in the base", best ? fmt::format("did you mean `{}`?", *best) : std::string{});
    return false;
  }

  /// E1014: what a removal leaves dangling, with a label at each use (base file or variant).
  void still_used(const ir::Bundle& b, const std::string& what, const std::string& id, const YAML::Node& at) {
    std::vector<SourceSpan> uses;
    const auto use = [&](const ir::Ref& r) {
      if (r.id == id) uses.push_back(r.loc.span);
    };
    for (const ir::Item& it : b.items) {
      if (what == "item") for (const ir::Ref& r : it.after) use(r);
      if (what == "material") for (const ir::MaterialUse& m : it.materials) use(m.material);
      if (what == "field") for (const ir::FormEntry& f : it.form) use(f.field);
      if (what == "department") use(it.department);
    }
    if (what == "department") use(b.lead);
    if (uses.empty()) return;
    auto d = Diagnostic::make(DiagCode::variant_removal_in_use, r_.span(at),
                              fmt::format("{} `{}` is removed but still used", what, id))
                 .label("removed here");
    for (const SourceSpan& sp : uses) {
      Diagnostic labelled = std::move(d).also(sp, "still used here");  // also() returns d itself
      d = std::move(labelled);
    }
    r_.diagnostics().add(std::move(d));
  }

 private:
  static void assign(std::string& to, std::optional<std::string> v) {
    if (v) to = std::move(*v);
  }

  // `online` or `window`; for a delivery also `mail`.
  std::optional<ir::Channel> channel(const YAML::Node& n, std::string_view what, bool delivery) {
    auto s = r_.str(n, what);
    if (!s) return std::nullopt;
    auto c = ir::parse_channel(*s);
    if (c && (delivery || *c != ir::Channel::mail)) return c;
    r_.error(DiagCode::invalid_value, n, fmt::format("unknown channel `{}` for {}", *s, what), "not a channel",
             delivery ? "use `online`, `window` or `mail`" : "use `online` (一网通办) or `window` (一窗受理)");
    return std::nullopt;
  }

  void department(ir::Bundle& b, const Entry& e) {
    ir::Department d;
    d.id = e.key;
    d.loc = {r_.span(e.key_node)};
    if (e.value.IsScalar()) {
      assign(d.name, r_.name(e.value, fmt::format("the name of department `{}`", e.key)));
    } else if (auto es = r_.entries(e.value, fmt::format("department `{}`", e.key), {"name", "basis"}, {"name"})) {
      for (auto& x : *es) {
        if (x.key == "name") assign(d.name, r_.name(x.value, "`name`"));
        else assign(d.basis, r_.str(x.value, "`basis`"));
      }
    }
    put(b, b.departments, std::move(d), "department", e);
  }

  // A field definition: in the dictionary, or inline in a form (then it also has `id`).
  std::optional<ir::Field> field(const std::string& id, const YAML::Node& at, const YAML::Node& v,
                                 bool inline_definition = false) {
    const std::string what = fmt::format("field `{}`", id);
    auto es = inline_definition
                  ? r_.entries(v, what,
                               {"id", "type", "label", "values", "multiple", "sensitive", "required", "min", "max",
                                "min_length", "max_length", "pattern", "help", "source"},
                               {"id", "type", "label"})
                  : r_.entries(v, what,
                               {"type", "label", "values", "multiple", "sensitive", "required", "min", "max",
                                "min_length", "max_length", "pattern", "help", "source"},
                               {"type", "label"});
    if (!es) return std::nullopt;
    ir::Field f;
    f.id = id;
    f.loc = {r_.span(at)};
    std::optional<bool> sensitive;
    for (auto& x : *es) {
      const auto& n = x.value;
      if (x.key == "type") {
        if (auto s = r_.str(n, "`type`")) {
          if (auto t = ir::parse_field_type(*s)) {
            f.type = *t;
          } else {
            static constexpr std::string_view names[] = {"string", "int",     "decimal", "bool",    "date",
                                                         "enum",   "id_card", "phone",   "address", "attachment"};
            auto best = text::closest_match(*s, names);
            r_.error(DiagCode::invalid_value, n, fmt::format("unknown field type `{}`", *s), "not a field type",
                     best ? fmt::format("did you mean `{}`?", *best)
                          : "types: string, int, decimal, bool, date, enum, id_card, phone, address, attachment");
          }
        }
      } else if (x.key == "label") {
        assign(f.label, r_.name(n, "`label`"));
      } else if (x.key == "values") {
        f.values_loc = {r_.span(x.key_node)};
        if (!n.IsSequence()) {
          r_.wrong_kind(n, "`values`", "a list");
        } else if (!r_.too_many(n, "`values`")) {
          for (const auto& e : n)
            if (auto s = r_.str(e, "an enum value")) f.values.push_back(*s);
        }
      } else if (x.key == "multiple") {
        if (auto bv = r_.boolean(n, "`multiple`")) f.multiple = *bv;
      } else if (x.key == "sensitive") {
        sensitive = r_.boolean(n, "`sensitive`");
      } else if (x.key == "required") {
        if (auto bv = r_.boolean(n, "`required`")) f.constraints.required = *bv;
      } else if (x.key == "min") {
        f.constraints.min = r_.number(n, "`min`");
        f.constraints.min_loc = {r_.span(x.key_node)};
      } else if (x.key == "max") {
        f.constraints.max = r_.number(n, "`max`");
        f.constraints.max_loc = {r_.span(x.key_node)};
      } else if (x.key == "min_length") {
        f.constraints.min_length = r_.integer(n, "`min_length`", 0, 1'000'000);
        f.constraints.min_length_loc = {r_.span(x.key_node)};
      } else if (x.key == "max_length") {
        f.constraints.max_length = r_.integer(n, "`max_length`", 0, 1'000'000);
        f.constraints.max_length_loc = {r_.span(x.key_node)};
      } else if (x.key == "pattern") {
        f.constraints.pattern = r_.str(n, "`pattern`");
        f.constraints.pattern_loc = {r_.span(n)};
      } else if (x.key == "help") {
        assign(f.help, r_.str(n, "`help`"));
      } else if (x.key == "source") {
        if (auto src = r_.id(n, "`source`")) f.source = *src;
      }
    }
    f.sensitive = sensitive.value_or(ir::sensitive_by_default(f.type));
    return f;
  }

  void material(ir::Bundle& b, const Entry& e) {
    ir::Material m;
    m.id = e.key;
    m.loc = {r_.span(e.key_node)};
    if (e.value.IsScalar()) {
      assign(m.name, r_.name(e.value, fmt::format("the name of material `{}`", e.key)));
    } else if (YAML::Node issue_node; auto es = r_.entries(e.value, fmt::format("material `{}`", e.key),
                                    {"name", "deferrable", "issue_before_supply", "source", "pledge", "basis"},
                                    {"name"})) {
      for (auto& x : *es) {
        if (x.key == "name") assign(m.name, r_.name(x.value, "`name`"));
        else if (x.key == "deferrable") {
          m.deferrable = r_.duration(x.value, "`deferrable`");
          // (d) a deferral of no time is no deferral: the material would lapse at acceptance.
          if (m.deferrable && m.deferrable->days == 0 && m.deferrable->hours == 0) {
            r_.error(DiagCode::invalid_value, x.value, "a deferral needs a supply deadline of at least `1wh`",
                     "no time to supply", "give the supply deadline, e.g. `5wd`, or drop `deferrable`");
            m.deferrable.reset();
          }
        }
        else if (x.key == "issue_before_supply") {
          if (auto bv = r_.boolean(x.value, "`issue_before_supply`")) m.issue_before_supply = *bv;
          if (m.issue_before_supply) issue_node = x.value;
        }
        else if (x.key == "source") { if (auto s = r_.id(x.value, "`source`")) m.source = *s; }
        else if (x.key == "pledge") { if (auto bv = r_.boolean(x.value, "`pledge`")) m.pledge = *bv; }
        else assign(m.basis, r_.str(x.value, "`basis`"));
      }
      if (m.issue_before_supply && !m.deferrable) {
        r_.error(DiagCode::invalid_value, issue_node, "`issue_before_supply` applies only to a deferrable material",
                 "the material is not deferrable", "add `deferrable: 3wd` (for instance) or drop this key");
        m.issue_before_supply = false;
      }
    }
    put(b, b.materials, std::move(m), "material", e);
  }

  void situation(ir::Bundle& b, const Entry& e) {
    ir::Situation s;
    s.id = e.key;
    s.loc = {r_.span(e.key_node)};
    auto set_condition = [&](const YAML::Node& n) {
      if (auto x = r_.expression(n, "a situation's condition")) s.condition = std::move(*x);
    };
    if (e.value.IsScalar()) {
      set_condition(e.value);
    } else if (auto es = r_.entries(e.value, fmt::format("situation `{}`", e.key), {"label", "when", "basis"},
                                    {"when"})) {
      for (auto& x : *es) {
        if (x.key == "label") assign(s.label, r_.str(x.value, "`label`"));
        else if (x.key == "when") set_condition(x.value);
        else assign(s.basis, r_.str(x.value, "`basis`"));
      }
    }
    put(b, b.situations, std::move(s), "situation", e);
  }

  // `eligibility:` a list of conditions, each a scalar or `{when, label}`.
  void eligibility(ir::Bundle& b, const YAML::Node& n) {
    list(n, "`eligibility`", [&](const YAML::Node& c) {
      ir::Eligibility el;
      el.loc = {r_.span(c)};
      if (c.IsScalar()) {
        if (auto x = r_.expression(c, "an eligibility condition")) el.condition = std::move(*x);
        else return;
      } else if (auto es = r_.entries(c, "an eligibility condition", {"when", "label"}, {"when"})) {
        bool ok = false;
        for (auto& x : *es) {
          if (x.key == "when") {
            if (auto ex = r_.expression(x.value, "an eligibility condition")) el.condition = std::move(*ex), ok = true;
          } else {
            assign(el.label, r_.name(x.value, "`label`"));
          }
        }
        if (!ok) return;
      } else {
        return;
      }
      b.eligibility.push_back(std::move(el));
    });
  }

  // `when: large_venue`, `when: not large_venue and x > 3`, or a list of such conditions
  // (all must hold).
  std::vector<ir::Expression> when(const YAML::Node& n) {
    std::vector<ir::Expression> out;
    list(n, "`when`", [&](const YAML::Node& t) {
      if (auto x = r_.expression(t, "a `when` condition")) out.push_back(std::move(*x));
    });
    return out;
  }

  // A table column: `name: {type, label, values}` or `name: type`.
  std::optional<ir::TableColumn> column(const Entry& e, std::string_view what) {
    ir::TableColumn c;
    c.name = e.key;
    c.loc = {r_.span(e.key_node)};
    auto type_of = [&](const YAML::Node& n) {
      if (auto s = r_.str(n, "`type`")) {
        if (auto t = ir::parse_field_type(*s)) c.type = *t;
        else r_.error(DiagCode::invalid_value, n, fmt::format("unknown column type `{}`", *s), "not a type",
                      "tables take int, decimal, string, bool, date or enum");
      }
    };
    if (e.value.IsScalar()) {
      type_of(e.value);
      return c;
    }
    auto es = r_.entries(e.value, fmt::format("{} `{}`", what, e.key), {"type", "label", "values"}, {"type"});
    if (!es) return std::nullopt;
    for (auto& x : *es) {
      if (x.key == "type") type_of(x.value);
      else if (x.key == "label") assign(c.label, r_.str(x.value, "`label`"));
      else if (x.value.IsSequence()) {
        if (r_.too_many(x.value, "`values`")) continue;
        for (const auto& v : x.value)
          if (auto sv = r_.str(v, "a value")) c.values.push_back(*sv);
      } else {
        r_.wrong_kind(x.value, "`values`", "a list");
      }
    }
    return c;
  }

  // A list of cells: each a scalar expression.
  std::vector<ir::Expression> cells(const YAML::Node& n, std::string_view what) {
    std::vector<ir::Expression> out;
    list(n, what, [&](const YAML::Node& c) {
      if (auto x = r_.expression(c, "a cell")) out.push_back(std::move(*x));
    });
    return out;
  }

  void table(ir::Bundle& b, const Entry& e) {
    ir::DecisionTable t;
    t.id = e.key;
    t.loc = {r_.span(e.key_node)};
    t.hit_loc = t.loc;
    auto es = r_.entries(e.value, fmt::format("table `{}`", e.key),
                         {"label", "hit", "aggregation", "inputs", "outputs", "rules", "default", "basis"},
                         {"outputs", "rules"});
    if (!es) return;
    YAML::Node rules_node;  // read last: a flat rule is split by the number of inputs
    for (auto& x : *es) {
      const auto& v = x.value;
      if (x.key == "label") assign(t.label, r_.str(v, "`label`"));
      else if (x.key == "basis") assign(t.basis, r_.str(v, "`basis`"));
      else if (x.key == "hit") {
        if (auto s = r_.str(v, "`hit`")) {
          t.hit_loc = {r_.span(v)};
          if (auto h = ir::parse_hit_policy(*s)) t.hit = *h;
          else r_.error(DiagCode::invalid_value, v, fmt::format("unknown hit policy `{}`", *s), "not a hit policy",
                        "hit policies: unique, first, priority, any, collect, rule_order");
        }
      } else if (x.key == "aggregation") {
        if (auto s = r_.str(v, "`aggregation`")) {
          if (auto a = ir::parse_aggregation(*s)) t.aggregation = *a;
          else r_.error(DiagCode::invalid_value, v, fmt::format("unknown aggregation `{}`", *s), "not an aggregation",
                        "aggregations (with `hit: collect`): sum, min, max, count");
        }
      } else if (x.key == "inputs" || x.key == "outputs") {
        auto& cols = x.key == "inputs" ? t.inputs : t.outputs;
        for (auto& c : r_.id_map(v, x.key == "inputs" ? "`inputs`" : "`outputs`"))
          if (auto col = column(c, x.key == "inputs" ? "input" : "output")) cols.push_back(std::move(*col));
      } else if (x.key == "default") {
        t.default_outputs = cells(v, "`default`");
      } else {
        rules_node = v;
      }
    }
    if (rules_node) rules(t, rules_node);
    b.tables.push_back(std::move(t));
  }

  // `rules:` each rule a list of cells (the input tests, then the outputs) or
  // `{if: [tests], then: [outputs], annotation: text}`.
  void rules(ir::DecisionTable& t, const YAML::Node& n) {
    if (!n.IsSequence()) {
      r_.wrong_kind(n, "`rules`", "a list of rules");
      return;
    }
    if (r_.too_many(n, "`rules`")) return;
    for (const auto& rn : n) {
      ir::TableRule rule;
      rule.loc = {r_.span(rn)};
      if (rn.IsSequence()) {
        auto all = cells(rn, "a rule");
        const std::size_t n_in = std::min(t.inputs.size(), all.size());
        rule.inputs.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_in));
        rule.outputs.assign(all.begin() + static_cast<std::ptrdiff_t>(n_in), all.end());
      } else if (auto es = r_.entries(rn, "a rule", {"if", "then", "annotation"}, {"then"})) {
        for (auto& x : *es) {
          if (x.key == "if") rule.inputs = cells(x.value, "`if`");
          else if (x.key == "then") rule.outputs = cells(x.value, "`then`");
          else assign(rule.annotation, r_.str(x.value, "`annotation`"));
        }
      } else {
        continue;
      }
      t.rules.push_back(std::move(rule));
    }
  }

  void form_entry(ir::Item& it, const YAML::Node& n) {
    if (n.IsScalar()) {
      if (auto rf = r_.ref(n, "a form field", true)) it.form.push_back({std::move(*rf), std::nullopt});
      return;
    }
    if (!n.IsMap()) {
      r_.wrong_kind(n, "a form entry", "a field id or an inline field definition");
      return;
    }
    const YAML::Node idn = n["id"];
    if (!idn) {
      r_.error(DiagCode::missing_key, n, "missing required key `id` in an inline form field", "add `id:` here");
      return;
    }
    auto rf = r_.ref(idn, "`id`", true);
    if (!rf) return;
    if (auto f = field(rf->id, idn, n, true)) it.form.push_back({*rf, std::move(*f)});
  }

  void material_use(ir::Item& it, const YAML::Node& n) {
    if (n.IsScalar()) {
      if (auto rf = r_.ref(n, "a material")) it.materials.push_back({std::move(*rf), false});
      return;
    }
    auto es = r_.entries(n, "a material use", {"id", "core"}, {"id"});
    if (!es) return;
    ir::MaterialUse mu;
    bool have_id = false;
    for (auto& x : *es) {
      if (x.key == "id") {
        if (auto rf = r_.ref(x.value, "`id`")) { mu.material = *rf; have_id = true; }
      } else if (auto bv = r_.boolean(x.value, "`core`")) {
        mu.core = *bv;
      }
    }
    if (have_id) it.materials.push_back(std::move(mu));
  }

  void review(ir::Item& it, const YAML::Node& n) {
    auto es = r_.entries(n, fmt::format("the review of `{}`", it.id), {"join", "threshold", "signers"}, {"signers"});
    if (!es) return;
    ir::Review rv;
    rv.loc = {r_.span(n)};
    const YAML::Node* threshold_node = nullptr;
    std::optional<YAML::Node> weight_node;
    for (auto& x : *es) {
      if (x.key == "join") {
        if (auto s = r_.str(x.value, "`join`")) {
          if (auto k = ir::parse_join_kind(*s)) rv.join = *k;
          else r_.error(DiagCode::invalid_value, x.value, fmt::format("unknown join policy `{}`", *s), "",
                        "join policies: all (会签), any (或签), vote (票签), sequence (依次审批)");
        }
      } else if (x.key == "threshold") {
        threshold_node = &x.value;
        rv.threshold_loc = {r_.span(x.value)};
        if (auto v = r_.integer(x.value, "`threshold`", -1'000'000, 1'000'000)) rv.threshold = static_cast<std::int32_t>(*v);
      } else if (x.key == "signers") {
        rv.signers_loc = {r_.span(x.key_node)};
        if (!x.value.IsSequence()) {
          r_.wrong_kind(x.value, "`signers`", "a list");
          continue;
        }
        if (r_.too_many(x.value, "`signers`")) continue;
        for (const auto& s : x.value)
          if (auto w = signer(rv, s); w && !weight_node) weight_node = *w;
      }
    }
    if (threshold_node && rv.join != ir::JoinKind::vote)
      r_.error(DiagCode::invalid_value, *threshold_node, "`threshold` only applies to `join: vote`", "",
               "remove `threshold`, or set `join: vote`");
    if (weight_node && rv.join != ir::JoinKind::vote)
      r_.error(DiagCode::invalid_value, *weight_node, "`weight` only applies to `join: vote`", "",
               "remove the weights, or set `join: vote` with a `threshold`");
    if (!threshold_node && rv.join == ir::JoinKind::vote)
      r_.error(DiagCode::missing_key, n, "missing required key `threshold` for `join: vote`",
               "add `threshold:` here");
    it.review = std::move(rv);
  }

  // Returns the node of an explicit `weight`, if the signer has one.
  std::optional<YAML::Node> signer(ir::Review& rv, const YAML::Node& n) {
    ir::Signer s;
    s.loc = {r_.span(n)};
    if (n.IsScalar()) {
      if (auto v = r_.id(n, "a signer role")) { s.role = *v; rv.signers.push_back(std::move(s)); }
      return std::nullopt;
    }
    auto es = r_.entries(n, "a signer", {"role", "department", "weight"}, {"role"});
    if (!es) return std::nullopt;
    bool ok = true;
    std::optional<YAML::Node> weight;
    for (auto& x : *es) {
      if (x.key == "weight") weight = x.value;
      if (x.key == "role") {
        if (auto v = r_.id(x.value, "`role`")) s.role = *v; else ok = false;
      } else if (x.key == "department") {
        s.department = r_.ref(x.value, "`department`");
      } else if (auto w = r_.integer(x.value, "`weight`", 1, 1000)) {
        s.weight = static_cast<std::int32_t>(*w);
      }
    }
    if (ok) rv.signers.push_back(std::move(s));
    return weight;
  }

  void item(ir::Bundle& b, const Entry& e) {
    // In a variant, an item of the base is overridden key by key: only the keys given change.
    auto base = variant_ ? std::find_if(b.items.begin(), b.items.end(), [&](const ir::Item& x) { return x.id == e.key; })
                         : b.items.end();
    const bool patch = base != b.items.end();
    if (variant_ && !patch && e.value.IsMap() && !e.value["name"]) {
      // Meant as an override (no `name`), but the base has no such item: a misspelt id.
      std::vector<std::string_view> ids;
      for (const ir::Item& x : b.items) ids.push_back(x.id);
      auto best = text::closest_match(e.key, ids);
      r_.error(DiagCode::variant_names_nothing, e.key_node,
               fmt::format("the base has no item `{}` to override", e.key), "names nothing in the base",
               best ? fmt::format("did you mean `{}`? (a new item needs `name`, `department`, `statutory` and "
                                  "`promised`)",
                                  *best)
                    : std::string("a new item needs `name`, `department`, `statutory` and `promised`"));
      return;
    }
    const Keys keys{"name", "department", "form", "materials", "statutory", "promised", "when", "after",
                    "review", "approvals", "pledge", "essential", "fee", "inspection", "separately", "basis"};
    auto es = patch ? r_.entries(e.value, fmt::format("item `{}`", e.key), keys, {})
                    : r_.entries(e.value, fmt::format("item `{}`", e.key), keys,
                                 {"name", "department", "statutory", "promised"});
    if (!es) return;
    ir::Item it;
    if (patch) {
      it = *base;
    } else {
      it.id = e.key;
      it.loc = {r_.span(e.key_node)};
      it.review.signers.push_back(ir::Signer{"reviewer", std::nullopt, 1, it.loc});
    }
    for (auto& x : *es) {
      const auto& v = x.value;
      if (x.key == "name") assign(it.name, r_.name(v, "`name`"));
      else if (x.key == "department") { if (auto rf = r_.ref(v, "`department`")) it.department = *rf; }
      else if (x.key == "form") { it.form.clear(); list(v, "`form`", [&](const YAML::Node& n) { form_entry(it, n); }); }
      else if (x.key == "materials") { it.materials.clear(); list(v, "`materials`", [&](const YAML::Node& n) { material_use(it, n); }); }
      else if (x.key == "statutory") { if (auto d = r_.duration(v, "`statutory`")) { it.statutory = *d; it.statutory_loc = {r_.span(v)}; } }
      else if (x.key == "promised") { if (auto d = r_.duration(v, "`promised`")) { it.promised = *d; it.promised_loc = {r_.span(v)}; } }
      else if (x.key == "when") it.when = when(v);
      else if (x.key == "after") it.after = r_.refs(v, "`after`");
      else if (x.key == "review") review(it, v);
      else if (x.key == "approvals") approvals(it, x.key_node, v);
      else if (x.key == "pledge") { if (auto bv = r_.boolean(v, "`pledge`")) it.pledge = *bv; }
      else if (x.key == "essential") { if (auto bv = r_.boolean(v, "`essential`")) it.essential = *bv; }
      else if (x.key == "fee") { if (auto f = r_.fee(v)) it.fee_fen = *f; }
      else if (x.key == "inspection") { if (auto s = r_.id(v, "`inspection`")) it.inspection = *s; }
      else if (x.key == "separately") separately(it, x.key_node, v);
      else if (x.key == "basis") assign(it.basis, r_.str(v, "`basis`"));
    }
    if (patch) {
      *base = std::move(it);
      changed(b, ir::VariantChange::Kind::overridden, "item", e.key, e.key_node, keys_of(e.value));
      return;
    }
    b.items.push_back(std::move(it));
    changed(b, ir::VariantChange::Kind::added, "item", e.key, e.key_node);
  }

  // `approvals: {allow: [...], supervisor: ROLE, reject: {to: [...], siblings: P, resume: P},
  // remind: {first: D, every: D, max: N}, auto_decide: {decision: approve, after: D}}`
  // (docs/approvals.md). A variant that gives `approvals` replaces the whole declaration.
  void approvals(ir::Item& it, const YAML::Node& key, const YAML::Node& v) {
    const std::string where = fmt::format("`approvals` of item `{}`", it.id);
    auto es = r_.entries(v, where, {"allow", "supervisor", "reject", "remind", "auto_decide"}, {});
    if (!es) return;
    ir::Approvals ap;
    ap.loc = {r_.span(key)};
    for (auto& x : *es) {
      if (x.key == "allow") {
        allow(ap, x.value);
      } else if (x.key == "supervisor") {
        if (auto s = r_.id(x.value, "`supervisor`")) ap.supervisor = *s;
        ap.supervisor_loc = {r_.span(x.value)};
      } else if (x.key == "reject") {
        reject(ap, x.key_node, x.value, where);
      } else if (x.key == "remind") {
        remind(ap, x.key_node, x.value, where);
      } else {
        auto_decide(ap, x.key_node, x.value, where);
      }
    }
    it.approvals = std::move(ap);
  }

  // `allow: [transfer, delegate]`, `allow: all` or `allow: none`.
  void allow(ir::Approvals& ap, const YAML::Node& n) {
    ap.allow.clear();
    if (n.IsScalar() && (n.Scalar() == "all" || n.Scalar() == "none")) {
      if (n.Scalar() == "all")
        for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
          ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
      return;
    }
    list(n, "`allow`", [&](const YAML::Node& e) {
      auto s = r_.str(e, "an approval operation");
      if (!s) return;
      auto o = ir::parse_approval_operation(*s);
      if (!o) {
        r_.error(DiagCode::invalid_value, e, fmt::format("unknown approval operation `{}`", *s), "not an operation",
                 operation_help(*s));
      } else if (ap.allows(*o)) {
        r_.error(DiagCode::invalid_value, e, fmt::format("operation `{}` is listed twice", *s), "listed again");
      } else {
        ap.allow.push_back(*o);
      }
    });
    std::sort(ap.allow.begin(), ap.allow.end());
  }

  static std::string operation_help(std::string_view word) {
    static constexpr std::string_view names[] = {"claim",         "transfer", "delegate", "add_signer",
                                                 "remove_signer", "reclaim",  "remind",   "all", "none"};
    if (auto best = text::closest_match(word, names)) return fmt::format("did you mean `{}`?", *best);
    return "operations: claim, transfer, delegate, add_signer, remove_signer, reclaim, remind (or `all`, `none`)";
  }

  // `reject: {to: [applicant, previous, ITEM], siblings: keep, resume: rejecting_step}`.
  void reject(ir::Approvals& ap, const YAML::Node& key, const YAML::Node& v, const std::string& where) {
    auto es = r_.entries(v, fmt::format("`reject` of {}", where), {"to", "siblings", "resume"}, {"to"});
    if (!es) return;
    ap.reject_loc = {r_.span(key)};
    for (auto& x : *es) {
      if (x.key == "to") {
        ap.reject_to.clear();
        list(x.value, "`reject.to`", [&](const YAML::Node& e) {
          if (auto s = r_.str(e, "a rejection target")) add_reject_target(ap, *s, e);
        });
        check_reject_targets(ap, x.value);
      } else if (auto s = r_.str(x.value, fmt::format("`{}`", x.key))) {
        if (x.key == "siblings") {
          if (auto p = ir::parse_sibling_policy(*s)) ap.siblings = *p;
          else r_.error(DiagCode::invalid_value, x.value, fmt::format("unknown sibling policy `{}`", *s), "",
                        "sibling policies: keep, cancel, redo");
        } else if (auto p = ir::parse_resume_policy(*s)) {
          ap.resume = *p;
        } else {
          r_.error(DiagCode::invalid_value, x.value, fmt::format("unknown resume policy `{}`", *s), "",
                   "resume policies: rejecting_step (回到驳回节点), rerun (重新流转)");
        }
      }
    }
  }

  void add_reject_target(ir::Approvals& ap, const std::string& word, const YAML::Node& at) {
    ir::RejectTarget t;
    t.loc = {r_.span(at)};
    if (word == "applicant") t.kind = ir::RejectTarget::Kind::applicant;
    else if (word == "previous") t.kind = ir::RejectTarget::Kind::previous;
    else if (word == "any") t.kind = ir::RejectTarget::Kind::any;
    else if (r_.check_id(at, word, false)) t = ir::RejectTarget{ir::RejectTarget::Kind::item, {word, t.loc}, t.loc};
    else return;
    if (std::find(ap.reject_to.begin(), ap.reject_to.end(), t) != ap.reject_to.end()) {
      r_.error(DiagCode::invalid_value, at, fmt::format("rejection target `{}` is listed twice", word), "listed again");
      return;
    }
    ap.reject_to.push_back(std::move(t));
  }

  void check_reject_targets(ir::Approvals& ap, const YAML::Node& at) {
    const bool any = std::any_of(ap.reject_to.begin(), ap.reject_to.end(),
                                 [](const ir::RejectTarget& t) { return t.kind == ir::RejectTarget::Kind::any; });
    if (any && ap.reject_to.size() > 1)
      r_.error(DiagCode::invalid_value, at, "`any` already names every legal target", "",
               "write `to: any` alone, or list the targets");
    if (ap.reject_to.empty())
      r_.error(DiagCode::invalid_value, at, "`reject.to` lists no target", "", "write at least `applicant`");
  }

  // A working duration of at least one working hour.
  std::optional<ir::WorkDuration> positive_duration(const YAML::Node& n, std::string_view what) {
    auto d = r_.duration(n, what);
    if (d && d->days == 0 && d->hours == 0) {
      r_.error(DiagCode::invalid_value, n, fmt::format("{} must be at least `1wh`", what));
      return std::nullopt;
    }
    return d;
  }

  // `remind: {first: 4wh, every: 1wd, max: 3}`.
  void remind(ir::Approvals& ap, const YAML::Node& key, const YAML::Node& v, const std::string& where) {
    auto es = r_.entries(v, fmt::format("`remind` of {}", where), {"first", "every", "max"}, {"every"});
    if (!es) return;
    ir::Reminders rm;
    rm.loc = {r_.span(key)};
    for (auto& x : *es) {
      if (x.key == "first") rm.first = positive_duration(x.value, "`first`");
      else if (x.key == "every") { if (auto d = positive_duration(x.value, "`every`")) rm.every = *d; }
      else if (auto m = r_.integer(x.value, "`max`", 1, 20)) rm.max = static_cast<std::int32_t>(*m);
    }
    ap.remind = rm;
  }

  // `auto_decide: {decision: approve, after: 3wd}` (without `after`: at the promised limit).
  void auto_decide(ir::Approvals& ap, const YAML::Node& key, const YAML::Node& v, const std::string& where) {
    auto es = r_.entries(v, fmt::format("`auto_decide` of {}", where), {"decision", "after"}, {"decision"});
    if (!es) return;
    ir::AutoDecision ad;
    ad.loc = {r_.span(key)};
    for (auto& x : *es) {
      if (x.key == "after") {
        ad.after = positive_duration(x.value, "`after`");
      } else if (auto s = r_.str(x.value, "`decision`")) {
        if (*s == "approve" || *s == "reject") ad.approve = *s == "approve";
        else r_.error(DiagCode::invalid_value, x.value, fmt::format("unknown automatic decision `{}`", *s), "",
                      "an automatic decision is `approve` (超时自动同意) or `reject` (超时自动驳回)");
      }
    }
    ap.auto_decide = ad;
  }

  // `separately: {limit: 20wd, apply: window, delivery: window, steps: 4}`: the item on its own.
  void separately(ir::Item& it, const YAML::Node& key, const YAML::Node& v) {
    auto es = r_.entries(v, fmt::format("`separately` of item `{}`", it.id), {"limit", "apply", "delivery", "steps"}, {});
    if (!es) return;
    it.separately.loc = {r_.span(key)};
    for (auto& x : *es) {
      if (x.key == "limit") it.separately.limit = r_.duration(x.value, "`limit`");
      else if (x.key == "apply") it.separately.apply = channel(x.value, "`apply`", false);
      else if (x.key == "delivery") it.separately.delivery = channel(x.value, "`delivery`", true);
      else if (auto n = r_.integer(x.value, "`steps`", 1, 100)) it.separately.steps = static_cast<std::int32_t>(*n);
    }
  }

  // A list, or a single entry standing for a one-entry list (`materials: business_licence`).
  template <class F>
  void list(const YAML::Node& n, std::string_view what, F&& each) {
    if (n.IsNull()) return;
    if (n.IsScalar()) {
      each(n);
      return;
    }
    if (!n.IsSequence()) {
      r_.wrong_kind(n, what, "a list");
      return;
    }
    if (r_.too_many(n, what)) return;
    for (const auto& x : n) each(x);
  }

  void stages(ir::Bundle& b, const YAML::Node& n) {
    list(n, "`stages`", [&](const YAML::Node& s) {
      auto es = r_.entries(s, "a stage", {"id", "name", "items"}, {"id", "items"});
      if (!es) return;
      ir::Stage st;
      st.loc = {r_.span(s)};
      for (auto& x : *es) {
        if (x.key == "id") { if (auto v = r_.id(x.value, "`id`")) { st.id = *v; st.loc = {r_.span(x.value)}; } }
        else if (x.key == "name") assign(st.name, r_.str(x.value, "`name`"));
        else st.items = r_.refs(x.value, "`items`");
      }
      b.stages.push_back(std::move(st));
    });
  }

  Reader& r_;
};

// Tabs in indentation make YAML ambiguous; find them before yaml-cpp gives a vaguer error.
bool report_tabs(SourceId src, const std::string& t, Diagnostics& diags) {
  bool found = false;
  bool at_indent = true;
  for (std::uint32_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\n') { at_indent = true; continue; }
    if (!at_indent) continue;
    if (c == '\t') {
      diags.add(Diagnostic::make(DiagCode::tab_indentation, {src, i, i + 1}, "tab character in indentation")
                    .label("tab here")
                    .with_help("indent with spaces"));
      found = true;
      at_indent = false;
    } else if (c != ' ') {
      at_indent = false;
    }
    if (diags.error_count() >= 20) break;
  }
  return found;
}

}  // namespace

namespace {

// Counts the YAML documents of a text (up to `limit`) from the parser's events, and notices a
// parser that stops advancing: a document that starts where the previous one started.
struct DocumentCounter final : YAML::EventHandler {
  static constexpr std::size_t limit = 100;
  std::size_t count = 0;
  YAML::Mark previous, second, stuck_at;
  bool stuck = false;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (count > 0 && mark.pos == previous.pos) {
      stuck = true;
      stuck_at = mark;
    }
    if (++count == 2) second = mark;
    previous = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

// See internal/document.hpp.
std::optional<YAML::Node> internal::parse_document(SourceMap& sources, SourceId& source, std::string name, std::string text,
                                         const LoadOptions& options, Diagnostics& diags, std::string_view what) {
  // A UTF-8 byte-order mark (written by some editors) is dropped: yaml-cpp does not count it in
  // its positions, so keeping it would shift every span by three bytes.
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  const std::size_t size = text.size();
  if (size > options.max_bytes) text.resize(std::min<std::size_t>(size, 4096));  // keep an excerpt only
  source = sources.add(std::move(name), std::move(text));
  const SourceFile& file = sources.file(source);
  const std::string& t = file.text();
  if (size > options.max_bytes) {
    diags.add(Diagnostic::make(DiagCode::file_too_large, {source, 0, 0},
                               fmt::format("file is {} bytes, more than the limit of {}", size, options.max_bytes)));
    return std::nullopt;
  }
  if (auto bad = text::find_invalid_utf8(t)) {
    const auto at = static_cast<std::uint32_t>(*bad);
    diags.add(Diagnostic::make(DiagCode::invalid_utf8, {source, at, at + 1},
                               fmt::format("file is not valid UTF-8 (byte 0x{:02X})", static_cast<unsigned char>(t[*bad])))
                  .label("invalid byte")
                  .with_help("bundle files are UTF-8 text"));
    return std::nullopt;
  }
  if (t.find('\0') != std::string::npos) {
    const auto at = static_cast<std::uint32_t>(t.find('\0'));
    diags.add(Diagnostic::make(DiagCode::invalid_utf8, {source, at, at + 1}, "file contains a NUL byte")
                  .label("NUL byte")
                  .with_help("bundle files are UTF-8 text, not binary data"));
    return std::nullopt;
  }
  if (report_tabs(source, t, diags)) return std::nullopt;

  YAML::Node first;
  DocumentCounter documents;
  try {
    // Documents are counted first, with a bound: yaml-cpp 0.7's LoadAll loops forever, and
    // exhausts memory, on input where the parser stops advancing (a line starting with `,` at
    // the top level yields an endless run of empty documents at one position).
    std::istringstream in(t);
    YAML::Parser parser(in);
    while (documents.count < DocumentCounter::limit && parser.HandleNextDocument(documents) && !documents.stuck) {
    }
    if (documents.stuck) {
      const auto at = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(0, documents.stuck_at.pos)),
                                              static_cast<std::uint32_t>(t.size()));
      diags.add(Diagnostic::make(DiagCode::yaml_syntax, {source, at, at + 1},
                                 "invalid YAML: the parser cannot go past this character")
                    .label("the YAML parser stopped here"));
      return std::nullopt;
    }
    first = YAML::Load(t);
  } catch (const YAML::ParserException& e) {
    std::uint32_t at = e.mark.pos >= 0 ? static_cast<std::uint32_t>(e.mark.pos)
                                       : file.offset_of(static_cast<std::uint32_t>(std::max(0, e.mark.line)),
                                                        static_cast<std::uint32_t>(std::max(0, e.mark.column)));
    at = std::min<std::uint32_t>(at, static_cast<std::uint32_t>(t.size()));
    // yaml-cpp 0.7 stops deep recursion with a "bad file" parser error after a few hundred
    // levels; no bundle nests deeper than about ten.
    const bool deep = e.msg.find("depth") != std::string::npos || e.msg == "bad file";
    diags.add(Diagnostic::make(deep ? DiagCode::nesting_too_deep : DiagCode::yaml_syntax, {source, at, at + 1},
                               deep ? std::string("document nests maps or lists more than a few hundred levels deep")
                                    : fmt::format("invalid YAML: {}", e.msg))
                  .label("the YAML parser stopped here"));
    return std::nullopt;
  } catch (const std::exception& e) {
    diags.add(Diagnostic::make(DiagCode::yaml_syntax, {source, 0, 0}, fmt::format("invalid YAML: {}", e.what())));
    return std::nullopt;
  }
  if (documents.count == 0 || first.IsNull()) {
    diags.add(Diagnostic::make(DiagCode::no_bundle, {source, 0, 0}, fmt::format("file contains no {}", what))
                  .with_help(fmt::format("a {} file is a YAML map with a `{}: <id>` key", what, what)));
    return std::nullopt;
  }
  if (documents.count > 1) {
    const auto at = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::max(0, documents.second.pos)),
                                            static_cast<std::uint32_t>(t.size()));
    auto d = Diagnostic::make(DiagCode::multiple_documents, {source, at, at + 1},
                              documents.count >= DocumentCounter::limit
                                  ? fmt::format("file holds {} or more YAML documents; a {} file holds one", documents.count, what)
                                  : fmt::format("file holds {} YAML documents; a {} file holds one", documents.count, what));
    d.label_text = "second document";
    d.help = "remove the `---` separator or split the file";
    diags.add(std::move(d));
    return std::nullopt;
  }
  return first;
}
namespace {

// Reads `path` and hands its text to `load_text`; an unreadable file is E1000.
template <class Result, class LoadText>
Result load_from_file(SourceMap& sources, const std::string& path, const LoadOptions& options, LoadText load_text) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || in.bad()) {
    Result res;
    res.diagnostics.add(Diagnostic::make(DiagCode::io_error, {}, fmt::format("cannot read `{}`", path)));
    return res;
  }
  return load_text(sources, path, ss.str(), options);
}

}  // namespace

LoadResult load_text(SourceMap& sources, std::string name, std::string text, const LoadOptions& options) {
  LoadResult res;
  auto root = internal::parse_document(sources, res.source, std::move(name), std::move(text), options, res.diagnostics, "bundle");
  if (!root) return res;
  Reader reader(res.source, sources.file(res.source), res.diagnostics, options);
  try {
    BundleLoader loader(reader);
    auto b = loader.bundle(*root);
    if (!res.diagnostics.has_errors() && b) res.bundle = std::move(b);
  } catch (const std::exception& e) {
    // yaml-cpp may throw on a node we did not anticipate; report it rather than crash.
    res.diagnostics.add(Diagnostic::make(DiagCode::yaml_syntax, {res.source, 0, 0}, fmt::format("invalid YAML: {}", e.what())));
  }
  res.diagnostics.sort();
  return res;
}

LoadResult load_file(SourceMap& sources, const std::string& path, const LoadOptions& options) {
  return load_from_file<LoadResult>(sources, path, options, load_text);
}

// ---------------------------------------------------------------------------------------
// Calendar files (bundles/calendars/*.yaml): one official holiday notice per file.

namespace {

std::optional<Date> read_date(Reader& r, const YAML::Node& n, std::string_view what) {
  auto s = r.str(n, what);
  if (!s) return std::nullopt;
  auto d = parse_date(*s);
  if (!d) r.error(DiagCode::invalid_value, n, fmt::format("invalid date `{}` for {}", *s, what), "not a date",
                  "write dates as YYYY-MM-DD, e.g. `2025-10-01`");
  return d;
}

}  // namespace

CalendarLoadResult load_calendar_text(SourceMap& sources, std::string name, std::string text,
                                      const LoadOptions& options) {
  CalendarLoadResult res;
  auto root = internal::parse_document(sources, res.source, std::move(name), std::move(text), options, res.diagnostics, "calendar");
  if (!root) return res;
  Reader r(res.source, sources.file(res.source), res.diagnostics, options);
  CalendarYear cy;
  try {
    auto es = r.entries(*root, "the calendar", {"calendar", "year", "source", "holidays"},
                        {"calendar", "year", "source", "holidays"});
    if (!es) return res;
    const YAML::Node* holidays = nullptr;
    for (auto& e : *es) {
      if (e.key == "calendar") (void)r.id(e.value, "`calendar`");
      else if (e.key == "year") { if (auto y = r.integer(e.value, "`year`", 1949, 2100)) cy.year = static_cast<int>(*y); }
      else if (e.key == "source") { if (auto s = r.str(e.value, "`source`")) cy.source = *s; }
      else holidays = &e.value;
    }
    if (holidays && !holidays->IsSequence()) r.wrong_kind(*holidays, "`holidays`", "a list");
    if (holidays && holidays->IsSequence() && !r.too_many(*holidays, "`holidays`")) {
      for (const auto& h : *holidays) {
        auto hs = r.entries(h, "a holiday", {"name", "off", "work"}, {"name", "off"});
        if (!hs) continue;
        for (auto& x : *hs) {
          if (x.key == "name") { (void)r.str(x.value, "`name`"); continue; }
          auto in_year = [&](const YAML::Node& at, Date d) {
            if (cy.year && static_cast<int>(std::chrono::year_month_day{d}.year()) != cy.year) {
              r.error(DiagCode::invalid_value, at, fmt::format("date {} is not in {}", to_string(d), cy.year),
                      "other year", "each calendar file holds one year's notice");
              return false;
            }
            return true;
          };
          if (x.key == "off") {
            // `off: 2025-01-01` or `off: {from: 2025-01-28, to: 2025-02-04}`
            if (x.value.IsMap()) {
              auto rs = r.entries(x.value, "a range of days off", {"from", "to"}, {"from", "to"});
              if (!rs) continue;
              std::optional<Date> from, to;
              const YAML::Node *from_node = nullptr, *to_node = nullptr;
              for (auto& y : *rs) {
                if (y.key == "from") { from = read_date(r, y.value, "`from`"); from_node = &y.value; }
                else { to = read_date(r, y.value, "`to`"); to_node = &y.value; }
              }
              if (!from || !to || !in_year(*from_node, *from) || !in_year(*to_node, *to)) continue;
              if (*to < *from || *to - *from > std::chrono::days{31}) {
                r.error(DiagCode::invalid_value, *to_node, "a range of days off runs forward and at most a month",
                        "invalid end");
                continue;
              }
              for (Date d = *from; d <= *to; d += std::chrono::days{1}) cy.days_off.insert(d);
            } else if (auto d = read_date(r, x.value, "`off`")) {
              if (in_year(x.value, *d)) cy.days_off.insert(*d);
            }
          } else {  // work: make-up working days (调休上班), always weekend days
            if (!x.value.IsSequence()) {
              r.wrong_kind(x.value, "`work`", "a list of dates");
              continue;
            }
            for (const auto& w : x.value) {
              auto d = read_date(r, w, "a make-up working day");
              if (!d || !in_year(w, *d)) continue;
              const std::chrono::weekday wd{*d};
              if (wd != std::chrono::Saturday && wd != std::chrono::Sunday) {
                r.error(DiagCode::invalid_value, w, fmt::format("make-up working day {} is not a weekend day", to_string(*d)),
                        "a weekday", "only Saturdays and Sundays can be made working days (调休上班)");
                continue;
              }
              cy.make_up_days.insert(*d);
            }
          }
        }
      }
    }
    for (Date d : cy.make_up_days)
      if (cy.days_off.count(d))
        res.diagnostics.add(Diagnostic::make(DiagCode::invalid_value, r.span(*root),
                                             fmt::format("{} is both a day off and a make-up working day", to_string(d))));
  } catch (const std::exception& e) {
    res.diagnostics.add(Diagnostic::make(DiagCode::yaml_syntax, {res.source, 0, 0}, fmt::format("invalid YAML: {}", e.what())));
  }
  res.diagnostics.sort();
  if (!res.diagnostics.has_errors()) res.year = std::move(cy);
  return res;
}

CalendarLoadResult load_calendar_file(SourceMap& sources, const std::string& path, const LoadOptions& options) {
  return load_from_file<CalendarLoadResult>(sources, path, options, load_calendar_text);
}

CalendarDirResult load_calendar_dir(SourceMap& sources, const std::string& dir, const LoadOptions& options) {
  namespace fs = std::filesystem;
  CalendarDirResult res;
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".yaml") files.push_back(it->path().string());
  if (ec) {
    const SourceId id = sources.add(dir, "");
    res.diagnostics.add(Diagnostic::make(DiagCode::io_error, {id, 0, 0},
                                         fmt::format("cannot read the calendar directory `{}`: {}", dir, ec.message())));
    return res;
  }
  std::sort(files.begin(), files.end());
  std::vector<CalendarYear> years;
  for (const std::string& f : files) {
    CalendarLoadResult r = load_calendar_file(sources, f, options);
    res.diagnostics.append(r.diagnostics);
    if (!r.year) continue;
    const bool twice = std::any_of(years.begin(), years.end(), [&](const CalendarYear& y) { return y.year == r.year->year; });
    if (twice) {
      res.diagnostics.add(Diagnostic::make(DiagCode::io_error, {r.source, 0, 0},
                                           fmt::format("year {} is given by two files in `{}`", r.year->year, dir)));
      continue;
    }
    years.push_back(std::move(*r.year));
  }
  std::sort(years.begin(), years.end(), [](const CalendarYear& a, const CalendarYear& b) { return a.year < b.year; });
  if (!res.diagnostics.has_errors()) res.calendar.emplace(std::move(years));
  return res;
}

}  // namespace yishi::yaml
