// The binary codec of durable stores: events, commit headers and case states as compact,
// versioned byte strings (little-endian varints, length-prefixed strings).
//
// Stability: an event is written as its index in the `Event` variant followed by its fields
// in declaration order, so events may only be appended to the variant and fields only
// appended to a struct (with a new format byte). Decoding checks every length and enum
// against the bytes left and throws CodecError on anything malformed; it never reads out of
// bounds, whatever the input.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/runtime/case_state.hpp"
#include "yishi/runtime/event.hpp"

namespace yishi::store_internal {

class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Format of event lists and commit headers (the first byte of each blob).
inline constexpr std::uint8_t log_format = 1;
/// Format of case state snapshots; a snapshot of another format is ignored and rebuilt.
/// 2: signer turns, removals, added signers, delegations and the schedule of approvals.
inline constexpr std::uint8_t state_format = 2;

[[nodiscard]] std::string encode_events(std::span<const Event> events);
/// Appends the decoded events to `out`; they must number `count`.
void decode_events(std::string_view bytes, std::size_t count, std::vector<Event>& out);

/// The parts of a commit that are not stored as columns: actor, command kind, time, fingerprint.
[[nodiscard]] std::string encode_header(const Commit& commit);
/// Rebuilds a commit from its header and the stored columns.
[[nodiscard]] Commit decode_header(std::string_view bytes, std::string command_id, std::uint64_t first_version,
                                   std::uint32_t count);

[[nodiscard]] std::string encode_state(const CaseState& state);
[[nodiscard]] CaseState decode_state(std::string_view bytes);

/// Why a commit cannot be appended whatever the store holds (its header does not match its
/// events, or the case id cannot be stored), or empty.
[[nodiscard]] std::string malformed_append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                           std::size_t events);

/// The chain hash of a case's log after one more commit: a case's chain at a version names
/// its whole history up to there, so a snapshot records the chain it was taken at.
[[nodiscard]] std::uint64_t chain(std::uint64_t previous, std::string_view header, std::string_view events);
/// The checksum of a stored blob.
[[nodiscard]] std::uint64_t checksum(std::string_view bytes);

}  // namespace yishi::store_internal
