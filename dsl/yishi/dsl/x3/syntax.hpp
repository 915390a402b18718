// Helpers shared by the parsers in grammar.cpp: wording of syntax errors and the pre-scan
// that bounds bracket nesting before the recursive-descent parser runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "yishi/expr/expr.hpp"

namespace yishi::dsl::syntax {

/// "`)`", "a closing quote", or the rule's own phrase ("an expression").
[[nodiscard]] std::string describe_expected(std::string_view which);
/// What the text at an error starts with: "`foo`", "`（`", "the end of the text".
[[nodiscard]] std::string describe_found(std::string_view rest);
/// Bytes of the first UTF-8 character of `rest` (0 when empty), so carets cover whole characters.
[[nodiscard]] std::uint32_t first_char_size(std::string_view rest);
/// The offset and message of the first limit the text exceeds (length, bracket depth).
[[nodiscard]] std::optional<std::pair<std::uint32_t, std::string>> scan_limits(std::string_view text,
                                                                               const expr::Limits& limits);

}  // namespace yishi::dsl::syntax
