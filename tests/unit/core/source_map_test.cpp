// Line and column computation over byte offsets.
#include <doctest/doctest.h>

#include "yishi/source/source_map.hpp"

using namespace yishi;

TEST_CASE("source.line_column.is_one_based_and_counts_code_points") {
  SourceMap m;
  auto id = m.add("f.yaml", "ab\n名称: x\n");
  const auto& f = m.file(id);
  CHECK(f.line_column(0).line == 1);
  CHECK(f.line_column(0).column == 1);
  const std::uint32_t x = static_cast<std::uint32_t>(std::string("ab\n名称: ").size());
  CHECK(f.line_column(x).line == 2);
  CHECK(f.line_column(x).column == 5);  // 名, 称, :, space, then x
  CHECK(f.line_text(2) == "名称: x");
  CHECK(f.line_column(9999).line == 3);  // clamps past the end
}

TEST_CASE("source.line_text.strips_crlf") {
  SourceMap m;
  auto id = m.add("f.yaml", "a: 1\r\nb: 2\r\n");
  CHECK(m.file(id).line_text(1) == "a: 1");
  CHECK(m.file(id).line_text(2) == "b: 2");
}

TEST_CASE("source.slice.returns_spanned_text") {
  SourceMap m;
  auto id = m.add("f", "hello world");
  CHECK(m.slice({id, 6, 11}) == "world");
  CHECK(m.slice({}).empty());
}
