#include "yishi/export/diagram.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "yishi/analysis/report.hpp"

namespace yishi::exporting {
namespace {

constexpr std::int64_t hours_per_day = 8;

std::int64_t hours_of(const ir::WorkDuration& d) { return d.days * hours_per_day + d.hours; }

std::string join_label(const Step& step, const ir::Review& review) {
  if (step.signers.size() <= 1) return {};
  std::vector<std::string> roles;
  for (const StepSigner& s : step.signers) roles.push_back(s.weight == 1 ? s.role : fmt::format("{}×{}", s.role, s.weight));
  switch (review.join) {
    case ir::JoinKind::all: return fmt::format("会签: {}", fmt::join(roles, ", "));
    case ir::JoinKind::any: return fmt::format("或签: {}", fmt::join(roles, ", "));
    case ir::JoinKind::sequence: return fmt::format("依次审批: {}", fmt::join(roles, " → "));
    case ir::JoinKind::vote:
      return fmt::format("票签 ≥{}/{}: {}", step.join.threshold, step.join.total_weight, fmt::join(roles, ", "));
  }
  return {};
}

/// What a `when` condition says, in the words of the bundle: a situation's label when the
/// condition names one, else the expression itself.
std::string condition_label(const ir::Bundle& b, const std::vector<ir::Expression>& when) {
  std::vector<std::string> parts;
  for (const ir::Expression& e : when) {
    const std::string_view text = ir::significant_text(e.text);
    const ir::Situation* s = b.find_situation(text);
    parts.push_back(s && !s->label.empty() ? s->label : std::string(text));
  }
  return fmt::format("情形: {}", fmt::join(parts, " 且 "));
}

std::vector<std::string> item_lines(const CompiledBundle& compiled, const Step& step) {
  const ir::Bundle& b = compiled.bundle();
  const ir::Item& it = b.items[static_cast<std::size_t>(step.item)];
  std::vector<std::string> lines{it.name};
  std::string limits = fmt::format("承诺 {} · 法定 {}", ir::to_string(it.promised), ir::to_string(it.statutory));
  if (it.pledge) limits += " · 可告知承诺";
  lines.push_back(std::move(limits));
  if (std::string j = join_label(step, it.review); !j.empty()) lines.push_back(std::move(j));
  if (!it.when.empty()) lines.push_back(condition_label(b, it.when));
  std::vector<std::string> deferrable;
  for (const ir::MaterialUse& use : it.materials) {
    const ir::Material* m = b.find_material(use.material.id);
    if (m && m->deferrable) deferrable.push_back(fmt::format("{}({})", m->name, ir::to_string(*m->deferrable)));
  }
  if (!deferrable.empty()) lines.push_back(fmt::format("容缺: {}", fmt::join(deferrable, "、")));
  if (!it.inspection.empty()) lines.push_back(fmt::format("联合踏勘: {}", it.inspection));
  return lines;
}

}  // namespace

std::string node_id(const DiagramNode& n) { return n.terminal ? n.id : "item_" + n.id; }

Diagram diagram(const CompiledBundle& compiled) {
  const ir::Bundle& b = compiled.bundle();
  Diagram d;
  d.id = b.id;
  d.title = b.name;

  std::vector<std::int64_t> hours(b.items.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) hours[i] = hours_of(b.items[i].promised);
  const analysis::CriticalPath cp = analysis::critical_path(compiled, hours);
  d.critical_hours = cp.hours;
  std::vector<bool> critical_item(b.items.size(), false);
  for (std::size_t i : cp.items) critical_item[i] = true;

  // Lanes: departments that handle an item, in declaration order.
  std::map<std::string, std::int32_t, std::less<>> lane_of;
  for (const ir::Department& dep : b.departments) {
    const bool used = std::any_of(b.items.begin(), b.items.end(),
                                  [&](const ir::Item& it) { return it.department.id == dep.id; });
    if (!used) continue;
    lane_of.emplace(dep.id, static_cast<std::int32_t>(d.lanes.size()));
    d.lanes.push_back({dep.id, dep.name});
  }

  std::vector<std::size_t> node_of(compiled.steps().size());
  for (StepId sid : compiled.topological_order()) {
    const Step& s = compiled.step(sid);
    DiagramNode n;
    n.id = s.name;
    switch (s.kind) {
      case StepKind::intake:
        n.lines = {"综合受理", b.apply == ir::Channel::online ? "一网申请" : "一窗受理"};
        n.terminal = n.critical = true;
        break;
      case StepKind::issuance:
        n.lines = {"统一出件", b.delivery == ir::Channel::mail ? "寄递送达"
                              : b.delivery == ir::Channel::online ? "网上送达" : "窗口领取"};
        n.terminal = n.critical = true;
        break;
      case StepKind::review: {
        const ir::Item& it = b.items[static_cast<std::size_t>(s.item)];
        n.lines = item_lines(compiled, s);
        n.lane = lane_of.at(it.department.id);
        n.conditional = !it.when.empty();
        n.critical = critical_item[static_cast<std::size_t>(s.item)];
        break;
      }
    }
    node_of[sid.value] = d.nodes.size();
    d.nodes.push_back(std::move(n));
  }

  // An edge is critical when it joins consecutive steps of the critical path (intake → first,
  // each item → the next, last → issuance).
  std::vector<std::string> path{"intake"};
  for (std::size_t i : cp.items) path.push_back(b.items[i].id);
  path.push_back("issuance");
  auto on_path = [&](const std::string& from, const std::string& to) {
    for (std::size_t k = 0; k + 1 < path.size(); ++k)
      if (path[k] == from && path[k + 1] == to) return true;
    return false;
  };
  for (const Step& s : compiled.steps())
    for (StepId next : s.successors) {
      DiagramEdge e{node_of[s.id.value], node_of[next.value], false};
      e.critical = on_path(d.nodes[e.from].id, d.nodes[e.to].id);
      d.edges.push_back(e);
    }
  std::sort(d.edges.begin(), d.edges.end(),
            [](const DiagramEdge& x, const DiagramEdge& y) { return std::pair(x.from, x.to) < std::pair(y.from, y.to); });
  return d;
}

namespace {

/// A text on one line: line breaks become spaces (a title in a comment or a header).
std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '\r') out += c == '\n' ? ' ' : c;
  return out;
}

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\\n";  // DOT's line break inside a label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// A text as a YAML value (the front matter of a Mermaid diagram is YAML): as written when
/// YAML reads it back unchanged, else double-quoted (`: ` would start a map, ` #` a comment).
std::string yaml_value(std::string_view s) {
  const std::string t = one_line(s);
  const bool plain = !t.empty() && std::string_view("-?:,[]{}#&*!|>'\"%@` ").find(t.front()) == std::string_view::npos &&
                     t.back() != ' ' && t.back() != ':' && t.find(": ") == std::string::npos &&
                     t.find(" #") == std::string::npos && t.find_first_of("\"\\\t") == std::string::npos;
  if (plain) return t;
  std::string out = "\"";
  for (char c : t) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\t' ? ' ' : c;
  }
  return out + '"';
}

std::string dot_quote(std::string_view s) { return '"' + dot_escape(s) + '"'; }

std::string dot_node(const DiagramNode& n, std::string_view indent) {
  std::vector<std::string> lines;
  for (const std::string& l : n.lines) lines.push_back(dot_escape(l));
  std::vector<std::string> attrs{fmt::format("label=\"{}\"", fmt::join(lines, "\\n"))};
  std::vector<std::string> style{n.terminal ? "filled" : "rounded"};
  if (n.terminal) attrs.push_back("fillcolor=\"#eef3fb\"");
  if (n.conditional) style.push_back("dashed");
  if (n.critical) {
    attrs.push_back("color=\"#c0392b\"");
    attrs.push_back("penwidth=2");
  }
  attrs.insert(attrs.begin() + 1, fmt::format("style=\"{}\"", fmt::join(style, ",")));
  return fmt::format("{}{} [{}];\n", indent, dot_quote(node_id(n)), fmt::join(attrs, ", "));
}

std::string mermaid_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "#34;"; break;
      case '#': out += "#35;"; break;
      case '<': out += "#60;"; break;
      case '>': out += "#62;"; break;
      case '\n': out += "<br/>"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string to_dot(const Diagram& d) {
  std::string out = fmt::format("// {}: generated by `yishi graph`\ndigraph {} {{\n", one_line(d.title), dot_quote(d.id));
  out += fmt::format("  label={}; labelloc=t; fontsize=18;\n", dot_quote(d.title));
  out += "  rankdir=LR; newrank=true; nodesep=0.3; ranksep=0.5;\n";
  out += "  fontname=\"Noto Sans CJK SC\";\n";
  out += "  node [shape=box, fontname=\"Noto Sans CJK SC\", fontsize=11];\n";
  out += "  edge [color=\"#555555\"];\n";
  for (const DiagramNode& n : d.nodes)
    if (n.lane < 0) out += dot_node(n, "  ");
  for (std::size_t l = 0; l < d.lanes.size(); ++l) {
    out += fmt::format("  subgraph {} {{\n", dot_quote("cluster_" + d.lanes[l].id));
    out += fmt::format("    label={}; style=\"rounded,filled\"; fillcolor=\"#f7f7f7\"; color=\"#bbbbbb\";\n",
                       dot_quote(d.lanes[l].name));
    for (const DiagramNode& n : d.nodes)
      if (n.lane == static_cast<std::int32_t>(l)) out += dot_node(n, "    ");
    out += "  }\n";
  }
  for (const DiagramEdge& e : d.edges)
    out += fmt::format("  {} -> {}{};\n", dot_quote(node_id(d.nodes[e.from])), dot_quote(node_id(d.nodes[e.to])),
                       e.critical ? " [color=\"#c0392b\", penwidth=2]" : "");
  out += "}\n";
  return out;
}

std::string to_mermaid(const Diagram& d) {
  std::string out = fmt::format("---\ntitle: {}\n---\nflowchart LR\n", yaml_value(d.title));
  auto node = [&](const DiagramNode& n, std::string_view indent) {
    std::vector<std::string> lines;
    for (const std::string& l : n.lines) lines.push_back(mermaid_text(l));
    const std::string label = fmt::format("{}", fmt::join(lines, "<br/>"));
    return n.terminal ? fmt::format("{}{}([\"{}\"])\n", indent, node_id(n), label)
                      : fmt::format("{}{}[\"{}\"]\n", indent, node_id(n), label);
  };
  for (const DiagramNode& n : d.nodes)
    if (n.lane < 0) out += node(n, "  ");
  for (std::size_t l = 0; l < d.lanes.size(); ++l) {
    out += fmt::format("  subgraph lane_{}[\"{}\"]\n", d.lanes[l].id, mermaid_text(d.lanes[l].name));
    for (const DiagramNode& n : d.nodes)
      if (n.lane == static_cast<std::int32_t>(l)) out += node(n, "    ");
    out += "  end\n";
  }
  std::vector<std::size_t> critical_links;
  for (std::size_t k = 0; k < d.edges.size(); ++k) {
    const DiagramEdge& e = d.edges[k];
    out += fmt::format("  {} --> {}\n", node_id(d.nodes[e.from]), node_id(d.nodes[e.to]));
    if (e.critical) critical_links.push_back(k);
  }
  out += "  classDef critical stroke:#c0392b,stroke-width:3px\n";
  out += "  classDef conditional stroke-dasharray:5 5\n";
  std::vector<std::string> critical, conditional;
  for (const DiagramNode& n : d.nodes) {
    if (n.critical) critical.push_back(node_id(n));
    if (n.conditional) conditional.push_back(node_id(n));
  }
  if (!critical.empty()) out += fmt::format("  class {} critical\n", fmt::join(critical, ","));
  if (!conditional.empty()) out += fmt::format("  class {} conditional\n", fmt::join(conditional, ","));
  if (!critical_links.empty())
    out += fmt::format("  linkStyle {} stroke:#c0392b,stroke-width:3px\n", fmt::join(critical_links, ","));
  return out;
}

}  // namespace yishi::exporting
