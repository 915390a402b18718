// Line index and line/column computation for source files.
#include "yishi/source/source_map.hpp"

#include <algorithm>

#include "yishi/base/text.hpp"

namespace yishi {

SourceFile::SourceFile(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineColumn SourceFile::line_column(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line0 = static_cast<std::uint32_t>(std::distance(line_starts_.begin(), it) - 1);
  const std::uint32_t start = line_starts_[line0];
  const auto col = text::count_code_points(std::string_view(text_).substr(start, offset - start));
  return {line0 + 1, static_cast<std::uint32_t>(col + 1)};
}

std::uint32_t SourceFile::offset_of(std::uint32_t line0, std::uint32_t byte_column0) const {
  if (line0 >= line_starts_.size()) return static_cast<std::uint32_t>(text_.size());
  return std::min<std::uint32_t>(line_starts_[line0] + byte_column0, static_cast<std::uint32_t>(text_.size()));
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  const std::uint32_t start = line_starts_[line - 1];
  std::uint32_t end = line < line_starts_.size() ? line_starts_[line] - 1 : static_cast<std::uint32_t>(text_.size());
  if (end > start && text_[end - 1] == '\r') --end;
  return std::string_view(text_).substr(start, end - start);
}

SourceId SourceMap::add(std::string name, std::string text) {
  files_.emplace_back(std::move(name), std::move(text));
  return static_cast<SourceId>(files_.size() - 1);
}

std::string_view SourceMap::slice(const SourceSpan& span) const {
  if (!span.valid() || span.source >= files_.size()) return {};
  const std::string& t = files_[span.source].text();
  const std::size_t b = std::min<std::size_t>(span.begin, t.size());
  const std::size_t e = std::min<std::size_t>(std::max(span.begin, span.end), t.size());
  return std::string_view(t).substr(b, e - b);
}

}  // namespace yishi
