// Scenario files (YAML) → Scenario: shape and types checked here, with positions; bundles
// loaded, checked and compiled; answers read by their fields' types; then `validate`.
#include "yishi/simulate/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "yishi/base/text.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/forms/forms.hpp"
#include "yishi/load/load.hpp"
#include "yishi/source/source_map.hpp"
#include "yishi/yaml/internal/document.hpp"
#include "yishi/yaml/load.hpp"

namespace yishi::simulate {
namespace {

namespace fs = std::filesystem;
using Keys = std::span<const std::string_view>;

constexpr std::size_t max_problems = 100;
constexpr std::size_t max_entries = 10'000;       ///< entries in one map or list (as for bundles)
constexpr std::size_t max_visited = 2'000'000;    ///< entries read in all (aliases can repeat a map)
constexpr std::size_t bundle_errors_shown = 5;    ///< errors of a bundle that does not check
constexpr std::int64_t max_staff = 1'000'000;      ///< staff of one department
constexpr int max_days = 100'000;                  ///< `working_days`, `drain_days`; trace days are below

constexpr std::string_view top_keys[] = {
    "start", "working_days", "drain_days", "seed", "mode", "partitions", "threads",
    "post_check_rate", "keep_logs", "calendar", "staff", "bundles", "trace"};
constexpr std::string_view bundle_keys[] = {
    "file", "arrivals_per_day", "situations", "profiles", "intake", "issue", "review", "items", "defer",
    "supply", "correction", "resubmit", "pledge", "post_check_fail", "post_check", "rate", "reapply"};
constexpr std::string_view item_keys[] = {"service", "reject"};
constexpr std::string_view profile_keys[] = {"name", "weight", "answers"};
constexpr std::string_view distribution_keys[] = {"fixed", "exponential", "lognormal", "triangular", "empirical"};

/// A position in a file (1-based; 0 for the file as a whole).
struct Where {
  std::string file;
  int line = 0, column = 0;
};

/// One entry of a YAML map.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};


std::string_view kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "text";
    default: return "nothing";
  }
}

std::string suggestion(std::string_view word, const std::vector<std::string_view>& candidates) {
  auto best = text::closest_match(word, candidates);
  return best ? fmt::format(" (did you mean `{}`?)", *best) : std::string();
}

std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return suggestion(word, views);
}

/// Where a bundle entry's parts are, for the sentences of `validate`.
struct BundleMarks {
  Where entry;
  std::string id;
  std::map<std::string, Where> items, situations;
};

class Loader {
 public:
  Loader(std::string name, const std::string& base_dir) : name_(std::move(name)), base_(base_dir) {}

  LoadedScenario load(std::string text) {
    auto root = parse(std::move(text));
    if (root) {
      try {
        scenario(*root);
      } catch (const std::exception& e) {
        // yaml-cpp may throw on a node shape not anticipated here; a problem, not a crash.
        problem(Where{name_, 1, 1}, fmt::format("invalid YAML: {}", e.what()));
      }
    }
    LoadedScenario out;
    if (problems_.size() >= max_problems)
      problems_.push_back({name_, 0, 0, fmt::format("more problems not shown (stopped after {})", max_problems)});
    out.problems = std::move(problems_);
    if (out.problems.empty()) out.scenario = std::move(built_);
    if (out.problems.empty()) out.calendar = std::move(calendar_);
    return out;
  }

 private:
  // ---- problems and positions -------------------------------------------------------------

  void problem(const Where& at, std::string message) {
    if (problems_.size() >= max_problems) return;
    problems_.push_back({at.file, at.line, at.column, std::move(message)});
  }

  /// The line and column of a byte offset. Positions are mostly asked for in the order of the
  /// text (the values of a list, one after the other): one further on the same line is counted
  /// on from the last one, not from the start of the line, so that locating every value of a
  /// long one-line list costs the length of the line once, not once per value.
  Where where(std::uint32_t offset) const {
    const SourceFile& f = sources_.file(src_);
    const std::string_view text = f.text();
    offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text.size()));
    if (last_.line > 0 && offset >= last_offset_) {
      const std::string_view gap = text.substr(last_offset_, offset - last_offset_);
      if (gap.find('\n') == std::string_view::npos) {
        last_.column += static_cast<std::uint32_t>(text::count_code_points(gap));
        last_offset_ = offset;
        return {name_, static_cast<int>(last_.line), static_cast<int>(last_.column)};
      }
    }
    last_ = f.line_column(offset);
    last_offset_ = offset;
    return {name_, static_cast<int>(last_.line), static_cast<int>(last_.column)};
  }

  /// An empty value (`key:` and nothing after it): yaml-cpp gives it the position of the next
  /// token (the next key, or the end of the file), not a place of its own. A null written out
  /// (`~`, `null`) has its own position.
  bool empty_value(const YAML::Node& n) const {
    if (!n.IsNull()) return false;
    const YAML::Mark m = n.Mark();
    if (m.pos < 0) return true;
    std::string_view rest = sources_.file(src_).text();
    rest.remove_prefix(std::min<std::size_t>(static_cast<std::size_t>(m.pos), rest.size()));
    std::size_t length = 0;
    if (rest.starts_with("~")) length = 1;
    else if (rest.starts_with("null") || rest.starts_with("Null") || rest.starts_with("NULL")) length = 4;
    if (length == 0) return true;
    rest.remove_prefix(length);
    const auto ends_token = [](std::string_view r, std::size_t i) {
      return i >= r.size() || r[i] == ' ' || r[i] == '\t' || r[i] == '\r' || r[i] == '\n' || r[i] == ',' ||
             r[i] == ']' || r[i] == '}';
    };
    if (!ends_token(rest, 0)) return true;  // the next token only starts like a null (`nullable:`)
    std::size_t i = 0;
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    // `~: 1` on the next line is the next key, not this value.
    return i < rest.size() && rest[i] == ':' && ends_token(rest, i + 1);
  }

  /// Where a node is; `fallback` when it has no position of its own (an empty value).
  Where at(const YAML::Node& n, const Where& fallback) const {
    const YAML::Mark m = n.Mark();
    if (m.pos < 0 || empty_value(n)) return fallback;
    return where(static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(m.pos), text_size_)));
  }
  Where at(const YAML::Node& n) const { return at(n, Where{name_, 1, 1}); }
  /// A map entry's value, or its key when the value is empty (`key:` and nothing after it).
  Where at(const Entry& e) const { return at(e.value, at(e.key_node)); }

  /// A diagnostic of a bundle or calendar file, located in that file.
  Where at(const Diagnostic& d, const Where& fallback) const {
    if (!d.span.valid() || d.code == DiagCode::io_error || d.span.source >= sources_.size()) return fallback;
    const SourceFile& f = sources_.file(d.span.source);
    const LineColumn lc = f.line_column(d.span.begin);
    return {f.name(), static_cast<int>(lc.line), static_cast<int>(lc.column)};
  }

  bool over_budget(std::size_t n, const Where& w) {
    visited_ += n;
    if (visited_ <= max_visited) return false;
    if (!budget_reported_) problem(w, fmt::format("the scenario holds more than {} entries in all", max_visited));
    budget_reported_ = true;
    return true;
  }

  // ---- the document -----------------------------------------------------------------------

  std::optional<YAML::Node> parse(std::string text) {
    // The gate every YAML file of yishi goes through (yaml/internal/document.hpp).
    yaml::LoadOptions limits;
    limits.max_bytes = max_scenario_bytes;
    Diagnostics diags;
    auto root = yaml::internal::parse_document(sources_, src_, name_, std::move(text), limits, diags, "scenario");
    text_size_ = sources_.file(src_).text().size();
    for (const Diagnostic& d : diags.items()) {
      if (d.code == DiagCode::file_too_large) problem({name_, 0, 0}, d.message);
      else if (d.code == DiagCode::no_bundle) problem({name_, 0, 0}, "file contains no scenario (a YAML map with a `bundles:` list)");
      else problem(at(d, {name_, 1, 1}), d.message);
    }
    return root;
  }

  // ---- typed values -----------------------------------------------------------------------

  /// The entries of a map, checked against the allowed keys (unknown keys with a suggestion,
  /// duplicates); nullopt when `n` is not a map.
  std::optional<std::vector<Entry>> entries(const YAML::Node& n, const Where& fallback, std::string_view what,
                                            Keys allowed) {
    if (!n.IsMap()) {
      problem(at(n, fallback), fmt::format("expected a map for {}, found {}", what, kind_of(n)));
      return std::nullopt;
    }
    if (n.size() > max_entries) {
      problem(at(n, fallback), fmt::format("{} has {} entries, more than the limit of {}", what, n.size(), max_entries));
      return std::nullopt;
    }
    if (over_budget(n.size(), at(n, fallback))) return std::nullopt;
    std::vector<Entry> out;
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        problem(at(it->first, fallback), fmt::format("expected text for a key in {}, found {}", what, kind_of(it->first)));
        continue;
      }
      std::string key = it->first.Scalar();
      if (allowed.size() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::vector<std::string_view> cands(allowed.begin(), allowed.end());
        auto best = text::closest_match(key, cands);
        problem(at(it->first), best ? fmt::format("unknown key `{}` in {} (did you mean `{}`?)", key, what, *best)
                                    : fmt::format("unknown key `{}` in {} (known keys: {})", key, what,
                                                  fmt::join(cands, ", ")));
        continue;
      }
      if (!seen.insert(key).second) {
        problem(at(it->first), fmt::format("key `{}` appears twice in {}", key, what));
        continue;
      }
      out.push_back({std::move(key), it->first, it->second});
    }
    return out;
  }

  std::optional<std::string> scalar(const Entry& e, std::string_view what) {
    if (!e.value.IsScalar()) {
      problem(at(e), fmt::format("expected {} for `{}`, found {}", what, e.key, kind_of(e.value)));
      return std::nullopt;
    }
    return e.value.Scalar();
  }

  /// A finite number, or nullopt (nothing reported).
  static std::optional<double> read_number(const YAML::Node& n) {
    if (!n.IsScalar()) return std::nullopt;
    const std::string& s = n.Scalar();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  }

  std::optional<double> number(const YAML::Node& n, const Where& w, std::string_view what) {
    if (auto v = read_number(n)) return v;
    if (!n.IsScalar()) problem(w, fmt::format("expected a number for {}, found {}", what, kind_of(n)));
    else problem(w, fmt::format("expected a number for {}, found `{}`", what, n.Scalar()));
    return std::nullopt;
  }
  std::optional<double> number(const Entry& e) { return number(e.value, at(e), fmt::format("`{}`", e.key)); }

  /// A number ≥ 0.
  std::optional<double> non_negative(const Entry& e, std::string_view what) {
    auto v = number(e.value, at(e), what);
    if (v && *v < 0) {
      problem(at(e), fmt::format("{} must be ≥ 0, not {}", what, *v));
      return std::nullopt;
    }
    return v;
  }

  std::optional<double> probability(const YAML::Node& n, const Where& w, std::string_view what) {
    auto v = number(n, w, what);
    if (v && (*v < 0 || *v > 1)) {
      problem(w, fmt::format("{} is a probability between 0 and 1, not {}", what, *v));
      return std::nullopt;
    }
    return v;
  }
  std::optional<double> probability(const Entry& e) { return probability(e.value, at(e), fmt::format("`{}`", e.key)); }

  template <class Int>
  std::optional<Int> whole(const Entry& e, Int lo, Int hi) {
    auto s = scalar(e, "a whole number");
    if (!s) return std::nullopt;
    Int v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec == std::errc::result_out_of_range) {
      problem(at(e), fmt::format("`{}` is too {}: `{}`", e.key, s->starts_with("-") ? "small" : "large", *s));
      return std::nullopt;
    }
    if (ec == std::errc{} && p == s->data() + s->size() && (v < lo || v > hi)) {
      problem(at(e), fmt::format("`{}` must be between {} and {}, not {}", e.key, lo, hi, *s));
      return std::nullopt;
    }
    if (ec != std::errc{} || p != s->data() + s->size()) {
      problem(at(e), fmt::format("expected a whole number for `{}`, found `{}`", e.key, *s));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const Entry& e) {
    auto s = scalar(e, "`true` or `false`");
    if (!s) return std::nullopt;
    if (*s == "true") return true;
    if (*s == "false") return false;
    problem(at(e), fmt::format("expected `true` or `false` for `{}`, found `{}`", e.key, *s));
    return std::nullopt;
  }

  /// A duration in office hours: a number (fixed) or `{KIND: PARAMETERS}`.
  std::optional<Distribution> distribution(const Entry& e) {
    const YAML::Node& n = e.value;
    if (n.IsScalar()) {
      auto v = number(n, at(e), fmt::format("`{}` (office hours)", e.key));
      if (!v) return std::nullopt;
      Distribution d = Distribution::fixed(*v);
      if (auto why = d.invalid(); !why.empty()) {
        problem(at(e), fmt::format("`{}`: {}", e.key, why));
        return std::nullopt;
      }
      return d;
    }
    if (!n.IsMap()) {
      problem(at(e), fmt::format("expected office hours or a distribution such as `{{exponential: 2}}` for `{}`, found {}",
                                 e.key, kind_of(n)));
      return std::nullopt;
    }
    auto parts = entries(n, at(e), fmt::format("the distribution `{}`", e.key), distribution_keys);
    if (!parts) return std::nullopt;
    if (parts->size() != 1) {
      if (n.size() != 1)
        problem(at(e), fmt::format("`{}` names {} distributions; give one of {}", e.key, n.size(),
                                   fmt::join(distribution_keys, ", ")));
      return std::nullopt;
    }
    const Entry& p = parts->front();
    Distribution d;
    d.kind = p.key == "fixed"         ? Distribution::Kind::fixed
             : p.key == "exponential" ? Distribution::Kind::exponential
             : p.key == "lognormal"   ? Distribution::Kind::lognormal
             : p.key == "triangular"  ? Distribution::Kind::triangular
                                      : Distribution::Kind::empirical;
    d.params.clear();
    const std::string what = fmt::format("a parameter of `{}`", p.key);
    if (p.value.IsSequence()) {
      if (p.value.size() > max_entries) {
        problem(at(p), fmt::format("`{}` has {} values, more than the limit of {}", p.key, p.value.size(), max_entries));
        return std::nullopt;
      }
      if (over_budget(p.value.size(), at(p))) return std::nullopt;
      // Located only when wrong: most lists hold only numbers.
      const Where list_at = at(p);
      bool ok = true;
      for (const auto& v : p.value) {
        auto x = read_number(v);
        if (!x) x = number(v, at(v, list_at), what);  // reports the problem
        if (x) d.params.push_back(*x);
        ok = ok && x.has_value();
      }
      if (!ok) return std::nullopt;
    } else {
      auto x = number(p.value, at(p), what);
      if (!x) return std::nullopt;
      d.params.push_back(*x);
    }
    if (auto why = d.invalid(); !why.empty()) {
      problem(at(p), fmt::format("`{}`: {}", e.key, why));
      return std::nullopt;
    }
    return d;
  }

  /// `{service: DURATION, reject: P}` over `base`.
  std::optional<ItemLoad> item_load(const Entry& e, ItemLoad base) {
    auto parts = entries(e.value, at(e), fmt::format("`{}`", e.key), item_keys);
    if (!parts) return std::nullopt;
    bool ok = true;
    for (const Entry& p : *parts) {
      if (p.key == "service") {
        auto d = distribution(p);
        if (d) base.service = std::move(*d);
        ok = ok && d.has_value();
      } else {
        auto v = probability(p);
        if (v) base.reject = *v;
        ok = ok && v.has_value();
      }
    }
    if (!ok) return std::nullopt;
    return base;
  }

  // ---- the scenario -----------------------------------------------------------------------

  void scenario(const YAML::Node& root) {
    auto top = entries(root, {name_, 1, 1}, "the scenario", top_keys);
    if (!top) return;
    std::map<std::string, const Entry*> by_key;
    for (const Entry& e : *top) {
      by_key[e.key] = &e;
      key_where_[e.key] = at(e.key_node);
    }
    auto find = [&](std::string_view k) -> const Entry* {
      auto it = by_key.find(std::string(k));
      return it == by_key.end() ? nullptr : it->second;
    };

    Scenario& s = built_;
    bool start_given = false;
    for (const Entry& e : *top) {
      if (e.key == "start") {
        if (auto v = scalar(e, "a date YYYY-MM-DD")) {
          if (auto d = parse_date(*v)) {
            s.start = *d;
            start_given = true;
          } else {
            problem(at(e), fmt::format("expected a date YYYY-MM-DD for `start`, found `{}`", *v));
          }
        }
      } else if (e.key == "working_days") {
        if (auto v = whole<int>(e, 0, max_days)) s.working_days = *v;
      } else if (e.key == "drain_days") {
        if (auto v = whole<int>(e, 0, max_days)) s.drain_days = *v;
      } else if (e.key == "seed") {
        if (auto v = whole<std::uint64_t>(e, 0, std::numeric_limits<std::uint64_t>::max())) s.seed = *v;
      } else if (e.key == "mode") {
        if (auto v = scalar(e, "`bundled` or `separate`")) {
          if (*v == "bundled") s.mode = Mode::bundled;
          else if (*v == "separate") s.mode = Mode::separate;
          else
            problem(at(e), fmt::format("expected `bundled` or `separate` for `mode`, found `{}`{}", *v,
                                       suggestion(*v, std::vector<std::string_view>{"bundled", "separate"})));
        }
      } else if (e.key == "partitions") {
        if (auto v = whole<int>(e, 1, 255)) s.partitions = *v;
      } else if (e.key == "threads") {
        if (auto v = whole<int>(e, 0, 4096)) s.threads = *v;
      } else if (e.key == "post_check_rate") {
        if (auto v = probability(e)) s.post_check_rate = *v;
      } else if (e.key == "keep_logs") {
        if (auto v = boolean(e)) s.keep_logs = *v;
      }
    }
    if (const Entry* e = find("calendar")) calendar(*e);
    if (!start_given && calendar_ && !calendar_->years().empty())
      s.start = Date{std::chrono::year{calendar_->years().front().year} / 1 / 1};

    const Entry* bundles = find("bundles");
    if (!bundles) {
      problem({name_, 1, 1}, "the scenario has no `bundles` list");
    } else if (!bundles->value.IsSequence()) {
      problem(at(*bundles), fmt::format("expected a list of bundle entries for `bundles`, found {}", kind_of(bundles->value)));
    } else if (bundles->value.size() == 0) {
      problem(at(*bundles), "the `bundles` list is empty");
    } else if (bundles->value.size() > 65'535) {
      problem(at(*bundles), "the scenario has more than 65535 bundle entries");
    } else if (!over_budget(bundles->value.size(), at(*bundles))) {
      const Where list_at = at(*bundles);
      for (const auto& b : bundles->value) bundle(b, at(b, list_at));
    }
    if (const Entry* e = find("staff")) staff(*e);
    if (const Entry* e = find("trace")) {
      trace(*e);
      if (!find("working_days") && !s.trace.empty()) {
        double last = 0;
        for (const Arrival& a : s.trace) last = std::max(last, a.day);
        s.working_days = std::max(1, static_cast<int>(std::floor(last)) + 1);
      }
    }
    if (problems_.empty()) semantic();
  }

  void calendar(const Entry& e) {
    auto v = scalar(e, "a directory of calendar files");
    if (!v) return;
    const fs::path dir = resolve(*v);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      problem(at(e), fmt::format("cannot read the calendar directory `{}`", dir.string()));
      return;
    }
    auto r = yaml::load_calendar_dir(sources_, dir.string());
    std::size_t shown = 0;
    for (const Diagnostic& d : r.diagnostics.items())
      if (d.severity == Severity::error && shown++ < bundle_errors_shown) problem(at(d, at(e)), d.message);
    if (!r.calendar) return;
    if (r.calendar->years().empty()) {
      problem(at(e), fmt::format("the calendar directory `{}` holds no calendar file (`*.yaml`)", dir.string()));
      return;
    }
    calendar_ = std::move(r.calendar);
  }

  fs::path resolve(const std::string& p) const {
    fs::path path(p);
    if (path.is_relative()) path = base_ / path;
    return path.lexically_normal();
  }

  // A bundle entry: the bundle file and how its applicants and staff behave.
  void bundle(const YAML::Node& n, const Where& fallback) {
    auto parts = entries(n, fallback, "a bundle entry", bundle_keys);
    if (!parts) return;
    std::map<std::string, const Entry*> by_key;
    for (const Entry& e : *parts) by_key[e.key] = &e;
    auto find = [&](std::string_view k) -> const Entry* {
      auto it = by_key.find(std::string(k));
      return it == by_key.end() ? nullptr : it->second;
    };
    BundleMarks marks;
    marks.entry = at(n, fallback);
    names_.clear();

    // The bundle itself: loaded, checked and compiled.
    std::optional<CompiledBundle> compiled;
    if (const Entry* f = find("file")) compiled = bundle_file(*f);
    else problem(marks.entry, "a bundle entry needs `file` (the bundle's YAML or DSL file)");
    std::optional<forms::FormModel> form;
    if (compiled) {
      form.emplace(*compiled);
      marks.id = compiled->bundle().id;
      for (const BundleMarks& other : marks_)
        if (other.id == marks.id) {
          problem(at(find("file")->value),
                  fmt::format("bundle `{}` is given twice (first at line {})", marks.id, other.entry.line));
          break;
        }
    }

    // Everything else, over the defaults of BundleLoad; checks that need the bundle only run
    // when it compiled (no cascade of "unknown item" after a bundle that does not load).
    BundleLoad load(CompiledBundle(nullptr));
    if (const Entry* r = find("review"))
      if (auto v = item_load(*r, load.review)) load.review = *v;
    for (const Entry& e : *parts) {
      if (e.key == "arrivals_per_day") {
        if (auto v = non_negative(e, "`arrivals_per_day`")) load.arrivals_per_day = *v;
      } else if (e.key == "intake" || e.key == "issue" || e.key == "supply" || e.key == "resubmit" ||
                 e.key == "post_check" || e.key == "reapply") {
        auto d = distribution(e);
        if (!d) continue;
        (e.key == "intake"       ? load.intake
         : e.key == "issue"      ? load.issue
         : e.key == "supply"     ? load.supply
         : e.key == "resubmit"   ? load.resubmit
         : e.key == "post_check" ? load.post_check
                                 : load.reapply) = std::move(*d);
      } else if (e.key == "defer" || e.key == "correction" || e.key == "pledge" || e.key == "post_check_fail" ||
                 e.key == "rate") {
        auto p = probability(e);
        if (!p) continue;
        (e.key == "defer"        ? load.defer
         : e.key == "correction" ? load.correction
         : e.key == "pledge"     ? load.pledge
         : e.key == "post_check_fail" ? load.post_check_fail
                                      : load.rate) = *p;
      } else if (e.key == "situations") {
        situations(e, compiled ? &compiled->bundle() : nullptr, load, marks);
      } else if (e.key == "items") {
        items(e, compiled ? &compiled->bundle() : nullptr, load, marks);
      } else if (e.key == "profiles") {
        profiles(e, form ? &*form : nullptr, load);
      }
    }
    if (const Entry* a = find("arrivals_per_day")) arrivals_where_.push_back(at(*a));
    else arrivals_where_.push_back(Where{});
    marks_.push_back(std::move(marks));
    if (!compiled) {
      all_compiled_ = false;
      return;
    }
    load.bundle = *compiled;
    built_.bundles.push_back(std::move(load));
    profile_names_.push_back(std::move(names_));
    names_.clear();
  }

  std::optional<CompiledBundle> bundle_file(const Entry& f) {
    auto v = scalar(f, "the path of a bundle file");
    if (!v) return std::nullopt;
    const fs::path path = resolve(*v);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      // A likely typo: the closest bundle file of the same folder.
      std::vector<std::string> names;
      for (auto it = fs::directory_iterator(path.parent_path(), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension();
        if (ext == ".yaml" || ext == ".yml" || ext == ".yi") names.push_back(it->path().filename().string());
      }
      std::sort(names.begin(), names.end());
      problem(at(f), fmt::format("cannot read the bundle file `{}`{}", path.string(),
                                 suggestion(path.filename().string(), names)));
      return std::nullopt;
    }
    auto loaded = load_bundle_file(sources_, path.string());
    std::size_t shown = 0;
    auto report = [&](const Diagnostics& ds) {
      for (const Diagnostic& d : ds.items())
        if (d.severity == Severity::error && shown++ < bundle_errors_shown)
          problem(at(d, at(f)), fmt::format("{} [{}]", d.message, code_string(d.code)));
    };
    std::optional<CompiledBundle> out;
    if (loaded.bundle) {
      auto r = compile(std::move(*loaded.bundle));
      report(loaded.diagnostics);
      report(r.diagnostics);
      out = std::move(r.compiled);
    } else {
      report(loaded.diagnostics);
    }
    if (!out) {
      const std::size_t errors = shown;
      problem(at(f), errors > bundle_errors_shown
                         ? fmt::format("the bundle `{}` does not check ({} errors, the first {} shown; see `yishi check {}`)",
                                       path.string(), errors, bundle_errors_shown, path.string())
                         : fmt::format("the bundle `{}` does not check (see `yishi check {}`)", path.string(), path.string()));
    }
    return out;
  }

  void situations(const Entry& e, const ir::Bundle* ir, BundleLoad& load, BundleMarks& marks) {
    auto parts = entries(e.value, at(e), "`situations`", {});
    if (!parts) return;
    std::vector<std::string> ids;
    if (ir)
      for (const ir::Situation& s : ir->situations) ids.push_back(s.id);
    for (const Entry& p : *parts) {
      marks.situations[p.key] = at(p.key_node);
      if (ir && !ir->find_situation(p.key)) {
        problem(at(p.key_node), fmt::format("no situation `{}` in bundle `{}`{}", p.key, ir->id, suggestion(p.key, ids)));
        continue;
      }
      if (auto v = probability(p.value, at(p), fmt::format("situation `{}`", p.key))) load.situations.emplace_back(p.key, *v);
    }
  }

  void items(const Entry& e, const ir::Bundle* ir, BundleLoad& load, BundleMarks& marks) {
    auto parts = entries(e.value, at(e), "`items`", {});
    if (!parts) return;
    std::vector<std::string> ids;
    if (ir)
      for (const ir::Item& it : ir->items) ids.push_back(it.id);
    for (const Entry& p : *parts) {
      marks.items[p.key] = at(p.key_node);
      if (ir && !ir->find_item(p.key)) {
        problem(at(p.key_node), fmt::format("no item `{}` in bundle `{}`{}", p.key, ir->id, suggestion(p.key, ids)));
        continue;
      }
      if (auto v = item_load(p, load.review)) load.items.emplace(p.key, *v);
    }
  }

  void profiles(const Entry& e, const forms::FormModel* form, BundleLoad& load) {
    if (!e.value.IsSequence()) {
      problem(at(e), fmt::format("expected a list of profiles for `profiles`, found {}", kind_of(e.value)));
      return;
    }
    if (e.value.size() > max_entries) {
      problem(at(e), fmt::format("`profiles` has {} entries, more than the limit of {}", e.value.size(), max_entries));
      return;
    }
    if (over_budget(e.value.size(), at(e))) return;
    double total = 0;
    bool weights_ok = true;
    std::size_t k = 0;
    const Where list_at = at(e);
    for (const auto& n : e.value) {
      auto parts = entries(n, list_at, "a profile", profile_keys);
      Profile profile;
      std::string name;
      if (parts) {
        for (const Entry& p : *parts) {
          if (p.key == "name") {
            if (auto v = scalar(p, "text")) {
              if (std::find(names_.begin(), names_.end(), *v) != names_.end())
                problem(at(p), fmt::format("two profiles of this bundle are named `{}`", *v));
              name = *v;
            }
          } else if (p.key == "weight") {
            auto v = non_negative(p, "a profile weight");
            if (v) profile.weight = *v;
            weights_ok = weights_ok && v.has_value();
          } else {
            answers(p, form, profile.answers);
          }
        }
      }
      total += profile.weight;
      names_.push_back(name.empty() ? std::to_string(k) : name);
      load.profiles.push_back(std::move(profile));
      ++k;
    }
    if (weights_ok && !load.profiles.empty() && total <= 0) problem(at(e), "the profile weights add up to 0");
  }

  /// An applicant's answers, each read with its field's type.
  void answers(const Entry& e, const forms::FormModel* form, expr::Answers& out) {
    auto parts = entries(e.value, at(e), "`answers`", {});
    if (!parts || !form) return;
    const std::string& bundle_id = form->compiled().bundle().id;
    for (const Entry& a : *parts) {
      const forms::FormField* field = form->field(a.key);
      if (!field) {
        std::vector<std::string> ids;
        for (const forms::FormField& f : form->all_fields()) ids.push_back(f.id);
        problem(at(a.key_node), fmt::format("no field `{}` in bundle `{}`{}", a.key, bundle_id, suggestion(a.key, ids)));
        continue;
      }
      std::string text;
      if (a.value.IsScalar()) {
        text = a.value.Scalar();
      } else if (a.value.IsSequence()) {
        if (a.value.size() > max_entries) {
          problem(at(a), fmt::format("the answer to `{}` has more than {} values", a.key, max_entries));
          continue;
        }
        if (over_budget(a.value.size(), at(a))) continue;  // reported there, once
        bool ok = true, first = true;
        for (const auto& v : a.value) {
          if (!v.IsScalar()) {
            problem(at(v, at(a)), fmt::format("expected a value in the answer to `{}`, found {}", a.key, kind_of(v)));
            ok = false;
            break;
          }
          if (!first) text += ',';
          first = false;
          text += v.Scalar();
        }
        if (!ok) continue;
      } else {
        problem(at(a), fmt::format("expected a value for the answer to `{}`, found {}", a.key, kind_of(a.value)));
        continue;
      }
      auto answer = forms::parse_answer(*field, text);
      if (!answer) {
        problem(at(a), fmt::format("`{}` is not a value of type `{}` for field `{}`", text, ir::to_string(field->type), a.key));
        continue;
      }
      const auto errors = form->check_answer(*field, *answer);
      for (const forms::FieldError& fe : errors) problem(at(a), fe.message);
      if (errors.empty()) out.emplace_back(a.key, std::move(*answer));
    }
  }

  void staff(const Entry& e) {
    auto parts = entries(e.value, at(e), "`staff`", {});
    if (!parts) return;
    // Departments the bundles name (items, signers, declared), and the front desk.
    std::vector<std::string> known{"front_desk", "default"};
    for (const BundleLoad& l : built_.bundles) {
      for (const ir::Department& d : l.bundle.bundle().departments) known.push_back(d.id);
      for (const Step& st : l.bundle.steps())
        for (const StepSigner& sg : st.signers) known.push_back(sg.department);
    }
    std::sort(known.begin(), known.end());
    known.erase(std::unique(known.begin(), known.end()), known.end());
    for (const Entry& p : *parts) {
      staff_where_[p.key] = at(p.key_node);
      auto n = whole<std::int64_t>(p, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
      if (!n) continue;
      if (*n < 1 || *n > max_staff) {
        problem(at(p), *n < 1 ? fmt::format("department `{}` needs at least one member of staff, not {}", p.key, *n)
                              : fmt::format("department `{}` has more staff than the limit of {}", p.key, max_staff));
        continue;
      }
      if (all_compiled_ && !std::binary_search(known.begin(), known.end(), p.key)) {
        problem(at(p.key_node), fmt::format("no bundle of the scenario has department `{}`{}", p.key, suggestion(p.key, known)));
        continue;
      }
      if (p.key == "default") built_.default_staff = static_cast<int>(*n);
      else built_.staff[p.key] = static_cast<int>(*n);
    }
  }

  // ---- the arrival trace (CSV) ------------------------------------------------------------

  void trace(const Entry& e) {
    auto v = scalar(e, "the path of a CSV file");
    if (!v) return;
    for (std::size_t b = 0; b < arrivals_where_.size(); ++b)
      if (arrivals_where_[b].line > 0)
        problem(arrivals_where_[b], "`arrivals_per_day` does not apply when the scenario has a `trace`");
    const fs::path path = resolve(*v);
    const std::string file = path.string();
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || !fs::is_regular_file(path, ec)) {
      problem(at(e), fmt::format("cannot read the trace file `{}`", file));
      return;
    }
    if (size > max_trace_bytes) {
      problem(at(e), fmt::format("the trace file `{}` is {} bytes, more than the limit of {}", file, size, max_trace_bytes));
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::string line;
    int number = 0;
    std::size_t columns = 0;
    std::unordered_map<std::string, std::size_t> ids;
    std::vector<std::string> id_list;
    for (std::size_t b = 0; b < built_.bundles.size(); ++b) {
      ids.emplace(built_.bundles[b].bundle.bundle().id, b);
      id_list.push_back(built_.bundles[b].bundle.bundle().id);
    }
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
      if (line.empty() || line[0] == '#') continue;
      if (text::find_invalid_utf8(line)) {
        problem({file, number, 1}, "line is not valid UTF-8");
        continue;
      }
      // Fields, with the 1-based column where each starts.
      std::vector<std::pair<std::string_view, int>> fields;
      for (std::size_t start = 0;;) {
        const std::size_t comma = line.find(',', start);
        const std::string_view f = std::string_view(line).substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        fields.emplace_back(trim(f), static_cast<int>(text::count_code_points(std::string_view(line).substr(0, start))) + 1);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (columns == 0) {
        if ((fields.size() == 2 || fields.size() == 3) && fields[0].first == "day" && fields[1].first == "bundle" &&
            (fields.size() == 2 || fields[2].first == "profile")) {
          columns = fields.size();
        } else {
          problem({file, number, 1}, fmt::format("the trace starts with the header `day,bundle` or `day,bundle,profile`, not `{}`", line));
          return;
        }
        continue;
      }
      if (fields.size() != columns) {
        problem({file, number, 1}, fmt::format("expected {} fields ({}), found {}", columns,
                                               columns == 2 ? "day,bundle" : "day,bundle,profile", fields.size()));
        continue;
      }
      Arrival a;
      const auto [day, day_col] = fields[0];
      auto [p, ec2] = std::from_chars(day.data(), day.data() + day.size(), a.day);
      if (ec2 != std::errc{} || p != day.data() + day.size() || !std::isfinite(a.day) || a.day < 0) {
        problem({file, number, day_col}, fmt::format("expected a day (working days after the start, ≥ 0), found `{}`", day));
        continue;
      }
      if (a.day >= max_days) {
        // `working_days` defaults to the day of the last arrival, rounded up: within its limit.
        problem({file, number, day_col},
                fmt::format("a day must be below {} (the limit of `working_days`), not `{}`", max_days, day));
        continue;
      }
      const auto [bundle, bundle_col] = fields[1];
      auto found = ids.find(std::string(bundle));
      if (found == ids.end()) {
        if (all_compiled_)
          problem({file, number, bundle_col},
                  fmt::format("no bundle `{}` in the scenario{}", bundle, suggestion(bundle, id_list)));
        continue;
      }
      a.bundle = found->second;
      if (columns == 3 && !fields[2].first.empty()) {
        const auto [prof, prof_col] = fields[2];
        const std::vector<std::string>& names = profile_names_[a.bundle];
        auto named = std::find(names.begin(), names.end(), prof);
        if (named == names.end()) {
          problem({file, number, prof_col},
                  names.empty() ? fmt::format("bundle `{}` has no profiles, so no profile `{}`", bundle, prof)
                                : fmt::format("bundle `{}` has no profile `{}` (its profiles: {})", bundle, prof,
                                              fmt::join(names, ", ")));
          continue;
        }
        a.profile = static_cast<std::size_t>(named - names.begin());
      }
      if (problems_.size() >= max_problems) return;
      built_.trace.push_back(a);
    }
    if (columns == 0) problem({file, 0, 0}, "the trace file is empty (it starts with the header `day,bundle`)");
  }

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  }

  // ---- what `validate` finds ----------------------------------------------------------------

  /// The checks of `validate`, located as well as its sentences allow (the loader's own checks
  /// catch almost all of them first, with exact positions).
  void semantic() {
    for (const std::string& sentence : validate(built_)) problem(locate(sentence), sentence);
  }

  Where locate(const std::string& sentence) const {
    auto quoted = [&](std::string_view after) -> std::optional<std::string> {
      const auto at = sentence.find(after);
      if (at == std::string::npos) return std::nullopt;
      const auto b = at + after.size();
      const auto e = sentence.find('`', b);
      if (e == std::string::npos) return std::nullopt;
      return sentence.substr(b, e - b);
    };
    auto key = [&](const std::string& k) -> std::optional<Where> {
      auto it = key_where_.find(k);
      return it == key_where_.end() ? std::nullopt : std::optional<Where>(it->second);
    };
    if (sentence.starts_with("bundle `")) {
      const auto id = quoted("bundle `");
      const bool twice = sentence.find("given twice") != std::string::npos;
      bool first = true;
      for (const BundleMarks& m : marks_) {
        if (!id || m.id != *id) continue;
        if (twice && first) {
          first = false;
          continue;
        }
        if (auto item = quoted(", item `"); item && m.items.count(*item)) return m.items.at(*item);
        if (auto sit = quoted(", situation `"); sit && m.situations.count(*sit)) return m.situations.at(*sit);
        return m.entry;
      }
    }
    if (sentence.starts_with("trace")) {
      if (auto w = key("trace")) return *w;
    }
    if (sentence.starts_with("department `")) {
      if (auto d = quoted("department `"); d && staff_where_.count(*d)) return staff_where_.at(*d);
    }
    if (sentence.starts_with("default_staff")) {
      if (staff_where_.count("default")) return staff_where_.at("default");
    }
    for (std::string_view k : top_keys)
      if (sentence.starts_with(k))
        if (auto w = key(std::string(k))) return *w;
    if (auto w = key("bundles")) return *w;
    return {name_, 1, 1};
  }

  std::string name_;
  fs::path base_;
  SourceMap sources_;
  SourceId src_ = no_source;
  std::size_t text_size_ = 0;
  mutable std::uint32_t last_offset_ = 0;  ///< the last offset `where` located…
  mutable LineColumn last_{0, 0};          ///< …and its line and column (line 0: none yet)
  std::vector<ScenarioProblem> problems_;
  std::size_t visited_ = 0;
  bool budget_reported_ = false;
  Scenario built_;
  std::optional<Calendar> calendar_;
  bool all_compiled_ = true;
  std::map<std::string, Where> key_where_, staff_where_;
  std::vector<BundleMarks> marks_;
  std::vector<Where> arrivals_where_;                   ///< by bundle entry (line 0: not given)
  std::vector<std::string> names_;                      ///< profile names of the bundle being read
  std::vector<std::vector<std::string>> profile_names_; ///< by built bundle
};

}  // namespace

LoadedScenario load_scenario_text(std::string name, std::string text, const std::string& base_dir) {
  Loader loader(std::move(name), base_dir);
  return loader.load(std::move(text));
}

LoadedScenario load_scenario_file(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  LoadedScenario out;
  if (ec || !fs::is_regular_file(path, ec)) {
    out.problems.push_back({path, 0, 0, fmt::format("cannot read `{}`", path)});
    return out;
  }
  if (size > max_scenario_bytes) {
    out.problems.push_back({path, 0, 0, fmt::format("file is {} bytes, more than the limit of {}", size, max_scenario_bytes)});
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in) {
    out.problems.push_back({path, 0, 0, fmt::format("cannot read `{}`", path)});
    return out;
  }
  return load_scenario_text(path, ss.str(), fs::path(path).parent_path().string());
}

std::string to_string(const ScenarioProblem& p) {
  if (p.line <= 0) return fmt::format("{}: error: {}", p.file, p.message);
  return fmt::format("{}:{}:{}: error: {}", p.file, p.line, p.column, p.message);
}

}  // namespace yishi::simulate
