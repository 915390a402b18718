// The simulator's future-event list: a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, 1990).
//
// A discrete-event simulation never schedules into the past, so the keys it pops never
// decrease. A radix heap uses that: an element sits in the bucket of the highest bit in which
// its key differs from the last key popped, and only the lowest non-empty bucket is ever
// sorted out. Each element moves down at most 64 times over its life, and in practice once or
// twice; the buckets are plain vectors, so a push is an append and there is no sift through a
// large binary heap on every pop. A bit mask of the non-empty buckets finds the lowest one in
// one instruction.
//
// Keys pack the event's office time (high bits) and its scheduling sequence number (low
// bits), so events at the same instant come out in the order they were scheduled: the run is
// deterministic.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "yishi/base/assert.hpp"

namespace yishi::simulate::internal {

template <class Payload>
class EventQueue {
 public:
  /// Bits of the key given to the sequence number; the time gets the rest.
  static constexpr unsigned seq_bits = 36;
  static constexpr std::int64_t max_time = (std::int64_t{1} << (63 - seq_bits)) - 1;

  struct Item {
    std::uint64_t key;
    Payload payload;
    [[nodiscard]] std::int64_t time() const noexcept { return static_cast<std::int64_t>(key >> seq_bits); }
  };

  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  /// Schedules `p` at time `t` (never before the last time popped).
  void push(std::int64_t t, const Payload& p) {
    YISHI_ASSERT(t >= 0 && t <= max_time, "event time out of range");
    YISHI_ASSERT(seq_ < (std::uint64_t{1} << seq_bits), "too many events scheduled");
    const std::uint64_t key = static_cast<std::uint64_t>(t) << seq_bits | seq_++;
    YISHI_ASSERT(key > last_ || (size_ == 0 && popped_ == 0), "an event scheduled in the past");
    put(Item{key, p});
    ++size_;
  }

  /// Removes and returns the earliest event (earliest scheduled first among equal times).
  Item pop() {
    YISHI_ASSERT(size_ > 0, "pop from an empty event queue");
    if (!(filled_ & 1)) {
      const auto i = static_cast<std::size_t>(std::countr_zero(filled_));
      std::vector<Item>& from = buckets_[i];
      std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
      for (const Item& x : from) least = x.key < least ? x.key : least;
      last_ = least;
      filled_ &= ~(std::uint64_t{1} << i);
      for (const Item& x : from) put(x);  // each into a lower bucket than i
      from.clear();
    }
    // Bucket 0 holds exactly the elements whose key equals last_: keys are unique, so one.
    Item out = buckets_[0].back();
    buckets_[0].pop_back();
    filled_ &= ~std::uint64_t{1};
    --size_;
    ++popped_;
    return out;
  }

 private:
  [[nodiscard]] std::size_t bucket(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>(std::bit_width(key ^ last_));
  }
  void put(const Item& x) {
    const std::size_t b = bucket(x.key);
    buckets_[b].push_back(x);  // keys are below 2^63 (max_time), so b < 64
    filled_ |= std::uint64_t{1} << b;
  }

  std::array<std::vector<Item>, 64> buckets_;
  std::uint64_t filled_ = 0;  ///< bit b: buckets_[b] is not empty
  std::uint64_t last_ = 0, seq_ = 0;
  std::size_t size_ = 0, popped_ = 0;
};

}  // namespace yishi::simulate::internal
