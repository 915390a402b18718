// The fixed function library, shared by the type checker, the compiler and the machine.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace yishi::expr::internal {

enum class Fn : std::uint8_t {
  age, days_between, today, year, month, len, contains, starts_with, ends_with,
  any, all, count, matches, answered, or_else, min, max, table,
};

struct FunctionInfo {
  std::string_view name;
  Fn fn;
  std::uint8_t min_args;
  std::uint8_t max_args;  ///< 255: any number (table)
  std::string_view usage;
};

inline constexpr std::array<FunctionInfo, 18> functions{{
    {"age", Fn::age, 1, 2, "age(date) or age(date, on_date): whole years"},
    {"days_between", Fn::days_between, 2, 2, "days_between(from_date, to_date): calendar days"},
    {"today", Fn::today, 0, 0, "today(): the evaluation date"},
    {"year", Fn::year, 1, 1, "year(date)"},
    {"month", Fn::month, 1, 1, "month(date)"},
    {"len", Fn::len, 1, 1, "len(text) in characters, or len(list)"},
    {"contains", Fn::contains, 2, 2, "contains(text, part) or contains(list, value)"},
    {"starts_with", Fn::starts_with, 2, 2, "starts_with(text, prefix)"},
    {"ends_with", Fn::ends_with, 2, 2, "ends_with(text, suffix)"},
    {"any", Fn::any, 2, 2, "any(list, condition on `it`)"},
    {"all", Fn::all, 2, 2, "all(list, condition on `it`)"},
    {"count", Fn::count, 2, 2, "count(list, condition on `it`)"},
    {"matches", Fn::matches, 2, 2, "matches(text, \"id_card\" | \"mobile\" | \"credit_code\" | \"postcode\")"},
    {"answered", Fn::answered, 1, 1, "answered(value): whether it is known"},
    {"or_else", Fn::or_else, 2, 2, "or_else(value, fallback): the fallback when the value is unknown"},
    {"min", Fn::min, 2, 2, "min(a, b)"},
    {"max", Fn::max, 2, 2, "max(a, b)"},
    {"table", Fn::table, 1, 255, "table(\"id\", input, ...) or table(\"id.output\", input, ...)"},
}};

inline const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : functions)
    if (f.name == name) return &f;
  return nullptr;
}
inline const FunctionInfo& function_info(Fn fn) { return functions[static_cast<std::size_t>(fn)]; }

/// Formats known to `matches`.
enum class Format : std::uint8_t { id_card, mobile, credit_code, postcode };
inline constexpr std::array<std::string_view, 4> format_names{"id_card", "mobile", "credit_code", "postcode"};
inline std::optional<Format> find_format(std::string_view s) {
  for (std::size_t i = 0; i < format_names.size(); ++i)
    if (format_names[i] == s) return static_cast<Format>(i);
  return std::nullopt;
}

}  // namespace yishi::expr::internal
