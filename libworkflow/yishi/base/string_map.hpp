// StringMap<V>: an unordered map from strings that is searched with a std::string_view (or a
// C string) without building a std::string first, for lookups on hot paths.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace yishi {

/// Hashes every string-like key as a std::string_view (heterogeneous lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace yishi
