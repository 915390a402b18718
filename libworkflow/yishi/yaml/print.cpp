// The YAML printer: IR → canonical bundle YAML (docs/bundle-format.md), keeping comments.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "yishi/source/comments.hpp"
#include "yishi/yaml/print.hpp"

namespace yishi::yaml {

namespace {

// Whether `s` can be written as a plain YAML scalar and read back as the same text by the
// loader (which reads every scalar as text). `flow`: inside `[...]`.
bool plain_ok(std::string_view s, bool flow) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  static constexpr std::string_view first_bad = "-?:,[]{}#&*!|>'\"%@`";
  if (first_bad.find(s.front()) != std::string_view::npos) return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos || s.back() == ':') return false;
  // yaml-cpp does not read a `?` or a `:` inside a flow list as part of a plain scalar.
  if (flow && s.find_first_of(",[]{}?:") != std::string_view::npos) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  static constexpr std::string_view special[] = {"null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False",
                                                 "FALSE", "yes", "Yes", "no", "No", "on", "On", "off", "Off"};
  return std::find(std::begin(special), std::end(special), s) == std::end(special);
}

std::string double_quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string scalar(std::string_view s, bool flow = false) { return plain_ok(s, flow) ? std::string(s) : double_quoted(s); }

// An id, as a key or a value, in or out of a flow list: plain but for the words YAML reads
// as something else (`null`, `yes`, `on`, …).
std::string id(std::string_view s) { return scalar(s, true); }

// Expressions: single quotes when they contain double quotes, so the text stays verbatim
// (and errors point inside it); plain when safe.
std::string expression(std::string_view s, bool flow = false) {
  if (plain_ok(s, flow) && s.find('"') == std::string_view::npos && s.find('\'') == std::string_view::npos) return std::string(s);
  if (s.find('\n') == std::string_view::npos && s.find('\'') == std::string_view::npos) return fmt::format("'{}'", s);
  return double_quoted(s);
}

std::string number(double d) {
  char buf[512];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (ec != std::errc{}) return fmt::format("{}", d);
  return std::string(buf, p);
}

std::string fee(std::int64_t fen) {
  if (fen % 100 == 0) return std::to_string(fen / 100);
  return fmt::format("{}.{:02}", fen / 100, fen % 100);
}

template <class T, class F>
std::string flow_list(const std::vector<T>& v, F f) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + f(v[i]);
  return out + "]";
}

class Printer {
 public:
  explicit Printer(const SourceFile* src) : comments_(src) {}

  std::string run(const ir::Bundle& b) {
    comments_before(b.loc, 0);
    kv(0, "bundle", id(b.id));
    kv(0, "name", scalar(b.name));
    kv(0, "version", double_quoted(b.version));
    kv(0, "applicant", b.applicant == ir::ApplicantKind::enterprise ? "enterprise" : "individual");
    comments_before(b.lead.loc, 0);
    kv(0, "lead", id(b.lead.id));
    if (b.apply != ir::Channel::window) kv(0, "apply", ir::to_string(b.apply));
    if (b.delivery != ir::Channel::window) kv(0, "delivery", ir::to_string(b.delivery));
    if (!b.basis.empty()) kv(0, "basis", scalar(b.basis));
    section("departments", b.departments, [&](const ir::Department& d) {
      comments_before(d.loc, 2);
      if (d.basis.empty()) {
        kv(2, d.id, scalar(d.name));
      } else {
        key(2, d.id);
        kv(4, "name", scalar(d.name));
        kv(4, "basis", scalar(d.basis));
      }
    });
    section("fields", b.fields, [&](const ir::Field& f) {
      comments_before(f.loc, 2);
      key(2, f.id);
      field_body(4, f);
    });
    section("materials", b.materials, [&](const ir::Material& m) {
      comments_before(m.loc, 2);
      key(2, m.id);
      kv(4, "name", scalar(m.name));
      if (m.deferrable) kv(4, "deferrable", ir::to_string(*m.deferrable));
      if (m.issue_before_supply) kv(4, "issue_before_supply", "true");
      if (!m.source.empty()) kv(4, "source", id(m.source));
      if (m.pledge) kv(4, "pledge", "true");
      if (!m.basis.empty()) kv(4, "basis", scalar(m.basis));
    });
    section("situations", b.situations, [&](const ir::Situation& s) {
      comments_before(s.loc, 2);
      key(2, s.id);
      if (!s.label.empty()) kv(4, "label", scalar(s.label));
      kv(4, "when", expression(s.condition.text));
      if (!s.basis.empty()) kv(4, "basis", scalar(s.basis));
    });
    section("eligibility", b.eligibility, [&](const ir::Eligibility& e) {
      comments_before(e.loc, 2);
      line(2, "- when: " + expression(e.condition.text));
      if (!e.label.empty()) kv(4, "label", scalar(e.label));
    });
    section("tables", b.tables, [&](const ir::DecisionTable& t) { table(t); });
    section("items", b.items, [&](const ir::Item& it) { item(it); });
    section("stages", b.stages, [&](const ir::Stage& s) {
      comments_before(s.loc, 2);
      line(2, "- id: " + id(s.id));
      if (!s.name.empty()) kv(4, "name", scalar(s.name));
      kv(4, "items", flow_list(s.items, [](const ir::Ref& r) { return id(r.id); }));
    });
    for (const auto& c : comments_.rest()) line(0, c);
    return std::move(out_);
  }

 private:
  void line(int indent, std::string_view text) {
    out_.append(static_cast<std::size_t>(indent), ' ');
    out_ += text;
    out_ += '\n';
  }
  void key(int indent, std::string_view k) { line(indent, fmt::format("{}:", id(k))); }
  void kv(int indent, std::string_view k, std::string_view v) { line(indent, fmt::format("{}: {}", id(k), v)); }

  void comments_before(const ir::Loc& loc, int indent) {
    if (!loc.span.valid()) return;
    for (const auto& c : comments_.before(loc.span.begin)) line(indent, c);
  }

  template <class T, class F>
  void section(std::string_view name, const std::vector<T>& v, F f) {
    if (v.empty()) {
      // `departments` and `items` are required keys, even when empty.
      if (name == "departments" || name == "items") out_ += fmt::format("\n{}: {{}}\n", name);
      return;
    }
    out_ += '\n';
    key(0, name);
    for (const auto& x : v) f(x);
  }

  void field_body(int indent, const ir::Field& f) {
    kv(indent, "type", ir::to_string(f.type));
    kv(indent, "label", scalar(f.label));
    if (!f.values.empty()) kv(indent, "values", flow_list(f.values, [](const std::string& v) { return scalar(v, true); }));
    if (f.multiple) kv(indent, "multiple", "true");
    if (!f.constraints.required) kv(indent, "required", "false");
    if (f.sensitive != ir::sensitive_by_default(f.type)) kv(indent, "sensitive", f.sensitive ? "true" : "false");
    if (f.constraints.min) kv(indent, "min", number(*f.constraints.min));
    if (f.constraints.max) kv(indent, "max", number(*f.constraints.max));
    if (f.constraints.min_length) kv(indent, "min_length", std::to_string(*f.constraints.min_length));
    if (f.constraints.max_length) kv(indent, "max_length", std::to_string(*f.constraints.max_length));
    if (f.constraints.pattern) kv(indent, "pattern", double_quoted(*f.constraints.pattern));
    if (!f.help.empty()) kv(indent, "help", scalar(f.help));
    if (!f.source.empty()) kv(indent, "source", id(f.source));
  }

  void table(const ir::DecisionTable& t) {
    comments_before(t.loc, 2);
    key(2, t.id);
    if (!t.label.empty()) kv(4, "label", scalar(t.label));
    kv(4, "hit", ir::to_string(t.hit));
    if (t.aggregation != ir::Aggregation::none) kv(4, "aggregation", ir::to_string(t.aggregation));
    auto columns = [&](std::string_view name, const std::vector<ir::TableColumn>& cols) {
      if (cols.empty()) {
        // `outputs` is a required key; a table may still have none (the checker says so).
        if (name == "outputs") kv(4, name, "{}");
        return;
      }
      key(4, name);
      for (const auto& c : cols) {
        key(6, c.name);
        kv(8, "type", ir::to_string(c.type));
        if (!c.label.empty()) kv(8, "label", scalar(c.label));
        if (!c.values.empty()) kv(8, "values", flow_list(c.values, [](const std::string& v) { return scalar(v, true); }));
      }
    };
    columns("inputs", t.inputs);
    columns("outputs", t.outputs);
    auto cells = [](const std::vector<ir::Expression>& v) {
      return flow_list(v, [](const ir::Expression& e) { return expression(e.text, true); });
    };
    if (t.rules.empty()) kv(4, "rules", "[]");
    else key(4, "rules");
    for (const auto& r : t.rules) {
      comments_before(r.loc, 6);
      line(6, "- if: " + cells(r.inputs));
      kv(8, "then", cells(r.outputs));
      if (!r.annotation.empty()) kv(8, "annotation", scalar(r.annotation));
    }
    if (!t.default_outputs.empty()) kv(4, "default", cells(t.default_outputs));
    if (!t.basis.empty()) kv(4, "basis", scalar(t.basis));
  }

  static bool default_review(const ir::Review& r) {
    return r.join == ir::JoinKind::all && r.threshold == 0 && r.signers.size() == 1 && r.signers[0].role == "reviewer" &&
           !r.signers[0].department && r.signers[0].weight == 1;
  }

  void item(const ir::Item& it) {
    comments_before(it.loc, 2);
    key(2, it.id);
    kv(4, "name", scalar(it.name));
    kv(4, "department", id(it.department.id));
    if (!it.after.empty()) kv(4, "after", flow_list(it.after, [](const ir::Ref& r) { return id(r.id); }));
    if (it.when.size() == 1) kv(4, "when", expression(it.when[0].text));
    else if (!it.when.empty()) kv(4, "when", flow_list(it.when, [](const ir::Expression& e) { return expression(e.text, true); }));
    const bool inline_fields = std::any_of(it.form.begin(), it.form.end(), [](const auto& f) { return f.inline_definition.has_value(); });
    if (!inline_fields) {
      if (!it.form.empty()) kv(4, "form", flow_list(it.form, [](const ir::FormEntry& f) { return id(f.field.id); }));
    } else {
      key(4, "form");
      for (const auto& fe : it.form) {
        if (!fe.inline_definition) {
          line(6, "- " + id(fe.field.id));
          continue;
        }
        line(6, "- id: " + id(fe.field.id));
        field_body(8, *fe.inline_definition);
      }
    }
    if (!it.materials.empty())
      kv(4, "materials", flow_list(it.materials, [](const ir::MaterialUse& m) {
           return m.core ? fmt::format("{{id: {}, core: true}}", id(m.material.id)) : id(m.material.id);
         }));
    kv(4, "statutory", ir::to_string(it.statutory));
    kv(4, "promised", ir::to_string(it.promised));
    if (it.pledge) kv(4, "pledge", "true");
    if (!it.essential) kv(4, "essential", "false");
    if (it.fee_fen != 0) kv(4, "fee", fee(it.fee_fen));
    if (!it.inspection.empty()) kv(4, "inspection", id(it.inspection));
    if (const auto& sp = it.separately; sp.limit || sp.apply || sp.delivery || sp.steps) {
      std::vector<std::string> parts;
      if (sp.limit) parts.push_back("limit: " + ir::to_string(*sp.limit));
      if (sp.apply) parts.push_back(fmt::format("apply: {}", ir::to_string(*sp.apply)));
      if (sp.delivery) parts.push_back(fmt::format("delivery: {}", ir::to_string(*sp.delivery)));
      if (sp.steps) parts.push_back(fmt::format("steps: {}", *sp.steps));
      kv(4, "separately", "{" + fmt::format("{}", fmt::join(parts, ", ")) + "}");
    }
    if (!default_review(it.review)) {
      key(4, "review");
      kv(6, "join", ir::to_string(it.review.join));
      if (it.review.join == ir::JoinKind::vote) kv(6, "threshold", std::to_string(it.review.threshold));
      kv(6, "signers", flow_list(it.review.signers, [&](const ir::Signer& s) {
           const bool weight = it.review.join == ir::JoinKind::vote && s.weight != 1;
           if (!s.department && !weight) return id(s.role);
           std::string x = "{role: " + id(s.role);
           if (s.department) x += ", department: " + id(s.department->id);
           if (weight) x += fmt::format(", weight: {}", s.weight);
           return x + "}";
         }));
    }
    if (!it.approvals.is_default()) approvals(it.approvals);
    if (!it.basis.empty()) kv(4, "basis", scalar(it.basis));
  }

  void approvals(const ir::Approvals& ap) {
    const ir::Approvals defaults;
    key(4, "approvals");
    if (ap.allow != defaults.allow) {
      if (auto w = ap.allow_word()) kv(6, "allow", std::string(*w));
      else kv(6, "allow", flow_list(ap.allow, [](ir::ApprovalOperation o) { return std::string(ir::to_string(o)); }));
    }
    if (!ap.supervisor.empty()) kv(6, "supervisor", id(ap.supervisor));
    if (ap.reject_to != defaults.reject_to || ap.siblings != defaults.siblings || ap.resume != defaults.resume) {
      std::vector<std::string> parts{"to: " + flow_list(ap.reject_to, [](const ir::RejectTarget& t) {
                                       return id(ir::to_string(t));
                                     })};
      if (ap.siblings != defaults.siblings) parts.push_back(fmt::format("siblings: {}", ir::to_string(ap.siblings)));
      if (ap.resume != defaults.resume) parts.push_back(fmt::format("resume: {}", ir::to_string(ap.resume)));
      kv(6, "reject", fmt::format("{{{}}}", fmt::join(parts, ", ")));
    }
    if (const auto& rm = ap.remind) {
      std::string x = rm->first ? fmt::format("first: {}, ", ir::to_string(*rm->first)) : std::string();
      kv(6, "remind", fmt::format("{{{}every: {}, max: {}}}", x, ir::to_string(rm->every), rm->max));
    }
    if (const auto& ad = ap.auto_decide)
      kv(6, "auto_decide", fmt::format("{{decision: {}{}}}", ad->approve ? "approve" : "reject",
                                       ad->after ? ", after: " + ir::to_string(*ad->after) : std::string()));
  }

  CommentQueue comments_;
  std::string out_;
};

}  // namespace

std::string print(const ir::Bundle& bundle, const SourceFile* comments) { return Printer(comments).run(bundle); }

}  // namespace yishi::yaml
