// IdMap<T>: a map from 64-bit ids (case ids) to values, for the hot paths that look a live
// case up on every command: the engine's cache of live states and the simulator's cases.
//
// An open-addressing index (linear probing, backward-shift deletion, so no tombstones)
// points into chunked storage. Values never move: a pointer or reference to a value stays
// valid until that value is erased, whatever else is inserted or erased. Freed storage is
// reused by the next insertion. Compared with std::unordered_map it does one allocation per
// 256 values instead of one per value, and a lookup touches one cache line of the index
// instead of walking a bucket list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "yishi/base/assert.hpp"

namespace yishi {

template <class T>
class IdMap {
 public:
  IdMap() = default;
  IdMap(const IdMap&) = delete;
  IdMap& operator=(const IdMap&) = delete;
  IdMap(IdMap&& o) noexcept
      : index_(std::move(o.index_)),
        chunks_(std::move(o.chunks_)),
        free_(std::move(o.free_)),
        used_(std::exchange(o.used_, 0)),
        size_(std::exchange(o.size_, 0)),
        mask_(std::exchange(o.mask_, 0)) {}
  IdMap& operator=(IdMap&& o) noexcept {
    if (this != &o) {
      clear();
      index_ = std::move(o.index_);
      chunks_ = std::move(o.chunks_);
      free_ = std::move(o.free_);
      used_ = std::exchange(o.used_, 0);
      size_ = std::exchange(o.size_, 0);
      mask_ = std::exchange(o.mask_, 0);
    }
    return *this;
  }
  ~IdMap() { clear(); }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// The value of `id`, or null.
  [[nodiscard]] T* find(std::uint64_t id) noexcept {
    if (size_ == 0) return nullptr;
    for (std::size_t k = home(id);; k = (k + 1) & mask_) {
      const Entry& e = index_[k];
      if (e.slot == empty_slot) return nullptr;
      if (e.id == id) return &at(e.slot);
    }
  }
  [[nodiscard]] const T* find(std::uint64_t id) const noexcept { return const_cast<IdMap*>(this)->find(id); }
  [[nodiscard]] bool contains(std::uint64_t id) const noexcept { return find(id) != nullptr; }

  /// Inserts `value` under `id`, which must not be present; returns the stored value.
  T& insert(std::uint64_t id, T value) {
    if ((size_ + 1) * 4 > index_.size() * 3) grow();
    std::uint32_t slot = 0;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      at(slot) = std::move(value);
    } else {
      slot = static_cast<std::uint32_t>(used_);
      if ((used_ >> chunk_bits) == chunks_.size()) chunks_.push_back(std::make_unique<Chunk>());
      new (raw(slot)) T(std::move(value));
      ++used_;
    }
    std::size_t k = home(id);
    while (index_[k].slot != empty_slot) {
      YISHI_ASSERT(index_[k].id != id, "IdMap::insert of an id already present");
      k = (k + 1) & mask_;
    }
    index_[k] = Entry{id, slot};
    ++size_;
    return at(slot);
  }

  /// Removes `id` (its value is reset to T{}, releasing what it holds); false if absent.
  bool erase(std::uint64_t id) {
    if (size_ == 0) return false;
    std::size_t k = home(id);
    for (;; k = (k + 1) & mask_) {
      if (index_[k].slot == empty_slot) return false;
      if (index_[k].id == id) break;
    }
    const std::uint32_t slot = index_[k].slot;
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    for (std::size_t next = (k + 1) & mask_;; next = (next + 1) & mask_) {
      const Entry& e = index_[next];
      if (e.slot == empty_slot) break;
      const std::size_t h = home(e.id);
      // `e` may move to `k` unless its home lies cyclically in (k, next].
      if (((next - h) & mask_) >= ((next - k) & mask_)) {
        index_[k] = e;
        k = next;
      }
    }
    index_[k].slot = empty_slot;
    at(slot) = T{};
    free_.push_back(slot);
    --size_;
    return true;
  }

  /// Calls f(id, value) for every entry, in no particular order.
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : index_)
      if (e.slot != empty_slot) f(e.id, const_cast<IdMap*>(this)->at(e.slot));
  }

  /// Removes everything and releases the memory.
  void clear() noexcept {
    for (std::size_t s = 0; s < used_; ++s) std::launder(reinterpret_cast<T*>(raw(static_cast<std::uint32_t>(s))))->~T();
    chunks_.clear();
    index_.clear();
    free_.clear();
    used_ = size_ = 0;
    mask_ = 0;
  }

 private:
  static constexpr std::uint32_t empty_slot = 0xFFFFFFFFu;
  static constexpr unsigned chunk_bits = 8;
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;

  struct Entry {
    std::uint64_t id = 0;
    std::uint32_t slot = empty_slot;
  };
  struct Chunk {
    alignas(T) unsigned char bytes[sizeof(T) * chunk_size];
  };

  [[nodiscard]] std::size_t home(std::uint64_t id) const noexcept {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
  }
  [[nodiscard]] unsigned char* raw(std::uint32_t slot) const noexcept {
    return chunks_[slot >> chunk_bits]->bytes + sizeof(T) * (slot & (chunk_size - 1));
  }
  [[nodiscard]] T& at(std::uint32_t slot) const noexcept { return *std::launder(reinterpret_cast<T*>(raw(slot))); }

  void grow() {
    std::vector<Entry> old = std::move(index_);
    index_.assign(old.empty() ? 64 : old.size() * 2, Entry{});
    mask_ = index_.size() - 1;
    for (const Entry& e : old) {
      if (e.slot == empty_slot) continue;
      std::size_t k = home(e.id);
      while (index_[k].slot != empty_slot) k = (k + 1) & mask_;
      index_[k] = e;
    }
  }

  std::vector<Entry> index_;
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<std::uint32_t> free_;
  std::size_t used_ = 0, size_ = 0, mask_ = 0;
};

}  // namespace yishi
