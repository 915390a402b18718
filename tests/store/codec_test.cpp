// The store codec: every event, commit and state the scenarios produce survives encoding, and
// damaged bytes are refused with CodecError, never read out of bounds.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "test_support.hpp"
#include "yishi/store/internal/codec.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
namespace codec = yishi::store_internal;

namespace {

/// Every case log of every scenario script, run on one memory store.
struct Logs {
  std::vector<StoredCase> cases;
  std::vector<CaseState> states;
};

const Logs& scenario_logs() {
  static const Logs logs = [] {
    Logs l;
    std::vector<std::filesystem::path> scripts;
    for (const char* dir : {"/tests/scenarios", "/tests/scenarios/national"})
      for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + dir))
        if (e.path().extension() == ".scenario") scripts.push_back(e.path());
    std::sort(scripts.begin(), scripts.end());
    for (const auto& script : scripts) {
      MemoryStore store;
      script::ScriptOptions o;
      o.root = test::source_dir();
      o.store = &store;
      o.check_replay = false;
      script::Runner runner(std::move(o));
      runner.run_file(script);
      for (CaseId id : runner.cases()) {
        l.cases.push_back(*store.load(id));
        l.states.push_back(runner.engine()->state(id).value());
      }
    }
    return l;
  }();
  return logs;
}

}  // namespace

TEST_CASE("store.codec.every_scenario_log_and_state_round_trips") {
  const Logs& logs = scenario_logs();
  REQUIRE(logs.cases.size() > 40);
  std::size_t events = 0;
  std::vector<bool> kinds(std::variant_size_v<Event>);
  for (std::size_t k = 0; k < logs.cases.size(); ++k) {
    const StoredCase& c = logs.cases[k];
    for (const Commit& commit : c.commits) {
      const auto first = c.events.begin() + static_cast<std::ptrdiff_t>(commit.first_version - 1);
      const std::vector<Event> batch(first, first + commit.count);
      std::vector<Event> back;
      codec::decode_events(codec::encode_events(batch), batch.size(), back);
      CHECK(back == batch);
      CHECK(codec::decode_header(codec::encode_header(commit), commit.command_id, commit.first_version, commit.count) ==
            commit);
      for (const Event& e : batch) kinds[e.index()] = true;
      events += batch.size();
    }
    CHECK(codec::decode_state(codec::encode_state(logs.states[k])) == logs.states[k]);
  }
  // a case moved to another version (no scenario script does that)
  const std::vector<Event> moved{CaseMigrated{"2024.1", "2024.2", {0, -1, 2, 1}, {3, 0, -1}}};
  std::vector<Event> back;
  codec::decode_events(codec::encode_events(moved), 1, back);
  CHECK(back == moved);
  kinds[moved.front().index()] = true;
  // the scenarios exercise every other kind of event, so every field list is checked above
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    CAPTURE(k);
    CHECK(kinds[k]);
  }
  CHECK(events > 500);
}

TEST_CASE("store.codec.damaged_bytes_are_refused_not_misread") {
  const Logs& logs = scenario_logs();
  const StoredCase& c = logs.cases.front();
  const std::string events = codec::encode_events(c.events);
  const std::string state = codec::encode_state(logs.states.front());
  std::vector<Event> out;
  // every truncation fails
  for (std::size_t n = 0; n < events.size(); ++n) {
    out.clear();
    CHECK_THROWS_AS(codec::decode_events(std::string_view(events).substr(0, n), c.events.size(), out), codec::CodecError);
  }
  for (std::size_t n = 0; n < state.size(); ++n)
    CHECK_THROWS_AS((void)codec::decode_state(std::string_view(state).substr(0, n)), codec::CodecError);
  // trailing bytes, a wrong count, an unknown format
  out.clear();
  CHECK_THROWS_AS(codec::decode_events(events + "x", c.events.size(), out), codec::CodecError);
  out.clear();
  CHECK_THROWS_AS(codec::decode_events(events, c.events.size() + 1, out), codec::CodecError);
  std::string other = state;
  other[0] = 9;
  CHECK_THROWS_AS((void)codec::decode_state(other), codec::CodecError);
  // an unknown event kind, an enumeration out of range, a length past the end
  out.clear();
  CHECK_THROWS_AS(codec::decode_events(std::string("\x01\x7f", 2), 1, out), codec::CodecError);
  const std::string rejected = codec::encode_events(std::vector<Event>{ItemRevoked{3, RevokeCause::material_lapsed}});
  std::string bad_enum = rejected;
  bad_enum.back() = 9;
  out.clear();
  CHECK_THROWS_AS(codec::decode_events(bad_enum, 1, out), codec::CodecError);
  const std::string refused = codec::encode_events(std::vector<Event>{Refused{"缺少材料"}});
  std::string long_string = refused;
  long_string[2] = 0x7f;
  out.clear();
  CHECK_THROWS_AS(codec::decode_events(long_string, 1, out), codec::CodecError);
  // random flips and random bytes: refused or decoded, never a crash (the sanitizer build checks reads)
  std::mt19937_64 rng(20261121);
  std::size_t refused_count = 0;
  for (int k = 0; k < 3000; ++k) {
    std::string damaged = k % 2 ? events : state;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) damaged[rng() % damaged.size()] = static_cast<char>(rng());
    try {
      if (k % 2) {
        out.clear();
        codec::decode_events(damaged, c.events.size(), out);
      } else {
        (void)codec::decode_state(damaged);
      }
    } catch (const codec::CodecError&) {
      ++refused_count;
    }
  }
  CHECK(refused_count > 100);
}

TEST_CASE("store.codec.chain_and_checksum_depend_on_every_byte") {
  CHECK(codec::checksum("abc") != codec::checksum("abd"));
  CHECK(codec::checksum("") != codec::checksum(std::string(1, '\0')));
  CHECK(codec::chain(0, "h", "e") != codec::chain(1, "h", "e"));
  CHECK(codec::chain(0, "he", "") != codec::chain(0, "h", "e"));  // field boundaries count
  CHECK(codec::chain(5, "h", "e") == codec::chain(5, "h", "e"));
}
