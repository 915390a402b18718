// The 四减 report and the critical path through a compiled bundle's dependency graph.
#include "yishi/analysis/report.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dag_shortest_paths.hpp>
#include <fmt/format.h>

#include "yishi/base/json.hpp"
#include "yishi/base/text.hpp"

namespace yishi::analysis {

namespace {

constexpr std::int64_t hours_per_day = 8;

std::int64_t hours_of(const ir::WorkDuration& d) { return d.days * hours_per_day + d.hours; }
double days_of(std::int64_t hours) { return static_cast<double>(hours) / hours_per_day; }

// 环节 of an item applied for alone: 申请, 受理, 审查, 办结, and its on-site inspection.
std::int32_t separate_steps(const ir::Item& it) {
  return it.separately.steps.value_or(4 + (it.inspection.empty() ? 0 : 1));
}
// 跑动: one trip to apply at a window, one to collect a result there, one per inspection.
std::int32_t trips_of(ir::Channel apply, ir::Channel delivery, std::int32_t inspections) {
  return (apply == ir::Channel::window ? 1 : 0) + (delivery == ir::Channel::window ? 1 : 0) + inspections;
}

}  // namespace

CriticalPath critical_path(const CompiledBundle& compiled, std::span<const std::int64_t> hours) {
  using namespace boost;
  // Longest path on a DAG = shortest path with negated weights; every edge leaving a step
  // weighs the step's duration, so the distance of issuance is the critical path.
  using Graph = adjacency_list<vecS, vecS, directedS, no_property, property<edge_weight_t, std::int64_t>>;
  const auto steps = compiled.steps();
  Graph g(steps.size());
  auto duration = [&](const Step& s) -> std::int64_t {
    return s.kind == StepKind::review ? hours[static_cast<std::size_t>(s.item)] : 0;
  };
  for (const Step& s : steps)
    for (StepId p : s.predecessors) add_edge(p.value, s.id.value, -duration(steps[p.value]), g);
  std::vector<std::int64_t> distance(steps.size());
  dag_shortest_paths(g, compiled.intake().value, distance_map(distance.data()));
  // Walk back from issuance. Of the predecessors that lie on a longest path, take the item
  // declared first (steps are numbered in declaration order); intake only when no item does.
  CriticalPath out;
  std::size_t v = compiled.issuance().value;
  out.hours = -distance[v];
  while (v != compiled.intake().value) {
    std::optional<std::size_t> best;
    for (StepId p : steps[v].predecessors) {
      if (-distance[p.value] + duration(steps[p.value]) != -distance[v]) continue;
      const bool item = steps[p.value].kind == StepKind::review;
      if (!best || (item && (steps[*best].kind != StepKind::review || p.value < *best))) best = p.value;
    }
    if (!best) break;
    v = *best;
    if (steps[v].kind == StepKind::review) out.items.push_back(static_cast<std::size_t>(steps[v].item));
  }
  std::reverse(out.items.begin(), out.items.end());
  return out;
}

Report report(const forms::FormModel& model, const std::optional<forms::Applicant>& applicant) {
  const CompiledBundle& compiled = model.compiled();
  const ir::Bundle& b = compiled.bundle();
  forms::Applicant who = applicant.value_or(forms::Applicant{});
  if (!applicant) who.every_item = true;
  const forms::MergedForm form = model.merge(who);
  const forms::MaterialPlan plan = model.materials(who);

  Report r;
  r.bundle = b.id;
  r.name = b.name;
  r.version = b.version;
  r.for_applicant = applicant.has_value() && !applicant->every_item;
  if (b.provenance.is_variant()) {
    r.base = b.provenance.base_id;
    r.base_version = b.provenance.base_version;
    for (const ir::VariantChange& c : b.provenance.changes) {
      const char* sign = c.kind == ir::VariantChange::Kind::added     ? "+"
                         : c.kind == ir::VariantChange::Kind::removed ? "-"
                                                                      : "~";
      std::string line = fmt::format("{} {} `{}`", sign, c.what, c.id);
      if (c.kind == ir::VariantChange::Kind::overridden && !c.keys.empty())
        line += fmt::format(": {}", fmt::join(c.keys, ", "));
      r.variant_changes.push_back(std::move(line));
    }
  }
  r.undecided = form.undecided_items;
  r.errors = plan.errors;

  std::vector<bool> counted(b.items.size(), false);
  for (std::size_t i = 0; i < b.items.size(); ++i)
    counted[i] = std::find(form.active_items.begin(), form.active_items.end(), b.items[i].id) != form.active_items.end();

  std::vector<std::int64_t> promised(b.items.size(), 0), statutory(b.items.size(), 0);
  std::int64_t separate_hours = 0, statutory_hours = 0;
  std::set<std::string> inspections;
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    if (!counted[i]) continue;
    const ir::Item& it = b.items[i];
    // A pledged item (告知承诺) is approved on the spot, in the bundle as on its own.
    const bool pledged = std::find(who.pledged.begin(), who.pledged.end(), it.id) != who.pledged.end() && it.pledge;
    promised[i] = pledged ? 0 : hours_of(it.promised);
    statutory[i] = hours_of(it.statutory);
    const std::int64_t alone = pledged ? 0 : hours_of(it.separately.limit.value_or(it.promised));
    separate_hours += alone;
    statutory_hours += statutory[i];
    ItemFigures f;
    f.id = it.id;
    f.name = it.name;
    f.department = it.department.id;
    f.promised_days = days_of(promised[i]);
    f.separate_days = days_of(alone);
    f.statutory_days = days_of(statutory[i]);
    f.steps = separate_steps(it);
    f.inspection = it.inspection;
    f.trips = trips_of(it.separately.apply.value_or(b.apply), it.separately.delivery.value_or(b.delivery),
                       it.inspection.empty() ? 0 : 1);
    f.materials = static_cast<std::int32_t>(it.materials.size());
    f.fields = static_cast<std::int32_t>(it.form.size());
    r.steps.separately += f.steps;
    r.trips.separately += f.trips;
    r.materials.separately += f.materials;
    r.fields.separately += f.fields;
    if (!it.inspection.empty()) {
      ++r.inspections_separately;
      inspections.insert(it.inspection);
    }
    r.items.push_back(std::move(f));
  }

  const CriticalPath cp = critical_path(compiled, promised);
  const CriticalPath scp = critical_path(compiled, statutory);
  auto names = [&](const CriticalPath& p) {
    std::vector<std::string> ids;
    for (std::size_t i : p.items)
      if (counted[i]) ids.push_back(b.items[i].id);
    return ids;
  };
  r.critical_path = names(cp);
  r.statutory_critical_path = names(scp);
  for (auto& f : r.items)
    f.critical = std::find(r.critical_path.begin(), r.critical_path.end(), f.id) != r.critical_path.end();
  r.days = {days_of(separate_hours), days_of(cp.hours)};
  r.statutory_days = {days_of(statutory_hours), days_of(scp.hours)};

  // Bundled: one application, one acceptance (综合受理), one review however many departments
  // take part (they work in parallel or pass the case on, without the applicant), one delivery
  // (统一出件), and each joint inspection once.
  r.inspections_bundled = static_cast<std::int32_t>(inspections.size());
  r.steps.bundled = 4 + r.inspections_bundled;
  r.trips.bundled = trips_of(b.apply, b.delivery, r.inspections_bundled);

  r.materials_distinct = static_cast<std::int32_t>(plan.materials.size());
  r.materials_provided = static_cast<std::int32_t>(plan.count(forms::MaterialRequirement::provided));
  r.materials_pledged = static_cast<std::int32_t>(plan.count(forms::MaterialRequirement::pledged));
  r.materials_deferrable = static_cast<std::int32_t>(plan.count(forms::MaterialRequirement::deferrable));
  r.materials.bundled = r.materials_distinct - r.materials_provided - r.materials_pledged;

  r.fields.bundled = static_cast<double>(form.fields.size());
  r.fields_prefillable = static_cast<std::int32_t>(
      std::count_if(form.fields.begin(), form.fields.end(), [](const forms::FormField& f) { return !f.provider.empty(); }));
  return r;
}

namespace {

std::string number(double v, int decimals = 3) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}
std::string percent(const Figure& f) {
  return f.separately > 0 ? fmt::format("{:.1f}%", f.reduction() * 100) : std::string("—");
}

// Pads to a display width (Chinese characters take two columns).
std::string pad(std::string s, std::size_t width) {
  const auto w = text::display_width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

}  // namespace

std::string to_text(const Report& r) {
  std::string out;
  out += fmt::format("四减 report: {} ({}, version {}){}\n", r.name, r.bundle, r.version,
                     r.for_applicant ? ", for the given answers" : ", every item");
  if (!r.base.empty()) {
    out += fmt::format("  local variant of {} (version {}), {} changes:\n", r.base, r.base_version,
                       r.variant_changes.size());
    for (const auto& c : r.variant_changes) out += fmt::format("    {}\n", c);
  }
  if (!r.undecided.empty())
    out += fmt::format("  left out, undecided: {}\n", fmt::join(r.undecided, ", "));
  for (const auto& e : r.errors) out += fmt::format("  error: {}\n", e);
  out += "\n";
  auto row = [&](std::string a, std::string b, std::string c, std::string d, std::string e) {
    out += pad(std::move(a), 30) + pad(std::move(b), 12) + pad(std::move(c), 12) + pad(std::move(d), 10) + e + "\n";
  };
  row("figure", "separately", "bundled", "saved", "");
  row("时间 time (working days)", number(r.days.separately), number(r.days.bundled), percent(r.days), "promised limits");
  row("法定 statutory (working days)", number(r.statutory_days.separately), number(r.statutory_days.bundled),
      percent(r.statutory_days), "");
  row("环节 steps", number(r.steps.separately), number(r.steps.bundled), percent(r.steps), "");
  row("材料 materials", number(r.materials.separately), number(r.materials.bundled), percent(r.materials),
      fmt::format("{} distinct, {} provided, {} pledged, {} deferrable", r.materials_distinct, r.materials_provided,
                  r.materials_pledged, r.materials_deferrable));
  row("表单 form fields", number(r.fields.separately), number(r.fields.bundled), percent(r.fields),
      fmt::format("{} prefillable", r.fields_prefillable));
  row("跑动 trips", number(r.trips.separately), number(r.trips.bundled), percent(r.trips),
      fmt::format("{} inspections, {} bundled", r.inspections_separately, r.inspections_bundled));
  out += "\n";
  std::size_t id_width = 6, department_width = 12;
  for (const auto& f : r.items) {
    id_width = std::max(id_width, text::display_width(f.id) + 2);
    department_width = std::max(department_width, text::display_width(f.department) + 2);
  }
  out += pad("item", id_width) + pad("department", department_width) + pad("promised", 10) + pad("alone", 8) +
         pad("statutory", 11) + pad("steps", 7) + pad("trips", 7) + "critical\n";
  for (const auto& f : r.items)
    out += pad(f.id, id_width) + pad(f.department, department_width) + pad(number(f.promised_days), 10) +
           pad(number(f.separate_days), 8) +
           pad(number(f.statutory_days), 11) + pad(std::to_string(f.steps), 7) + pad(std::to_string(f.trips), 7) +
           (f.critical ? "*" : "") + "\n";
  out += fmt::format("\ncritical path ({} working days): {}\n", number(r.days.bundled),
                     r.critical_path.empty() ? std::string("—") : fmt::format("{}", fmt::join(r.critical_path, " → ")));
  out += fmt::format("statutory critical path ({} working days): {}\n", number(r.statutory_days.bundled),
                     r.statutory_critical_path.empty() ? std::string("—")
                                                       : fmt::format("{}", fmt::join(r.statutory_critical_path, " → ")));
  // No trailing blanks from padding the last column.
  std::string trimmed;
  for (std::size_t start = 0; start < out.size();) {
    const auto end = out.find('\n', start);
    std::string_view line(out.data() + start, end - start);
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    trimmed.append(line).push_back('\n');
    start = end + 1;
  }
  return trimmed;
}

std::string to_json(const Report& r) {
  std::string o = "{";
  auto key = [&](std::string_view k) {
    if (o.size() > 1 && o.back() != '{' && o.back() != '[') o += ',';
    json::append_string(o, k);
    o += ':';
  };
  auto strings = [&](std::string_view k, const std::vector<std::string>& v) {
    key(k);
    o += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o += ',';
      json::append_string(o, v[i]);
    }
    o += ']';
  };
  auto figure = [&](std::string_view k, const Figure& f) {
    key(k);
    o += fmt::format("{{\"separately\":{},\"bundled\":{},\"reduction\":{}}}", number(f.separately), number(f.bundled),
                     number(f.reduction(), 4));
  };
  key("bundle");
  json::append_string(o, r.bundle);
  key("name");
  json::append_string(o, r.name);
  key("version");
  json::append_string(o, r.version);
  key("for_applicant");
  o += r.for_applicant ? "true" : "false";
  if (!r.base.empty()) {  // a local variant
    key("variant");
    o += '{';
    key("base");
    json::append_string(o, r.base);
    key("base_version");
    json::append_string(o, r.base_version);
    strings("changes", r.variant_changes);
    o += '}';
  }
  strings("undecided", r.undecided);
  strings("errors", r.errors);
  figure("days", r.days);
  strings("critical_path", r.critical_path);
  figure("statutory_days", r.statutory_days);
  strings("statutory_critical_path", r.statutory_critical_path);
  figure("steps", r.steps);
  figure("materials", r.materials);
  key("materials_detail");
  o += fmt::format("{{\"distinct\":{},\"provided\":{},\"pledged\":{},\"deferrable\":{}}}", r.materials_distinct,
                   r.materials_provided, r.materials_pledged, r.materials_deferrable);
  figure("fields", r.fields);
  key("fields_prefillable");
  o += std::to_string(r.fields_prefillable);
  figure("trips", r.trips);
  key("inspections");
  o += fmt::format("{{\"separately\":{},\"bundled\":{}}}", r.inspections_separately, r.inspections_bundled);
  key("items");
  o += '[';
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    const auto& f = r.items[i];
    if (i) o += ',';
    o += "{\"id\":" + json::quote(f.id) + ",\"name\":" + json::quote(f.name) + ",\"department\":" + json::quote(f.department);
    o += fmt::format(",\"promised_days\":{},\"separate_days\":{},\"statutory_days\":{},\"steps\":{},\"trips\":{},"
                     "\"materials\":{},\"fields\":{},\"inspection\":{},\"critical\":{}}}",
                     number(f.promised_days), number(f.separate_days), number(f.statutory_days), f.steps, f.trips,
                     f.materials, f.fields, f.inspection.empty() ? std::string("null") : json::quote(f.inspection),
                     f.critical ? "true" : "false");
  }
  o += "]}";
  return o;
}

std::string summary_table(std::span<const Report> reports) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"一件事 bundle", "items", "depts", "环节 steps", "材料 materials", "表单 fields", "时间 days", "跑动 trips",
                  "time saved"});
  auto pair = [](const Figure& f) { return fmt::format("{}→{}", number(f.separately, 1), number(f.bundled, 1)); };
  Report total;
  for (const Report& r : reports) {
    std::set<std::string> departments;
    for (const ItemFigures& f : r.items) departments.insert(f.department);
    rows.push_back({r.name, std::to_string(r.items.size()), std::to_string(departments.size()), pair(r.steps),
                    pair(r.materials), pair(r.fields), pair(r.days), pair(r.trips), percent(r.days)});
    for (auto [sum, part] : {std::pair{&total.steps, &r.steps}, {&total.materials, &r.materials},
                             {&total.fields, &r.fields}, {&total.days, &r.days}, {&total.trips, &r.trips}}) {
      sum->separately += part->separately;
      sum->bundled += part->bundled;
    }
  }
  if (reports.size() > 1)
    rows.push_back({fmt::format("total ({} bundles)", reports.size()), "", "", pair(total.steps), pair(total.materials),
                    pair(total.fields), pair(total.days), pair(total.trips), percent(total.days)});
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], text::display_width(row[c]) + 2);
  std::string out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (std::size_t c = 0; c < rows[k].size(); ++c) line += pad(rows[k][c], c + 1 < rows[k].size() ? width[c] : 0);
    out += line + "\n";
    if (k == 0 || (reports.size() > 1 && k + 2 == rows.size())) {
      std::size_t all = 0;
      for (std::size_t w : width) all += w;
      out += std::string(all, '-') + "\n";
    }
  }
  return out;
}

}  // namespace yishi::analysis
