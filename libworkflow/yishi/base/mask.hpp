// Masking of personal data (身份证号, mobile numbers) in text shown in logs, views and exports.
#pragma once

#include <string>
#include <string_view>

namespace yishi {

/// Masks every resident identity card number (18 characters: 17 digits and a digit or `X`;
/// or the older 15 digits) and every mainland mobile number (11 digits starting with 1) that
/// is a whole run of digits in `text` (not part of a longer number), keeping the first 3 and the
/// last 4 characters: `110101199003077777` → `110***********7777`, `13812345678` →
/// `138****5678`. Other text is unchanged; UTF-8 is preserved.
[[nodiscard]] std::string mask_personal_data(std::string_view text);

/// Masks the whole of a value known to be personal data (a field declared `sensitive`):
/// keeps the first and last character of values longer than 4 code points, `***` otherwise.
[[nodiscard]] std::string mask_value(std::string_view value);

}  // namespace yishi
