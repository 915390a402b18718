// Small text utilities shared by every stage: UTF-8 decoding, display width, edit distance.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace yishi::text {

/// Decodes one UTF-8 code point at `s[i]`; advances `i`. Returns nullopt (and advances one
/// byte) on an invalid or truncated sequence, overlong form or surrogate.
[[nodiscard]] std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i);

/// Byte offset of the first invalid UTF-8 sequence in `s`, or nullopt when `s` is valid.
[[nodiscard]] std::optional<std::size_t> find_invalid_utf8(std::string_view s);

/// Number of code points in valid UTF-8 text (invalid bytes count one each).
[[nodiscard]] std::size_t count_code_points(std::string_view s);

/// Columns a terminal uses to show `s`: East Asian wide characters count two.
[[nodiscard]] std::size_t display_width(std::string_view s);

/// Levenshtein distance between two strings, by bytes.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely typo.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       std::span<const std::string_view> candidates);
}  // namespace yishi::text
