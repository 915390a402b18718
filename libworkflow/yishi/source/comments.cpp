// Finding comments in YAML and DSL sources.
#include "yishi/source/comments.hpp"

namespace yishi {

std::vector<Comment> comments_of(const SourceFile& file) {
  std::vector<Comment> out;
  const std::string& t = file.text();
  bool blank_before = true;  // at the start of a line, or after a space or tab
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if ((c == '"' || c == '\'') && blank_before) {
      // A quoted scalar or string: skip to its closing quote on the same line.
      for (++i; i < t.size() && t[i] != c && t[i] != '\n'; ++i)
        if (c == '"' && t[i] == '\\') ++i;
      if (i < t.size() && t[i] == '\n') blank_before = true;
      else blank_before = false;
      continue;
    }
    if (c == '#' && blank_before) {
      const auto end = t.find('\n', i);
      out.push_back({static_cast<std::uint32_t>(i), t.substr(i, end == std::string::npos ? std::string::npos : end - i)});
      if (end == std::string::npos) break;
      i = end;
      blank_before = true;
      continue;
    }
    blank_before = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '[' || c == '{' || c == ',' || c == ':' ||
                   c == '(' || c == '=' || c == '|';
  }
  return out;
}

std::vector<std::string> CommentQueue::before(std::uint32_t offset) {
  std::vector<std::string> out;
  while (next_ < comments_.size() && comments_[next_].offset < offset) out.push_back(comments_[next_++].text);
  return out;
}

std::vector<std::string> CommentQueue::rest() { return before(UINT32_MAX); }

}  // namespace yishi
