// UTF-8 decoding, display width and typo suggestions.
#include <doctest/doctest.h>

#include <array>

#include "yishi/base/text.hpp"

using namespace yishi;

TEST_CASE("text.utf8.valid_text_has_no_invalid_byte") {
  CHECK_FALSE(text::find_invalid_utf8("开办餐饮店 abc").has_value());
  CHECK(text::count_code_points("开办餐饮店") == 5);
}

TEST_CASE("text.utf8.finds_first_invalid_sequence") {
  CHECK(text::find_invalid_utf8(std::string("ab\xff", 3)) == 2u);
  CHECK(text::find_invalid_utf8(std::string("\xe5\xbc", 2)) == 0u);        // truncated
  CHECK(text::find_invalid_utf8(std::string("\xc0\xaf", 2)) == 0u);        // overlong
  CHECK(text::find_invalid_utf8(std::string("\xed\xa0\x80", 3)) == 0u);    // surrogate
}

TEST_CASE("text.display_width.counts_wide_characters_twice") {
  CHECK(text::display_width("abc") == 3);
  CHECK(text::display_width("餐饮") == 4);
  CHECK(text::display_width("a（b）") == 6);
}

TEST_CASE("text.closest_match.suggests_only_near_words") {
  std::array<std::string_view, 3> c{"food_licence", "fire_check", "outdoor_sign"};
  CHECK(text::closest_match("food_licnce", c) == std::optional<std::string>("food_licence"));
  CHECK_FALSE(text::closest_match("zzz", c).has_value());
  CHECK(text::edit_distance("kitten", "sitting") == 3);
}
