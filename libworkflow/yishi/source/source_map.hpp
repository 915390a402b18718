// Source files and spans: every IR node and diagnostic points into a SourceMap.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace yishi {

/// Identifies a file registered in a SourceMap.
using SourceId = std::uint32_t;
inline constexpr SourceId no_source = 0xFFFFFFFFu;

/// A byte range [begin, end) in one source file. Line and column are computed when shown.
struct SourceSpan {
  SourceId source = no_source;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  [[nodiscard]] bool valid() const noexcept { return source != no_source; }
  [[nodiscard]] bool same_place(const SourceSpan& o) const noexcept {
    return source == o.source && begin == o.begin && end == o.end;
  }
};

/// A 1-based line and column; the column counts Unicode code points.
struct LineColumn {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// One loaded source text and its line index.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  /// Line and column (1-based, code points) of a byte offset; offsets past the end clamp.
  [[nodiscard]] LineColumn line_column(std::uint32_t offset) const;
  /// Byte offset of a 0-based line and 0-based byte column (as yaml-cpp reports them).
  [[nodiscard]] std::uint32_t offset_of(std::uint32_t line0, std::uint32_t byte_column0) const;
  /// The text of a 1-based line, without its line ending.
  [[nodiscard]] std::string_view line_text(std::uint32_t line) const;
  [[nodiscard]] std::uint32_t line_count() const noexcept { return static_cast<std::uint32_t>(line_starts_.size()); }

 private:
  std::string name_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

/// Owns every source file of a load. Files are never removed, so references stay valid.
/// Not thread-safe for concurrent adds; concurrent reads are safe.
class SourceMap {
 public:
  /// Registers a text under a display name (usually the path as the user wrote it).
  SourceId add(std::string name, std::string text);
  [[nodiscard]] const SourceFile& file(SourceId id) const { return files_.at(id); }
  [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }
  /// The source text a span covers (empty for an invalid span).
  [[nodiscard]] std::string_view slice(const SourceSpan& span) const;

 private:
  std::deque<SourceFile> files_;
};

}  // namespace yishi
