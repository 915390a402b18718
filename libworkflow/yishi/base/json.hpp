// Minimal JSON text writing shared by every exporter (no parsing, no DOM).
#pragma once

#include <string>
#include <string_view>

namespace yishi::json {
/// Appends `s` as a JSON string literal (quoted, escaped; UTF-8 passed through).
void append_string(std::string& out, std::string_view s);
/// `s` as a JSON string literal.
[[nodiscard]] std::string quote(std::string_view s);
}  // namespace yishi::json
