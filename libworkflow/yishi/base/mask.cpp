// Masking of personal data in free text and in sensitive values.
#include "yishi/base/mask.hpp"

#include "yishi/base/text.hpp"

namespace yishi {
namespace {
bool digit(char c) { return c >= '0' && c <= '9'; }

std::string masked(std::string_view s) {
  std::string out(s.substr(0, 3));
  out.append(s.size() - 7, '*');
  out.append(s.substr(s.size() - 4));
  return out;
}
}  // namespace

std::string mask_personal_data(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t k = 0;
  while (k < text.size()) {
    if (!digit(text[k])) {
      out.push_back(text[k++]);
      continue;
    }
    std::size_t end = k;
    while (end < text.size() && digit(text[end])) ++end;
    std::size_t len = end - k;
    // An 18-character identity number may end in X.
    if (len == 17 && end < text.size() && (text[end] == 'X' || text[end] == 'x')) len = 18, ++end;
    const std::string_view run = text.substr(k, len);
    const bool id_card = len == 18 || len == 15;
    const bool mobile = len == 11 && run[0] == '1';
    if (id_card || mobile) out += masked(run);
    else out.append(run);
    k = end;
  }
  return out;
}

std::string mask_value(std::string_view value) {
  const auto n = text::count_code_points(value);
  if (n <= 4) return "***";
  // First and last code point, stars between.
  std::size_t first = 1;
  while (first < value.size() && (static_cast<unsigned char>(value[first]) & 0xC0) == 0x80) ++first;
  std::size_t last = value.size() - 1;
  while (last > 0 && (static_cast<unsigned char>(value[last]) & 0xC0) == 0x80) --last;
  return std::string(value.substr(0, first)) + std::string(n - 2, '*') + std::string(value.substr(last));
}

}  // namespace yishi
