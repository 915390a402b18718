// IR helpers: enum names, lookups, id rules.
#include "yishi/ir/bundle.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

namespace yishi::ir {

std::string to_string(const WorkDuration& d) {
  if (d.hours == 0) return fmt::format("{}wd", d.days);
  if (d.days == 0) return fmt::format("{}wh", d.hours);
  return fmt::format("{}wd{}wh", d.days, d.hours);
}

namespace {
constexpr std::array<std::pair<FieldType, std::string_view>, 10> field_type_names{{
    {FieldType::string, "string"}, {FieldType::integer, "int"}, {FieldType::decimal, "decimal"},
    {FieldType::boolean, "bool"}, {FieldType::date, "date"}, {FieldType::enumeration, "enum"},
    {FieldType::id_card, "id_card"}, {FieldType::phone, "phone"}, {FieldType::address, "address"},
    {FieldType::attachment, "attachment"},
}};
constexpr std::array<std::pair<JoinKind, std::string_view>, 4> join_names{{
    {JoinKind::all, "all"}, {JoinKind::any, "any"}, {JoinKind::vote, "vote"}, {JoinKind::sequence, "sequence"},
}};

constexpr std::array<std::pair<HitPolicy, std::string_view>, 6> hit_names{{
    {HitPolicy::unique, "unique"}, {HitPolicy::first, "first"}, {HitPolicy::priority, "priority"},
    {HitPolicy::any, "any"}, {HitPolicy::collect, "collect"}, {HitPolicy::rule_order, "rule_order"},
}};
constexpr std::array<std::pair<Aggregation, std::string_view>, 5> aggregation_names{{
    {Aggregation::none, "none"}, {Aggregation::sum, "sum"}, {Aggregation::min, "min"},
    {Aggregation::max, "max"}, {Aggregation::count, "count"},
}};

constexpr std::array<std::pair<Channel, std::string_view>, 3> channel_names{{
    {Channel::online, "online"}, {Channel::window, "window"}, {Channel::mail, "mail"},
}};

constexpr std::array<std::pair<ApprovalOperation, std::string_view>, 7> operation_names{{
    {ApprovalOperation::claim, "claim"}, {ApprovalOperation::transfer, "transfer"},
    {ApprovalOperation::delegate, "delegate"}, {ApprovalOperation::add_signer, "add_signer"},
    {ApprovalOperation::remove_signer, "remove_signer"}, {ApprovalOperation::reclaim, "reclaim"},
    {ApprovalOperation::remind, "remind"},
}};
constexpr std::array<std::pair<SiblingPolicy, std::string_view>, 3> sibling_names{{
    {SiblingPolicy::keep, "keep"}, {SiblingPolicy::cancel, "cancel"}, {SiblingPolicy::redo, "redo"},
}};
constexpr std::array<std::pair<ResumePolicy, std::string_view>, 2> resume_names{{
    {ResumePolicy::rejecting_step, "rejecting_step"}, {ResumePolicy::rerun, "rerun"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (auto [k, n] : table)
    if (k == e) return n;
  return table[0].second;
}
template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
  for (auto [k, n] : table)
    if (n == s) return k;
  return std::nullopt;
}

template <class T>
const T* find_by_id(const std::vector<T>& v, std::string_view id) {
  auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.id == id; });
  return it == v.end() ? nullptr : &*it;
}
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_id_char(char c) { return is_lower(c) || (c >= '0' && c <= '9') || c == '_'; }
}  // namespace

std::string_view to_string(FieldType t) { return name_of(field_type_names, t); }
std::optional<FieldType> parse_field_type(std::string_view s) { return parse_name(field_type_names, s); }
bool sensitive_by_default(FieldType t) noexcept {
  return t == FieldType::id_card || t == FieldType::phone || t == FieldType::address;
}

std::string_view to_string(ApprovalOperation o) { return name_of(operation_names, o); }
std::optional<ApprovalOperation> parse_approval_operation(std::string_view s) { return parse_name(operation_names, s); }
std::string_view to_string(SiblingPolicy p) { return name_of(sibling_names, p); }
std::optional<SiblingPolicy> parse_sibling_policy(std::string_view s) { return parse_name(sibling_names, s); }
std::string_view to_string(ResumePolicy p) { return name_of(resume_names, p); }
std::optional<ResumePolicy> parse_resume_policy(std::string_view s) { return parse_name(resume_names, s); }

bool Approvals::allows(ApprovalOperation o) const noexcept {
  return std::find(allow.begin(), allow.end(), o) != allow.end();
}
std::vector<ApprovalOperation> Approvals::default_allow() {
  return {ApprovalOperation::claim, ApprovalOperation::transfer, ApprovalOperation::delegate};
}
std::vector<RejectTarget> Approvals::default_reject_to() { return {RejectTarget{}}; }
std::optional<std::string_view> Approvals::allow_word() const noexcept {
  if (allow.empty()) return "none";
  if (allow.size() == operation_names.size()) return "all";
  return std::nullopt;
}
std::string_view to_string(const RejectTarget& t) {
  switch (t.kind) {
    case RejectTarget::Kind::applicant: return "applicant";
    case RejectTarget::Kind::previous: return "previous";
    case RejectTarget::Kind::any: return "any";
    case RejectTarget::Kind::item: break;
  }
  return t.item.id;
}
bool Approvals::is_default() const { return *this == Approvals{}; }

std::vector<std::pair<std::uint32_t, std::uint32_t>> dependency_edges(const Bundle& b) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  auto index = [&](std::string_view id) -> std::optional<std::uint32_t> {
    if (const Item* it = b.find_item(id)) return static_cast<std::uint32_t>(it - b.items.data());
    return std::nullopt;
  };
  for (std::uint32_t i = 0; i < b.items.size(); ++i)
    for (const Ref& a : b.items[i].after)
      if (auto j = index(a.id)) edges.push_back({*j, i});
  std::vector<std::uint32_t> prev_sinks;
  for (const Stage& st : b.stages) {
    std::vector<std::uint32_t> members;
    for (const Ref& r : st.items)
      if (auto m = index(r.id)) members.push_back(*m);
    if (members.empty()) continue;
    auto in_stage = [&](std::string_view id) {
      return std::any_of(st.items.begin(), st.items.end(), [&](const Ref& r) { return r.id == id; });
    };
    std::vector<std::uint32_t> sinks;
    for (std::uint32_t m : members) {
      const Item& it = b.items[m];
      if (std::none_of(it.after.begin(), it.after.end(), [&](const Ref& a) { return in_stage(a.id); }))
        for (std::uint32_t p : prev_sinks) edges.push_back({p, m});
      const bool sink = std::none_of(members.begin(), members.end(), [&](std::uint32_t o) {
        const auto& oa = b.items[o].after;
        return std::any_of(oa.begin(), oa.end(), [&](const Ref& a) { return a.id == it.id; });
      });
      if (sink) sinks.push_back(m);
    }
    prev_sinks = std::move(sinks);
  }
  return edges;
}

std::vector<std::vector<std::uint32_t>> item_ancestors(const Bundle& b) {
  const std::size_t n = b.items.size();
  std::vector<std::vector<std::uint32_t>> before(n), out(n);
  for (auto [from, to] : dependency_edges(b)) before[to].push_back(from);
  std::vector<char> seen(n);
  std::vector<std::uint32_t> stack;
  for (std::size_t i = 0; i < n; ++i) {
    std::fill(seen.begin(), seen.end(), 0);
    stack.assign(before[i].begin(), before[i].end());
    while (!stack.empty()) {
      const std::uint32_t j = stack.back();
      stack.pop_back();
      if (seen[j]) continue;
      seen[j] = 1;
      out[i].push_back(j);
      stack.insert(stack.end(), before[j].begin(), before[j].end());
    }
    std::sort(out[i].begin(), out[i].end());
  }
  return out;
}

std::string_view to_string(Channel c) { return name_of(channel_names, c); }
std::optional<Channel> parse_channel(std::string_view s) { return parse_name(channel_names, s); }
std::string_view to_string(JoinKind k) { return name_of(join_names, k); }
std::optional<JoinKind> parse_join_kind(std::string_view s) { return parse_name(join_names, s); }
std::string_view to_string(HitPolicy h) { return name_of(hit_names, h); }
std::optional<HitPolicy> parse_hit_policy(std::string_view s) { return parse_name(hit_names, s); }
std::string_view to_string(Aggregation a) { return name_of(aggregation_names, a); }
std::optional<Aggregation> parse_aggregation(std::string_view s) { return parse_name(aggregation_names, s); }

const Department* Bundle::find_department(std::string_view key) const { return find_by_id(departments, key); }
const Field* Bundle::find_field(std::string_view key) const { return find_by_id(fields, key); }
const Material* Bundle::find_material(std::string_view key) const { return find_by_id(materials, key); }
const Situation* Bundle::find_situation(std::string_view key) const { return find_by_id(situations, key); }
const Item* Bundle::find_item(std::string_view key) const { return find_by_id(items, key); }
const DecisionTable* Bundle::find_table(std::string_view key) const { return find_by_id(tables, key); }

FieldConstraints strictest(const FieldConstraints& a, const FieldConstraints& b) {
  FieldConstraints c = a;
  c.required = a.required || b.required;
  auto tighter = [](auto& into, const auto& other, auto& into_loc, const Loc& other_loc, bool higher) {
    if (!other) return;
    if (!into || (higher ? *other > *into : *other < *into)) {
      into = other;
      into_loc = other_loc;
    }
  };
  tighter(c.min, b.min, c.min_loc, b.min_loc, true);
  tighter(c.max, b.max, c.max_loc, b.max_loc, false);
  tighter(c.min_length, b.min_length, c.min_length_loc, b.min_length_loc, true);
  tighter(c.max_length, b.max_length, c.max_length_loc, b.max_length_loc, false);
  if (!c.pattern && b.pattern) {
    c.pattern = b.pattern;
    c.pattern_loc = b.pattern_loc;
  }
  return c;
}

bool satisfiable(const FieldConstraints& c) noexcept {
  return !(c.min && c.max && *c.min > *c.max) && !(c.min_length && c.max_length && *c.min_length > *c.max_length);
}

std::optional<std::int64_t> parse_fee(std::string_view v) {
  const auto dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : v.substr(dot + 1);
  auto digits = [](std::string_view x) {
    return !x.empty() && std::all_of(x.begin(), x.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || whole.size() > 12 || (dot != std::string_view::npos && (!digits(frac) || frac.size() > 2)))
    return std::nullopt;
  std::int64_t yuan = 0, fen = 0;
  for (char c : whole) yuan = yuan * 10 + (c - '0');
  for (char c : frac) fen = fen * 10 + (c - '0');
  if (frac.size() == 1) fen *= 10;
  return yuan * 100 + fen;
}

bool is_reserved_word(std::string_view s) noexcept {
  return s == "and" || s == "or" || s == "not" || s == "in" || s == "true" || s == "false";
}

bool is_valid_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64 || !is_lower(s[0]) || is_reserved_word(s)) return false;
  return std::all_of(s.begin(), s.end(), is_id_char);
}

std::string_view id_rule(bool field_path) noexcept {
  return field_path ? "field ids are snake_case words joined by dots, e.g. `applicant.birth_date`, at most 128 "
                      "characters; no word may be `and`, `or`, `not`, `in`, `true` or `false`"
                    : "ids are snake_case: a lowercase letter, then lowercase letters, digits or `_`, at most 64 "
                      "characters, and not `and`, `or`, `not`, `in`, `true` or `false`";
}

bool is_valid_field_path(std::string_view s) noexcept {
  if (s.size() > 128) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!is_valid_id(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view significant_text(std::string_view text) noexcept {
  // The expression grammar's tokens, as far as where the text ends is concerned: quoted texts
  // ('...' or "...", a backslash escaping the next character, ended by their quote or the
  // line's end), comments from `#` to the line's end, whitespace, and everything else.
  std::size_t begin = std::string_view::npos;
  std::size_t end = 0;
  std::size_t i = 0;
  const auto mark = [&](std::size_t from, std::size_t to) {
    if (begin == std::string_view::npos) begin = from;
    end = to;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      const std::size_t from = i++;
      while (i < text.size() && text[i] != '\n' && text[i] != c) i += (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ? 2 : 1;
      if (i < text.size() && text[i] == c) ++i;
      mark(from, i);
    } else {
      mark(i, i + 1);
      ++i;
    }
  }
  return begin == std::string_view::npos ? std::string_view{} : text.substr(begin, end - begin);
}

}  // namespace yishi::ir
