// JSON string escaping.
#include "yishi/base/json.hpp"

#include <fmt/format.h>

namespace yishi::json {
void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out.push_back(c);
    }
  }
  out.push_back('"');
}
std::string quote(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}
}  // namespace yishi::json
