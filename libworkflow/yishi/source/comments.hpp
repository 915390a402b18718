// Comments of a source file (`#` to the end of the line, outside quotes), so that printers
// can keep them when they rewrite a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "yishi/source/source_map.hpp"

namespace yishi {

/// One comment: where it starts and its text (from `#`, without the line ending).
struct Comment {
  std::uint32_t offset = 0;
  std::string text;
};

/// The comments of a YAML or DSL source in order. A `#` starts a comment at the start of a
/// line or after a blank, outside single- and double-quoted text (as in YAML).
[[nodiscard]] std::vector<Comment> comments_of(const SourceFile& file);

/// Hands out comments in source order to a printer that visits declarations in order.
class CommentQueue {
 public:
  explicit CommentQueue(const SourceFile* file) {
    if (file) comments_ = comments_of(*file);
  }
  /// The comments that start before `offset` and were not handed out yet.
  [[nodiscard]] std::vector<std::string> before(std::uint32_t offset);
  /// Every comment not handed out yet.
  [[nodiscard]] std::vector<std::string> rest();

 private:
  std::vector<Comment> comments_;
  std::size_t next_ = 0;
};

}  // namespace yishi
