// IdMap: the live-case map of the engine and the simulator, against std::unordered_map.
#include <doctest/doctest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "yishi/base/id_map.hpp"

using yishi::IdMap;

TEST_CASE("core.id_map.random_operations_agree_with_unordered_map") {
  // Ids drawn from a small range collide and probe runs wrap around the index; erasing
  // shifts entries back. Values are strings, so a value reset or moved wrongly shows.
  std::uint64_t seed = 42;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  // Strides: scattered ids, the engine's ids in sequence, and powers of two, which land on the
  // same home runs of the index unless its hash scatters them.
  struct Pattern {
    std::uint64_t range, stride;
  };
  for (const Pattern pattern : {Pattern{7, 0x10001}, Pattern{300, 0x10001}, Pattern{5000, 0x10001},
                                Pattern{1ull << 40, 0x10001}, Pattern{5000, 1}, Pattern{5000, 16},
                                Pattern{5000, 4096}, Pattern{300, 1ull << 32}}) {
    CAPTURE(pattern.range);
    CAPTURE(pattern.stride);
    IdMap<std::string> map;
    std::unordered_map<std::uint64_t, std::string> ref;
    std::unordered_map<std::uint64_t, const std::string*> where;  // values must never move
    for (int step = 0; step < 40000; ++step) {
      const std::uint64_t id = next() % pattern.range * pattern.stride + 1;
      const auto op = next() % 10;
      if (op < 5) {
        if (ref.count(id)) continue;
        const std::string v = "value of " + std::to_string(id) + std::string(next() % 40, 'x');
        const std::string& stored = map.insert(id, v);
        CHECK(stored == v);
        ref.emplace(id, v);
        where[id] = &stored;
      } else if (op < 8) {
        CHECK(map.erase(id) == (ref.erase(id) == 1));
        where.erase(id);
      } else {
        const std::string* got = map.find(id);
        auto it = ref.find(id);
        REQUIRE((got != nullptr) == (it != ref.end()));
        if (got) {
          CHECK(*got == it->second);
          CHECK(got == where[id]);
        }
      }
      REQUIRE(map.size() == ref.size());
    }
    std::size_t seen = 0;
    map.for_each([&](std::uint64_t id, const std::string& v) {
      ++seen;
      CHECK(ref.at(id) == v);
    });
    CHECK(seen == ref.size());
    IdMap<std::string> moved = std::move(map);
    CHECK(moved.size() == ref.size());
    CHECK(map.empty());  // NOLINT(bugprone-use-after-move): a moved-from map is empty and usable
    map.insert(1, "again");
    CHECK(*map.find(1) == "again");
    moved.clear();
    CHECK(moved.empty());
    CHECK(moved.find(1) == nullptr);
  }
}
