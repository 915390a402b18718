// Result<T>: a value or an error, for functions whose failure is part of their contract.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace yishi {

/// Wraps an error value so that `Result<T, E>` can be built from it unambiguously.
template <class E>
struct Unexpected {
  E error;
};

/// Builds an `Unexpected<E>` from an error value.
template <class E>
[[nodiscard]] Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

/// A value of type T or an error of type E (a small stand-in for C++23 std::expected).
template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { assert(has_value()); return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  [[nodiscard]] const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  [[nodiscard]] E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace yishi
