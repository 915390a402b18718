// The DSL printer: IR → canonical `.yi` text, keeping the source's comments.
#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "yishi/dsl/load.hpp"
#include "yishi/source/comments.hpp"

namespace yishi::dsl {

namespace {

bool is_plain_id(std::string_view s) { return ir::is_valid_id(s); }

bool is_version_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

// An expression as the DSL writes it: the text the parser reads, so that a YAML text's
// surrounding blanks or trailing `#` comment cannot swallow what follows it on the line.
std::string_view expression(const ir::Expression& e) { return ir::significant_text(e.text); }

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string value(std::string_view v) {
  static constexpr std::string_view reserved[] = {"and", "or", "not", "in", "true", "false"};
  const bool word = is_plain_id(v) && std::find(std::begin(reserved), std::end(reserved), v) == std::end(reserved);
  return word ? std::string(v) : quote(v);
}

// The shortest text that reads back as `d`, without an exponent.
std::string number(double d) {
  char buf[512];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (ec != std::errc{}) return fmt::format("{}", d);
  return std::string(buf, p);
}

// `keyword a, b, c`, continued on further lines (indented) when it gets long.
std::string wrapped(std::string_view keyword, const std::vector<std::string>& items, std::string_view indent) {
  std::string out(keyword);
  std::size_t width = indent.size() + out.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& x = items[i];
    if (i > 0) {
      out += ',';
      ++width;
      if (width + 1 + x.size() > 100) {
        out += '\n';
        out += indent;
        out += "    ";
        width = indent.size() + 4;
      } else {
        out += ' ';
        ++width;
      }
    } else {
      out += ' ';
      ++width;
    }
    out += x;
    width += x.size();
  }
  return out;
}

std::string fee(std::int64_t fen) {
  if (fen % 100 == 0) return std::to_string(fen / 100);
  return fmt::format("{}.{:02}", fen / 100, fen % 100);
}

template <class T>
std::string joined(const std::vector<T>& v, std::string_view sep, auto f) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += f(v[i]);
  }
  return out;
}

class Printer {
 public:
  explicit Printer(const SourceFile* src) : comments_(src) {}

  std::string run(const ir::Bundle& b) {
    comments_before(b.loc, "");
    std::string version = is_version_word(b.version) ? b.version : quote(b.version);
    line("", fmt::format("bundle {} {} version {} {{", b.id, quote(b.name), version));
    if (b.applicant != ir::ApplicantKind::enterprise) line("  ", "applicant individual");
    comments_before(b.lead.loc, "  ");
    line("  ", fmt::format("lead {}", b.lead.id));
    if (b.apply != ir::Channel::window) line("  ", fmt::format("apply {}", ir::to_string(b.apply)));
    if (b.delivery != ir::Channel::window) line("  ", fmt::format("delivery {}", ir::to_string(b.delivery)));
    if (!b.basis.empty()) line("  ", fmt::format("basis {}", quote(b.basis)));
    section(b.departments, [&](const ir::Department& d) {
      comments_before(d.loc, "  ");
      std::string s = fmt::format("department {} {}", d.id, quote(d.name));
      if (!d.basis.empty()) s += fmt::format(" {{ basis {} }}", quote(d.basis));
      line("  ", s);
    });
    section(b.fields, [&](const ir::Field& f) { field(f, "  "); });
    section(b.materials, [&](const ir::Material& m) { material(m); });
    section(b.situations, [&](const ir::Situation& s) {
      comments_before(s.loc, "  ");
      std::string text = fmt::format("situation {}{} = {}", s.id, s.label.empty() ? "" : " " + quote(s.label), expression(s.condition));
      if (s.basis.empty()) {
        line("  ", text);
      } else if (text.size() + s.basis.size() <= 90 && text.find('\n') == std::string::npos) {
        line("  ", text + fmt::format(" {{ basis {} }}", quote(s.basis)));
      } else {
        line("  ", text + " {");
        line("    ", "basis " + quote(s.basis));
        line("  ", "}");
      }
    });
    section(b.eligibility, [&](const ir::Eligibility& e) {
      comments_before(e.loc, "  ");
      line("  ", fmt::format("eligibility{} = {}", e.label.empty() ? "" : " " + quote(e.label), expression(e.condition)));
    });
    for (const auto& t : b.tables) {
      out_ += "\n";
      table(t);
    }
    for (const auto& it : b.items) {
      out_ += "\n";
      item(it);
    }
    section(b.stages, [&](const ir::Stage& s) {
      comments_before(s.loc, "  ");
      line("  ", fmt::format("stage {}{} {{ items {} }}", s.id, s.name.empty() ? "" : " " + quote(s.name),
                             joined(s.items, ", ", [](const ir::Ref& r) { return r.id; })));
    });
    // Comments after the last declaration stay at the end.
    for (const auto& c : comments_.rest()) line("  ", c);
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  void line(std::string_view indent, std::string_view text) {
    out_ += indent;
    out_ += text;
    out_ += '\n';
  }

  // Emits the source comments that come before `loc` (each on its own line).
  void comments_before(const ir::Loc& loc, std::string_view indent) {
    if (!loc.span.valid()) return;
    for (const auto& c : comments_.before(loc.span.begin)) line(indent, c);
  }

  template <class T, class F>
  void section(const std::vector<T>& v, F f) {
    if (v.empty()) return;
    out_ += "\n";
    for (const auto& x : v) f(x);
  }

  void field(const ir::Field& f, std::string_view indent) {
    comments_before(f.loc, indent);
    std::vector<std::string> props;
    if (!f.values.empty()) props.push_back(fmt::format("values [{}]", joined(f.values, ", ", [](const std::string& v) { return value(v); })));
    if (f.multiple) props.push_back("multiple");
    if (!f.constraints.required) props.push_back("optional");
    if (f.sensitive != ir::sensitive_by_default(f.type)) props.push_back(fmt::format("sensitive {}", f.sensitive ? "true" : "false"));
    if (f.constraints.min) props.push_back("min " + number(*f.constraints.min));
    if (f.constraints.max) props.push_back("max " + number(*f.constraints.max));
    if (f.constraints.min_length) props.push_back(fmt::format("min_length {}", *f.constraints.min_length));
    if (f.constraints.max_length) props.push_back(fmt::format("max_length {}", *f.constraints.max_length));
    if (f.constraints.pattern) props.push_back("pattern " + quote(*f.constraints.pattern));
    if (!f.help.empty()) props.push_back("help " + quote(f.help));
    if (!f.source.empty()) props.push_back("source " + f.source);
    std::string head = fmt::format("field {} {} {}", f.id, ir::to_string(f.type), quote(f.label));
    block(indent, head, props);
  }

  // `head { a b }` on one line when short, else one property per line.
  void block(std::string_view indent, const std::string& head, const std::vector<std::string>& props) {
    if (props.empty()) {
      line(indent, head);
      return;
    }
    std::string one = head + " { " + joined(props, "  ", [](const std::string& p) { return p; }) + " }";
    if (one.size() + indent.size() <= 100 && one.find('\n') == std::string::npos) {
      line(indent, one);
      return;
    }
    line(indent, head + " {");
    const std::string inner = std::string(indent) + "  ";
    for (const auto& p : props) line(inner, p);
    line(indent, "}");
  }

  void material(const ir::Material& m) {
    comments_before(m.loc, "  ");
    std::vector<std::string> props;
    if (m.deferrable) props.push_back("deferrable " + ir::to_string(*m.deferrable));
    if (m.issue_before_supply) props.push_back("issue_before_supply");
    if (!m.source.empty()) props.push_back("source " + m.source);
    if (m.pledge) props.push_back("pledge");
    if (!m.basis.empty()) props.push_back("basis " + quote(m.basis));
    block("  ", fmt::format("material {} {}", m.id, quote(m.name)), props);
  }

  void table(const ir::DecisionTable& t) {
    comments_before(t.loc, "  ");
    std::string head = fmt::format("table {}{}", t.id, t.label.empty() ? "" : " " + quote(t.label));
    if (t.hit != ir::HitPolicy::unique || t.aggregation != ir::Aggregation::none) {
      head += fmt::format(" hit {}", ir::to_string(t.hit));
      if (t.aggregation != ir::Aggregation::none) head += fmt::format(" {}", ir::to_string(t.aggregation));
    }
    line("  ", head + " {");
    auto column = [&](std::string_view kind, const ir::TableColumn& c) {
      std::string s = fmt::format("{} {} {}", kind, c.name, ir::to_string(c.type));
      if (!c.label.empty()) s += " " + quote(c.label);
      if (!c.values.empty()) s += fmt::format(" [{}]", joined(c.values, ", ", [](const std::string& v) { return value(v); }));
      line("    ", s);
    };
    for (const auto& c : t.inputs) column("input", c);
    for (const auto& c : t.outputs) column("output", c);
    auto cells = [](const std::vector<ir::Expression>& v) {
      return joined(v, " | ", [](const ir::Expression& e) { return std::string(expression(e)); });
    };
    for (const auto& r : t.rules) {
      comments_before(r.loc, "    ");
      std::string s = "rule";
      if (!r.inputs.empty()) s += " " + cells(r.inputs);
      s += " => " + cells(r.outputs);
      if (!r.annotation.empty()) s += " annotation " + quote(r.annotation);
      line("    ", s);
    }
    if (!t.default_outputs.empty()) line("    ", "default " + cells(t.default_outputs));
    if (!t.basis.empty()) line("    ", "basis " + quote(t.basis));
    line("  ", "}");
  }

  static bool default_review(const ir::Review& r) {
    return r.join == ir::JoinKind::all && r.threshold == 0 && r.signers.size() == 1 && r.signers[0].role == "reviewer" &&
           !r.signers[0].department && r.signers[0].weight == 1;
  }

  void item(const ir::Item& it) {
    comments_before(it.loc, "  ");
    std::string head = fmt::format("item {} {} by {}", it.id, quote(it.name), it.department.id);
    if (!it.after.empty()) head += " after " + joined(it.after, ", ", [](const ir::Ref& r) { return r.id; });
    line("  ", head + " {");
    // Form entries in order: runs of references on one `form` line, inline fields on their own.
    std::vector<std::string> refs;
    auto flush = [&] {
      if (!refs.empty()) line("    ", wrapped("form", refs, "    "));
      refs.clear();
    };
    for (const auto& fe : it.form) {
      if (fe.inline_definition) {
        flush();
        field(*fe.inline_definition, "    ");
      } else {
        refs.push_back(fe.field.id);
      }
    }
    flush();
    if (!it.materials.empty()) {
      std::vector<std::string> uses;
      for (const auto& m : it.materials) uses.push_back((m.core ? "core " : "") + m.material.id);
      line("    ", wrapped("materials", uses, "    "));
    }
    line("    ", fmt::format("statutory {}  promised {}", ir::to_string(it.statutory), ir::to_string(it.promised)));
    for (const auto& w : it.when) line("    ", fmt::format("when {}", expression(w)));
    if (it.pledge) line("    ", "pledge");
    if (!it.essential) line("    ", "optional");
    if (it.fee_fen != 0) line("    ", "fee " + fee(it.fee_fen));
    if (!it.inspection.empty()) line("    ", "inspection " + it.inspection);
    if (const auto& sp = it.separately; sp.limit || sp.apply || sp.delivery || sp.steps) {
      std::string s = "separately {";
      if (sp.limit) s += " limit " + ir::to_string(*sp.limit);
      if (sp.apply) s += fmt::format(" apply {}", ir::to_string(*sp.apply));
      if (sp.delivery) s += fmt::format(" delivery {}", ir::to_string(*sp.delivery));
      if (sp.steps) s += fmt::format(" steps {}", *sp.steps);
      line("    ", s + " }");
    }
    if (!default_review(it.review)) {
      std::string s = fmt::format("review {}", ir::to_string(it.review.join));
      if (it.review.join == ir::JoinKind::vote) s += fmt::format(" {}", it.review.threshold);
      if (!it.review.signers.empty())
        s += " [" + joined(it.review.signers, ", ", [&](const ir::Signer& sg) {
          std::string x = sg.role;
          if (sg.department) x += " @ " + sg.department->id;
          if (it.review.join == ir::JoinKind::vote && sg.weight != 1) x += fmt::format(" weight {}", sg.weight);
          return x;
        }) + "]";
      line("    ", s);
    }
    if (!it.approvals.is_default()) approvals(it.approvals);
    if (!it.basis.empty()) line("    ", "basis " + quote(it.basis));
    line("  ", "}");
  }

  void approvals(const ir::Approvals& ap) {
    const ir::Approvals defaults;
    line("    ", "approvals {");
    if (ap.allow != defaults.allow) {
      if (auto w = ap.allow_word()) line("      ", fmt::format("allow {}", *w));
      else line("      ", "allow " + joined(ap.allow, ", ", [](ir::ApprovalOperation o) { return std::string(ir::to_string(o)); }));
    }
    if (!ap.supervisor.empty()) line("      ", "supervisor " + ap.supervisor);
    if (ap.reject_to != defaults.reject_to || ap.siblings != defaults.siblings || ap.resume != defaults.resume) {
      std::string s = "reject to " + joined(ap.reject_to, ", ", [](const ir::RejectTarget& t) { return std::string(ir::to_string(t)); });
      if (ap.siblings != defaults.siblings) s += fmt::format(" siblings {}", ir::to_string(ap.siblings));
      if (ap.resume != defaults.resume) s += fmt::format(" resume {}", ir::to_string(ap.resume));
      line("      ", s);
    }
    if (const auto& rm = ap.remind)
      line("      ", fmt::format("remind {}every {} max {}", rm->first ? "first " + ir::to_string(*rm->first) + " " : std::string(),
                                ir::to_string(rm->every), rm->max));
    if (const auto& ad = ap.auto_decide)
      line("      ", fmt::format("auto {}{}", ad->approve ? "approve" : "reject",
                                ad->after ? " after " + ir::to_string(*ad->after) : std::string()));
    line("    ", "}");
  }

  CommentQueue comments_;
  std::string out_;
};

}  // namespace

std::string print(const ir::Bundle& bundle, const SourceFile* comments) { return Printer(comments).run(bundle); }

}  // namespace yishi::dsl
