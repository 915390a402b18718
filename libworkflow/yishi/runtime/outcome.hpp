// The outcome of a command: the events it recorded, or a typed error that changed nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/base/result.hpp"
#include "yishi/runtime/event.hpp"

namespace yishi {

/// Why a command was not applied.
enum class ErrorKind : std::uint8_t {
  invalid_transition,  ///< not allowed in the case's (or the item's) current state
  not_authorised,      ///< the actor may not do this
  unknown_step,        ///< no such item in the bundle
  unknown_material,    ///< no such material in the bundle
  unknown_case,        ///< no such case in the store
  unknown_bundle,      ///< no such bundle (or version) deployed
  invalid_argument,    ///< the command itself is malformed (empty key, score out of range…)
  duplicate_command,   ///< the key was already used by this command: `original` is its outcome
  key_reused,          ///< the key was already used by a different command
  conflict,            ///< another writer changed the case meanwhile and retries ran out
  needs_answers,       ///< open: which items apply depends on unanswered fields (`missing_fields`)
  not_eligible,        ///< open: an eligibility condition of the bundle does not hold
};
[[nodiscard]] std::string_view to_string(ErrorKind k);

/// A command that was applied: the case, its version after the command, and the events.
struct Applied {
  CaseId case_id;
  std::uint64_t version = 0;
  std::vector<Event> events;
  friend bool operator==(const Applied&, const Applied&) = default;
};

/// A typed error. For `duplicate_command`, `original` is the first outcome, unchanged.
struct CommandError {
  ErrorKind kind = ErrorKind::invalid_transition;
  std::string message;  ///< one sentence, personal data masked
  std::shared_ptr<const Applied> original;
  /// For `needs_answers`: the fields whose answers would decide the open questions.
  std::vector<std::string> missing_fields;
};

using CommandResult = Result<Applied, CommandError>;

}  // namespace yishi
