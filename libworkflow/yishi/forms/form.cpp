// The merged form: field definitions merged once per bundle, then selected and ordered per
// applicant; validation of a submission and its split per department.
#include <algorithm>
#include <charconv>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include "yishi/calendar/calendar.hpp"
#include "yishi/expr/expr.hpp"
#include "yishi/forms/forms.hpp"

namespace yishi::forms {

namespace {

bool textual(ir::FieldType t) {
  return t == ir::FieldType::string || t == ir::FieldType::id_card || t == ir::FieldType::phone ||
         t == ir::FieldType::address;
}

// What kind of answer a field takes, for messages.
std::string expected_kind(const FormField& f) {
  switch (f.type) {
    case ir::FieldType::integer: return "a whole number";
    case ir::FieldType::decimal: return "a number";
    case ir::FieldType::boolean: return "yes or no";
    case ir::FieldType::date: return "a date written YYYY-MM-DD";
    case ir::FieldType::enumeration: return f.multiple ? "a list of its values" : "one of its values";
    default: return "a text";
  }
}

std::string_view topic_of(std::string_view id) { return id.substr(0, id.find('.')); }

// A mainland mobile number, or a landline with its area code (0 and 2–3 digits, an optional
// hyphen, 7–8 digits, an optional extension).
bool valid_phone(std::string_view s) {
  if (expr::matches_format(s, "mobile")) return true;
  static const std::regex landline(R"(^0\d{2,3}-?\d{7,8}(-\d{1,6})?$)", std::regex::ECMAScript | std::regex::optimize);
  return std::regex_match(s.begin(), s.end(), landline);
}

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

// The fields' patterns, compiled once per model (matching with a const std::regex is safe
// from several threads).
struct PatternCache {
  std::map<std::string, std::regex, std::less<>> compiled;
};

FormModel::FormModel(CompiledBundle compiled) : compiled_(std::move(compiled)) {
  const ir::Bundle& b = compiled_.bundle();
  std::unordered_map<std::string, std::size_t> index;
  auto add_definition = [&](const ir::Field& f) {
    auto [it, fresh] = index.emplace(f.id, fields_.size());
    if (fresh) {
      FormField m;
      m.id = f.id;
      m.label = f.label;
      m.help = f.help;
      m.type = f.type;
      m.values = f.values;
      m.multiple = f.multiple;
      m.sensitive = f.sensitive;
      m.constraints = f.constraints;
      m.constraints.pattern.reset();
      m.provider = f.source;
      fields_.push_back(std::move(m));
    } else {
      FormField& m = fields_[it->second];
      m.sensitive = m.sensitive || f.sensitive;
      m.constraints = ir::strictest(m.constraints, f.constraints);
      m.constraints.pattern.reset();
      if (m.provider.empty()) m.provider = f.source;
      if (m.help.empty()) m.help = f.help;
    }
    if (f.constraints.pattern && !contains(fields_[index[f.id]].patterns, *f.constraints.pattern))
      fields_[index[f.id]].patterns.push_back(*f.constraints.pattern);
  };
  for (const auto& f : b.fields) add_definition(f);
  for (const auto& it : b.items)
    for (const auto& fe : it.form)
      if (fe.inline_definition) add_definition(*fe.inline_definition);

  auto cache = std::make_shared<PatternCache>();
  for (const auto& f : fields_)
    for (const auto& p : f.patterns)
      if (!cache->compiled.count(p)) cache->compiled.emplace(p, std::regex(p, std::regex::ECMAScript));
  patterns_ = std::move(cache);

  condition_field_.assign(fields_.size(), false);
  const auto& env_fields = compiled_.environment().fields();
  for (auto slot : compiled_.condition_fields())
    if (auto it = index.find(env_fields[slot].id); it != index.end()) condition_field_[it->second] = true;

  for (const auto& it : b.items) {
    ItemInfo info;
    for (const auto& fe : it.form) info.fields.push_back(index.at(fe.field.id));
    for (std::size_t d = 0; d < b.departments.size(); ++d)
      if (b.departments[d].id == it.department.id) info.department = d;
    items_.push_back(std::move(info));
  }
}

const FormField* FormModel::field(std::string_view id) const {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const FormField& f) { return f.id == id; });
  return it == fields_.end() ? nullptr : &*it;
}

ConditionResult FormModel::evaluate(const Applicant& a) const {
  ConditionResult r = compiled_.evaluate_conditions(a.answers, a.today, a.situations);
  if (a.every_item) {
    std::fill(r.active.begin(), r.active.end(), std::optional<bool>(true));
    r.missing_fields.clear();
    r.deciding.clear();
    r.ineligible.clear();
  }
  return r;
}

std::vector<bool> FormModel::active_items(const ConditionResult& r) const {
  std::vector<bool> active(r.active.size());
  for (std::size_t i = 0; i < r.active.size(); ++i) active[i] = r.active[i].value_or(false);
  return active;
}

bool MergedForm::complete() const noexcept {
  return undecided_items.empty() && ineligible.empty() && remaining.empty() && errors.empty();
}

const FormField* MergedForm::find(std::string_view id) const {
  auto it = std::find_if(fields.begin(), fields.end(), [&](const FormField& f) { return f.id == id; });
  return it == fields.end() ? nullptr : &*it;
}

MergedForm FormModel::merge(const Applicant& a) const { return merge(a, evaluate(a)); }

MergedForm FormModel::merge(const Applicant& a, const ConditionResult& r) const {
  const ir::Bundle& b = compiled_.bundle();
  const std::vector<bool> active = active_items(r);
  MergedForm form;
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    if (active[i]) form.active_items.push_back(b.items[i].id);
    else if (!r.active[i]) form.undecided_items.push_back(b.items[i].id);
  }
  for (auto e : r.ineligible) {
    const ir::Eligibility& el = b.eligibility[e];
    form.ineligible.push_back(el.label.empty() ? std::string(ir::significant_text(el.condition.text)) : el.label);
  }
  form.errors = r.errors;

  std::set<std::string_view> answered, prefilled(a.prefilled.begin(), a.prefilled.end());
  for (const auto& [id, value] : a.answers) answered.insert(id);
  std::map<std::string_view, const std::vector<std::string>*> deciding;
  for (std::size_t k = 0; k < r.missing_fields.size(); ++k) deciding[r.missing_fields[k]] = &r.deciding[k];

  // Which fields are on this applicant's form, and who asks them.
  struct Pick {
    std::size_t field;
    std::vector<std::size_t> items;
  };
  std::vector<std::optional<Pick>> picks(fields_.size());
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    if (!active[i]) continue;
    for (std::size_t f : items_[i].fields) {
      if (!picks[f]) picks[f] = Pick{f, {}};
      picks[f]->items.push_back(i);
    }
  }
  for (std::size_t f = 0; f < fields_.size(); ++f)
    if (!picks[f] && condition_field_[f] &&
        (a.every_item || answered.count(fields_[f].id) || deciding.count(fields_[f].id)))
      picks[f] = Pick{f, {}};

  // Sections by topic (the first segment of the id). A topic whose questions only one item
  // asks (and no condition reads) is that item's own section; the others are shared, shown
  // first (`applicant` leads, then in dictionary order), then the items' own in bundle order.
  struct Topic {
    std::vector<std::size_t> fields;
    std::set<std::size_t> items;
    bool condition = false;
  };
  std::vector<std::string_view> topics;
  std::map<std::string_view, Topic> by_topic;
  for (std::size_t f = 0; f < fields_.size(); ++f) {
    if (!picks[f]) continue;
    const auto t = topic_of(fields_[f].id);
    if (!by_topic.count(t)) topics.push_back(t);
    Topic& topic = by_topic[t];
    topic.fields.push_back(f);
    topic.items.insert(picks[f]->items.begin(), picks[f]->items.end());
    topic.condition = topic.condition || condition_field_[f] || picks[f]->items.empty();
  }
  std::stable_partition(topics.begin(), topics.end(), [](std::string_view t) { return t == "applicant"; });
  std::vector<std::vector<std::size_t>> by_item(b.items.size());
  std::vector<std::string_view> shared;
  for (auto t : topics) {
    const Topic& topic = by_topic[t];
    if (topic.items.size() == 1 && !topic.condition && t != "applicant") {
      auto& own = by_item[*topic.items.begin()];
      own.insert(own.end(), topic.fields.begin(), topic.fields.end());
    } else {
      shared.push_back(t);
    }
  }
  for (auto& own : by_item) std::sort(own.begin(), own.end());

  auto emit = [&](std::size_t f, FormSection& section) {
    FormField out = fields_[f];
    for (std::size_t i : picks[f]->items) {
      out.items.push_back(b.items[i].id);
      const std::string& dep = b.departments[items_[i].department].id;
      if (!contains(out.departments, dep)) out.departments.push_back(dep);
    }
    if (auto d = deciding.find(out.id); d != deciding.end()) out.decides = *d->second;
    // Bundle-wide, a question only conditional items ask is required only where they apply.
    if (a.every_item && !picks[f]->items.empty() &&
        std::all_of(picks[f]->items.begin(), picks[f]->items.end(), [&](std::size_t i) { return !b.items[i].when.empty(); }))
      out.constraints.required = false;
    out.answered = answered.count(out.id) > 0;
    out.prefilled = prefilled.count(out.id) > 0 && out.answered;
    section.fields.push_back(form.fields.size());
    form.fields.push_back(std::move(out));
  };
  for (auto t : shared) {
    FormSection s{SectionKind::shared, std::string(t), std::string(t), {}};
    for (std::size_t f : by_topic[t].fields) emit(f, s);
    form.sections.push_back(std::move(s));
  }
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    if (by_item[i].empty()) continue;
    FormSection s{SectionKind::item, b.items[i].id, b.items[i].name, {}};
    for (std::size_t f : by_item[i]) emit(f, s);
    form.sections.push_back(std::move(s));
  }

  // 情形引导: the questions that decide the most undecided things come first.
  std::vector<const FormField*> next;
  for (const auto& f : form.fields)
    if (!f.decides.empty() && !f.answered) next.push_back(&f);
  std::stable_sort(next.begin(), next.end(),
                   [](const FormField* x, const FormField* y) { return x->decides.size() > y->decides.size(); });
  for (const auto* f : next) form.next_questions.push_back(f->id);
  for (const auto& f : form.fields)
    if (!f.answered && (f.constraints.required || !f.decides.empty())) form.remaining.push_back(f.id);
  return form;
}

std::vector<FieldError> FormModel::check_answer(const FormField& f, const expr::Answer& answer) const {
  std::vector<FieldError> out;
  auto fail = [&](std::string message) { out.push_back({f.id, std::move(message)}); };
  // Type and enumeration values: the same rules as binding answers for conditions.
  expr::Answers one{{f.id, answer}};
  // Binding's own messages may quote an enumeration value the applicant typed; ours never
  // quote an answer.
  if (auto bound = expr::bind(compiled_.environment(), one); !bound.errors.empty()) {
    const bool list = std::holds_alternative<std::vector<std::string>>(answer);
    const bool text = std::holds_alternative<std::string>(answer);
    if (f.type == ir::FieldType::enumeration && (list || text) && list == f.multiple)
      fail(fmt::format("field `{}` takes only its listed values ({})", f.id, fmt::join(f.values, ", ")));
    else
      fail(fmt::format("field `{}` needs {}", f.id, expected_kind(f)));
    return out;
  }
  const auto& c = f.constraints;
  if (const auto* l = std::get_if<std::vector<std::string>>(&answer)) {
    if (c.required && l->empty()) fail(fmt::format("field `{}` is required: choose at least one value", f.id));
    if (std::set<std::string>(l->begin(), l->end()).size() != l->size())
      fail(fmt::format("field `{}` lists a value twice", f.id));
    return out;
  }
  if (f.type == ir::FieldType::integer || f.type == ir::FieldType::decimal) {
    const double v = std::holds_alternative<double>(answer) ? std::get<double>(answer)
                                                            : static_cast<double>(std::get<std::int64_t>(answer));
    if (c.min && v < *c.min) fail(fmt::format("field `{}` must be at least {}", f.id, *c.min));
    if (c.max && v > *c.max) fail(fmt::format("field `{}` must be at most {}", f.id, *c.max));
    return out;
  }
  const auto* text = std::get_if<std::string>(&answer);
  if (!text || !(textual(f.type) || f.type == ir::FieldType::attachment)) return out;
  if (c.required && text->find_first_not_of(" \t\r\n") == std::string::npos) {
    fail(fmt::format("field `{}` is required: the answer is empty", f.id));
    return out;
  }
  const auto n = static_cast<std::int64_t>(text::count_code_points(*text));
  if (c.min_length && n < *c.min_length) fail(fmt::format("field `{}` needs at least {} characters", f.id, *c.min_length));
  if (c.max_length && n > *c.max_length) fail(fmt::format("field `{}` allows at most {} characters", f.id, *c.max_length));
  for (const auto& p : f.patterns)
    if (!std::regex_search(*text, patterns_->compiled.at(p)))
      fail(fmt::format("field `{}` does not have the required format", f.id));
  if (f.type == ir::FieldType::id_card && !expr::matches_format(*text, "id_card"))
    fail(fmt::format("field `{}` is not a valid resident identity card number (GB 11643)", f.id));
  if (f.type == ir::FieldType::phone && !valid_phone(*text))
    fail(fmt::format("field `{}` is not a valid phone number (a mobile number, or a landline with its area code)", f.id));
  return out;
}

Submission FormModel::accept(const Applicant& a) const {
  Submission s;
  const ConditionResult r = evaluate(a);
  s.form = merge(a, r);
  std::set<std::string_view> seen;
  for (const auto& [id, answer] : a.answers) {
    if (!seen.insert(id).second) {
      s.errors.push_back({id, fmt::format("field `{}` is answered twice", id)});
      continue;
    }
    const FormField* f = s.form.find(id);
    if (!f) {
      s.errors.push_back({id, field(id) ? fmt::format("field `{}` is not asked of this applicant: no applicable item "
                                                      "or undecided condition needs it",
                                                      id)
                                        : fmt::format("field `{}` does not exist in bundle `{}`", id,
                                                      compiled_.bundle().id)});
      continue;
    }
    for (auto& e : check_answer(*f, answer)) s.errors.push_back(std::move(e));
  }
  for (const auto& f : s.form.fields)
    if (!f.answered && f.constraints.required) s.errors.push_back({f.id, fmt::format("field `{}` is required", f.id)});
  for (const auto& item : s.form.undecided_items)
    s.errors.push_back({"", fmt::format("whether item `{}` applies is not decided: answer the questions it depends on", item)});
  for (const auto& label : s.form.ineligible) s.errors.push_back({"", fmt::format("not eligible: {}", label)});
  // Failed evaluations (a decision table without a match, say); invalid answers were reported above.
  for (std::size_t k = r.answer_errors; k < r.errors.size(); ++k) s.errors.push_back({"", r.errors[k]});
  if (s.errors.empty()) s.payloads = split(compiled_, s.form, a.answers);
  return s;
}

std::optional<expr::Answer> parse_answer(const FormField& f, std::string_view text_view) {
  const std::string text(text_view);
  switch (f.type) {
    case ir::FieldType::boolean:
      if (text == "true" || text == "1") return expr::Answer{true};
      if (text == "false" || text == "0") return expr::Answer{false};
      return std::nullopt;
    case ir::FieldType::integer: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
      return expr::Answer{v};
    }
    case ir::FieldType::decimal: {
      double v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
      return expr::Answer{v};
    }
    case ir::FieldType::enumeration:
      if (f.multiple) {
        std::vector<std::string> values;
        for (std::size_t start = 0; !text.empty();) {
          const auto comma = text.find(',', start);
          values.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        return expr::Answer{std::move(values)};
      }
      return expr::Answer{text};
    case ir::FieldType::date:
      if (!parse_date(text)) return std::nullopt;
      return expr::Answer{text};  // `YYYY-MM-DD` text, which answers accept
    default:
      return expr::Answer{text};
  }
}

std::vector<DepartmentPayload> split(const CompiledBundle& compiled, const MergedForm& form, const expr::Answers& answers) {
  const ir::Bundle& b = compiled.bundle();
  std::vector<DepartmentPayload> out;
  for (const auto& d : b.departments) {
    DepartmentPayload p;
    p.department = d.id;
    for (const auto& item : b.items)
      if (item.department.id == d.id && contains(form.active_items, item.id)) p.items.push_back(item.id);
    if (p.items.empty()) continue;
    for (const auto& f : form.fields) {
      if (!contains(f.departments, d.id)) continue;
      auto it = std::find_if(answers.begin(), answers.end(), [&](const auto& x) { return x.first == f.id; });
      if (it != answers.end()) p.answers.push_back(*it);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace yishi::forms
